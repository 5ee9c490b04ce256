"""The resident's web chat page (issue 15) in headless Chromium at phone width, against the real assistant.

One test per promise of the page: the folded basis, 👍/👎 stored in the answer log, used and outdated
buttons disabled, the queue position while waiting for a human (no typing indicator), staff messages
marked with name and time, only safe links, the privacy notice, the masked and expiring history, 清除记录,
the visible character limit and the favicon. An agent works in the console over its HTTP API (login, CSRF
token), as console.js does. Screenshots: results/webchat/ and the before/after pair in results/screenshots/.
"""

import json
import re
import shutil
import time
import urllib.request

import pytest

from bot.console.accounts import save_account
from bot.testing import start_assistant
from policy_core.answer_log import AnswerLog, AnswerRating
from policy_core.config import PROJECT_ROOT
from policy_core.privacy import mask_personal_data
from policy_core.wording import WEBCHAT_PAGE_TEXTS
from tests.browser import WebChatPage, chromium
from tests.console.test_console_flow import login, ticket_of

pytestmark = pytest.mark.model

SHOTS = PROJECT_ROOT / "results" / "webchat"
AFTER = PROJECT_ROOT / "results" / "screenshots"
PASSWORD = "agent-pass-15"
CLOCK = re.compile(r"(\d\d-\d\d )?\d\d:\d\d")
HEX32 = re.compile(r"[0-9a-f]{32}")
DAY_MS = 24 * 3600 * 1000
TEXTS = WEBCHAT_PAGE_TEXTS


@pytest.fixture(scope="module")
def assistant(tmp_path_factory):
    work = tmp_path_factory.mktemp("webchat-page")
    save_account("wang", PASSWORD, "王小明", path=work / "agents.yml")
    # The project's own credentials.yml: REST, web chat and the agent console.
    running = start_assistant(
        work,
        extra_env={
            "AGENT_ACCOUNTS_FILE": str(work / "agents.yml"),
            "HANDOFF_DB_URL": f"sqlite:///{work / 'handoff.db'}",
        },
    )
    running.handoff_db = f"sqlite:///{work / 'handoff.db'}"
    yield running
    running.stop()


@pytest.fixture(scope="module")
def page(assistant, tmp_path_factory):
    driver = chromium(tmp_path_factory.mktemp("resident-profile"), 390, 844, mobile=True)
    chat = WebChatPage(driver, f"{assistant.url}/webchat/", SHOTS)
    chat.record_csp_violations()
    yield chat
    driver.quit()


@pytest.fixture(scope="module")
def agent(assistant):
    client = login(assistant, "wang", PASSWORD)
    yield client
    client.close()


def shot(page, name):
    """A screenshot for the closing note (results/screenshots/) and with the test's others."""
    AFTER.mkdir(parents=True, exist_ok=True)
    page.shot(name)
    shutil.copy(SHOTS / f"{name}.png", AFTER / f"{name}.png")


def newest(page, role="bot"):
    return [e for e in page.entries() if e["role"] == role][-1]


def rate(page, index, rating):
    """Tap 👍 or 👎 on the index-th message of the page."""
    buttons = page.driver.find_elements("css selector", "#chat-log .msg")[index].find_elements(
        "css selector", f".rate-{rating}"
    )
    buttons[0].click()


def answer_records(assistant, session):
    return [r for r in AnswerLog(assistant.handoff_db).records() if r.conversation_id == session]


def test_01_privacy_notice_favicon_and_no_csp_violations(page, assistant):
    page.driver.get(page.url)
    page.wait(page.ready, "the session to be confirmed")
    notice = page.visible_text("chat-privacy")
    assert notice == TEXTS["privacy_notice"].replace("{days}", "7") and "7天" in notice
    assert page.js("return document.getElementById('chat').dataset.historyDays") == "7"
    assert page.visible_text("chat-clear") == TEXTS["clear_history"] == "清除记录"
    assert page.js("return document.getElementById('chat-texts').type") == "application/json"

    icon = page.js("return document.querySelector('link[rel=icon]').getAttribute('href')")
    assert icon == "/webchat/static/favicon.svg"
    with urllib.request.urlopen(assistant.url + icon, timeout=30) as response:
        assert response.headers["content-type"].startswith("image/svg+xml")
        assert b"<svg" in response.read()
    assert page.js("return document.documentElement.scrollWidth <= window.innerWidth")
    assert page.csp_violations() == []
    page.shot("issue15-01-start")


def test_02_short_answer_first_basis_folded_and_opens(page):
    page.ask("医保存折的钱什么时候到 我在职", r"3月5日")
    page.wait(lambda: not page.visible_text("chat-typing"), "the typing indicator to go with the answer", 3)
    answer, asked = newest(page), newest(page, "user")
    assert asked["who"] == TEXTS["you_label"] and CLOCK.fullmatch(asked["time"])
    assert answer["who"] == TEXTS["bot_label"] == "政策通（智能助手）" and CLOCK.fullmatch(answer["time"])
    assert "3月5日" in answer["text"] and "依据：" not in answer["text"]
    assert answer["summary"] == "依据与出处"
    assert "依据" in answer["details"] and "出处" in answer["details"]
    assert answer["details_open"] is False and answer["details_shown"] is False  # folded
    assert [b["label"] for b in answer["rating"]] == [TEXTS["rate_up"], TEXTS["rate_down"]]
    assert all(b["shown"] and not b["disabled"] for b in answer["rating"])
    shot(page, "after-answer")

    page.driver.find_elements("css selector", "#chat-log .msg details.msg-details summary")[-1].click()
    answer = newest(page)
    assert answer["details_open"] is True and answer["details_shown"] is True
    assert page.js("return document.querySelector('.msg-details-body').getBoundingClientRect().height") > 20
    shot(page, "after-answer-details")


def test_03_thumbs_are_recorded_in_the_answer_log(page, assistant):
    session = page.session_id
    answered = len(page.entries()) - 1
    [record] = [r for r in answer_records(assistant, session) if r.fact_ids]
    assert page.stored_history()[answered]["answerId"] == str(record.id) and record.rating is None

    users, before = len(page.entries()) - len(page.bot_texts()), len(page.bot_texts())
    rate(page, answered, "up")
    page.wait_bot(before, "谢谢您的评价")
    assert len(page.entries()) - len(page.bot_texts()) == users  # no bubble of the resident's
    thumbs = page.entries()[answered]["rating"]
    assert [(b["disabled"], b["pressed"]) for b in thumbs] == [(True, "true"), (True, "false")]
    page.wait(
        lambda: [r.rating for r in answer_records(assistant, session) if r.id == record.id] == [AnswerRating.UP],
        "👍 stored with the answer",
        10,
    )

    page.ask("医保存折是什么", "个人账户")
    second = len(page.entries()) - 1
    assert page.entries()[second]["rating"], "a policy answer carries 👍/👎"
    before = len(page.bot_texts())
    rate(page, second, "down")
    page.wait_bot(before, "没能帮到您")
    assert [c["title"] for c in newest(page)["chips"]] == ["转人工"]  # 👎 offers a human
    rated = page.wait(
        lambda: [r for r in answer_records(assistant, session) if r.rating is AnswerRating.DOWN],
        "👎 stored with the answer",
        10,
    )
    assert rated[0].question == "医保存折是什么" and rated[0].channel == "socketio" and rated[0].fact_ids
    page.shot("issue15-03-rated")

    page.driver.refresh()  # used thumbs stay used, the chosen one shown
    page.wait(page.ready, "the page to reconnect")
    entries = page.entries()
    assert [(b["disabled"], b["pressed"]) for b in entries[answered]["rating"]] == [(True, "true"), (True, "false")]
    assert [(b["disabled"], b["pressed"]) for b in entries[second]["rating"]] == [(True, "false"), (True, "true")]


def test_04_used_and_outdated_buttons_are_disabled(page):
    page.start_over()
    page.ask("医保存折的钱什么时候到账", "在职职工还是退休人员")
    asked = len(page.entries()) - 1
    assert [c["disabled"] for c in page.entries()[asked]["chips"]] == [False, False, False]
    page.ask("医保存折是什么", "个人账户")  # typed instead of tapping: the old question's chips are outdated
    assert [c["disabled"] for c in page.entries()[asked]["chips"]] == [True, True, True]

    page.ask("医保存折的钱什么时候到账", "在职职工还是退休人员")
    tapped = len(page.entries()) - 1
    before = len(page.bot_texts())
    page.click_button("退休人员")
    assert [c["disabled"] for c in page.entries()[tapped]["chips"]] == [True, True, True]  # at once
    page.wait_bot(before, "哪个月")
    page.shot("issue15-04-used-buttons")

    page.driver.refresh()
    page.wait(page.ready, "the page to reconnect")
    entries = page.entries()
    assert all(c["disabled"] for c in entries[asked]["chips"] + entries[tapped]["chips"])
    stored = page.stored_history()
    assert stored[asked]["outdated"] is True and stored[tapped]["used"] is True


def test_05_queue_position_during_a_hand_off_and_no_typing(page, assistant, agent):
    page.start_over()
    assistant.say("resident-ahead-15", "转人工")  # someone else waits already
    page.ask("转人工", "人工")
    line = page.wait(lambda: page.visible_text("chat-queue"), "the queue line", 15)
    assert "前面还有 1 位" in line, line
    assert not page.visible_text("chat-typing")

    page.send("请问还要等多久")  # nobody will answer at once: no typing indicator at all
    deadline = time.monotonic() + 4
    while time.monotonic() < deadline:
        assert not page.visible_text("chat-typing")
        time.sleep(0.1)
    shot(page, "after-handoff")

    # The one ahead is taken: the page's poll shows the new position.
    ahead = ticket_of(agent, "resident-ahead-15")
    assert agent.post(f"/console/api/tickets/{ahead['id']}/take").status_code == 200
    page.wait(lambda: "您是下一位" in page.visible_text("chat-queue"), "the updated position", 25)


def test_06_staff_messages_are_marked_with_name_and_time(page, agent):
    ticket = ticket_of(agent, page.session_id)
    assert agent.post(f"/console/api/tickets/{ticket['id']}/take").status_code == 200
    page.wait(lambda: "工作人员已接入" in page.visible_text("chat-queue"), "the taken ticket on the page", 25)

    before = len(page.bot_texts())
    text = "您好，我是王小明，您的问题我来处理。"
    assert agent.post(f"/console/api/tickets/{ticket['id']}/reply", json={"text": text}).status_code == 200
    page.wait(lambda: text in page.bot_texts()[before:], "the agent's reply", 15)
    staff, bot = newest(page, "staff"), newest(page, "bot")
    assert staff["text"] == text
    assert staff["who"] == TEXTS["staff_label"] + "王小明" and CLOCK.fullmatch(staff["time"])
    assert staff["bubble"] != bot["bubble"]  # looks different from the assistant's
    assert not page.visible_text("chat-typing")
    page.shot("issue15-06-staff")

    page.driver.refresh()  # still a staff message after a reload
    page.wait(page.ready, "the page to reconnect")
    assert newest(page, "staff")["who"] == "工作人员王小明"
    page.wait(lambda: page.visible_text("chat-queue"), "the queue line after the reload", 15)


def test_07_only_http_links_in_staff_messages(page, agent):
    ticket = ticket_of(agent, page.session_id)
    text = (
        "办事指南：https://www.beijing.gov.cn/guide?id=1 。不要点 javascript:alert(1) 或 "
        "data:text/html,<b>x</b> ，也不是 <img src=x onerror=alert(2)>"
    )
    before = len(page.bot_texts())
    assert agent.post(f"/console/api/tickets/{ticket['id']}/reply", json={"text": text}).status_code == 200
    page.wait(lambda: len(page.bot_texts()) > before, "the agent's reply with links", 15)
    staff = newest(page, "staff")
    assert staff["text"] == text  # all of it, as text
    assert staff["links"] == [
        {
            "href": "https://www.beijing.gov.cn/guide?id=1",
            "text": "https://www.beijing.gov.cn/guide?id=1",
            "rel": "noopener noreferrer",
            "target": "_blank",
        }
    ]
    assert page.js("return document.querySelectorAll('#chat-log img, #chat-log b').length") == 0
    page.shot("issue15-07-links")

    # The agent closes: the waiting line goes, the bot asks for a rating.
    before = len(page.bot_texts())
    assert agent.post(f"/console/api/tickets/{ticket['id']}/close").status_code == 200
    page.wait_bot(before, "问题解决了吗", 15)
    page.wait(lambda: not page.visible_text("chat-queue"), "the queue line to go", 25)
    assert [c["title"] for c in newest(page)["chips"]] == ["满意，已解决", "不满意"]


def test_08_history_is_masked_and_expires(page):
    page.start_over()
    page.ask("我的身份证号是110101199003071234，手机13812345678，能查个人账户吗", ".")
    time.sleep(1)  # the rest of the reply, before the history is read and planted
    dump = json.dumps(page.storage(), ensure_ascii=False)
    assert "110101199003071234" not in dump and "13812345678" not in dump
    user = [e for e in page.stored_history() if e["role"] == "user"][-1]
    assert user["text"] == "我的身份证号是110101********1234，手机138****5678，能查个人账户吗"

    # The page masks by policy_core/privacy.py's rules, and drops what is older than 7 days.
    samples = [
        "身份证11010119900307123X",
        "卡号 6222 0212 3456 7890 123",
        "+86 139-1234-5678 或 zhang.san@example.com",
        "全角１１０１０１１９９００３０７１２３４",
        "电话：010-12345678，2020年7月",
    ]
    now = page.js("return Date.now()")
    planted = [{"role": "user", "text": s, "buttons": [], "time": now - 1000} for s in samples]
    planted += [
        {"role": "bot", "text": "六天前的回答", "buttons": [], "time": now - 6 * DAY_MS},
        {"role": "bot", "text": "八天前的回答", "buttons": [], "time": now - 8 * DAY_MS},
        {"role": "bot", "text": "没有时间的旧记录", "buttons": []},
    ]
    page.js(
        "localStorage.setItem('policyChat.history.' + localStorage.getItem('policyChat.sessionId'), arguments[0])",
        json.dumps(planted, ensure_ascii=False),
    )
    session = page.session_id
    page.driver.refresh()
    page.wait(page.ready, "the page to reconnect")
    assert page.session_id == session
    assert [e["text"] for e in page.stored_history()] == [mask_personal_data(s) for s in samples] + ["六天前的回答"]
    assert [m["text"] for m in page.messages()] == [mask_personal_data(s) for s in samples] + ["六天前的回答"]

    # All of it expired: a new resident at this computer, with a session of their own.
    page.js(
        "localStorage.setItem('policyChat.history.' + localStorage.getItem('policyChat.sessionId'), arguments[0])",
        json.dumps(planted[-2:], ensure_ascii=False),
    )
    page.driver.refresh()
    page.wait(lambda: page.ready() and page.session_id not in (None, session), "a new session")
    assert page.messages() == [] and not [k for k in page.storage() if session in k]


def test_09_clear_history_asks_once_more_then_starts_afresh(page):
    page.ask("医保存折是什么", "个人账户")
    old, shown = page.session_id, page.messages()
    button = page.driver.find_element("id", "chat-clear")
    button.click()
    assert page.visible_text("chat-clear") == TEXTS["clear_confirm"]
    assert page.messages() == shown and page.stored_history()  # not yet
    page.shot("issue15-09-confirm")
    page.wait(lambda: page.visible_text("chat-clear") == TEXTS["clear_history"], "the button to calm down", 8)
    button.click()  # a tap long after the first asks again
    assert page.visible_text("chat-clear") == TEXTS["clear_confirm"] and page.messages() == shown

    button.click()
    page.wait(lambda: page.ready() and page.session_id not in (None, old), "a new session")
    assert HEX32.fullmatch(page.session_id)
    assert page.messages() == [] and page.stored_history() == []
    assert not [k for k in page.storage() if k.startswith("policyChat.history.") and old in k]
    assert set(page.storage()) <= {"policyChat.sessionId", f"policyChat.history.{page.session_id}"}
    assert TEXTS["cleared"] in page.js("return document.getElementById('chat-log').textContent")
    page.shot("issue15-09-cleared")
    assert "个人账户" in "\n".join(page.ask("医保存折是什么", "个人账户"))  # and the chat goes on


def test_10_the_character_limit_is_visible(page):
    field = page.driver.find_element("id", "chat-input")
    assert field.get_attribute("maxlength") == "500" and field.get_attribute("data-max-chars") == "500"
    assert page.visible_text("chat-count") == "0/500" and not page.visible_text("chat-limit")
    field.send_keys("医保存折")
    assert page.visible_text("chat-count") == "4/500"
    field.send_keys("字" * 600)
    assert len(page.js("return document.getElementById('chat-input').value")) == 500
    assert page.visible_text("chat-count") == "500/500"
    assert page.visible_text("chat-limit") == TEXTS["char_limit"].replace("{limit}", "500")
    page.shot("issue15-10-limit")
    field.clear()
    field.send_keys("x")
    assert page.visible_text("chat-count") == "1/500" and not page.visible_text("chat-limit")
    assert page.csp_violations() == []
