"""The web chat page in headless Chromium (phone size) against the real assistant.

One conversation, step by step: buttons, facts, reload, hand-off with a pushed agent message, a new
conversation, and the server going away. Screenshots go to results/webchat/.
"""

import json
import re
import time

import pytest

from bot.testing import start_assistant
from policy_core.config import PROJECT_ROOT
from tests.browser import WebChatPage, chromium

pytestmark = pytest.mark.model

SHOTS = PROJECT_ROOT / "results" / "webchat"
HEX32 = re.compile(r"[0-9a-f]{32}")
CREDENTIALS = """\
rest:
bot.channels.socketio.WebChatInput:
  user_message_evt: user_uttered
  bot_message_evt: bot_uttered
  session_persistence: true
  metadata_key: customData
"""


@pytest.fixture(scope="module")
def assistant(tmp_path_factory):
    work = tmp_path_factory.mktemp("webchat-assistant")
    (work / "credentials.yml").write_text(CREDENTIALS, encoding="utf-8")
    running = start_assistant(work, credentials=work / "credentials.yml")
    yield running
    running.stop()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    driver = chromium(tmp_path_factory.mktemp("chromium-profile"), 390, 844, mobile=True)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def page(browser, assistant):
    return WebChatPage(browser, f"{assistant.url}/webchat/", SHOTS)


def user_events(assistant, sender):
    return [e for e in assistant.tracker(sender)["events"] if e["event"] == "user"]


def test_1_page_opens_at_phone_width(page, assistant):
    page.driver.get(page.url)
    page.wait(page.ready, "the session to be confirmed")
    assert page.driver.title == "政策通 · 医保社保咨询"
    assert HEX32.fullmatch(page.session_id)
    assert not page.banner_shown()
    assert "政策通" in page.js("return document.querySelector('.chat-hint').textContent")
    assert page.js("return window.innerWidth") == 390
    assert page.js("return document.documentElement.scrollWidth <= window.innerWidth")
    assert "PingFang SC" in page.js("return getComputedStyle(document.body).fontFamily")
    resources = page.js("return performance.getEntriesByType('resource').map(r => r.name)")
    assert resources and all(r.startswith(assistant.url + "/") for r in resources), resources
    page.shot("01-start")


def test_2_buttons_are_shown_and_clicked(page, assistant):
    answer = page.ask("医保存折的钱什么时候到账", "在职职工还是退休人员")
    last = page.messages()[-1]
    assert last["role"] == "bot" and last["buttons"] == ["在职职工", "退休人员", "灵活就业"]
    page.shot("02-buttons")

    before = len(page.bot_texts())
    page.click_button("退休人员")
    assert {"role": "user", "text": "退休人员", "buttons": []} in page.messages()[-4:]
    page.wait_bot(before, "哪个月")
    answer = page.ask("1月份", r"退休人员.*\d+月5日")
    assert "1月的个人账户资金" in "\n".join(answer) and "2月5日" in "\n".join(answer)
    page.shot("03-button-answer")

    # The same assistant as REST: the click sent the button's payload, and the tracker knows the channel.
    events = user_events(assistant, page.session_id)
    pressed = next(e for e in events if e["text"].startswith("/inform"))
    assert json.loads(pressed["text"][len("/inform") :]) == {"person_category": "retired"}
    assert pressed["input_channel"] == "socketio"
    assert pressed["metadata"].get("client") == "webchat"
    assert assistant.tracker(page.session_id)["slots"]["person_category"] == "retired"


def test_3_facts_in_the_answers(page):
    assert "个人账户" in "\n".join(page.ask("医保存折是什么", "个人账户"))
    assert "3月5日" in "\n".join(page.ask("我在职，1月份的钱什么时候到", "3月5日"))
    page.shot("04-answers")


def test_4_reload_keeps_the_conversation(page, assistant):
    session, shown = page.session_id, page.messages()
    assert len(shown) >= 10
    page.driver.refresh()
    assert page.messages() == shown  # re-rendered from localStorage at once
    page.wait(page.ready, "the session to be confirmed after the reload")
    assert page.session_id == session
    page.shot("05-reloaded")

    answer = page.ask("那退休的呢", r"退休人员.*\d+月5日")  # the server remembers the last topic
    assert "2月5日" in "\n".join(answer)
    assert user_events(assistant, session)[-1]["text"] == "那退休的呢"
    page.shot("06-after-reload")


def test_5_agent_message_is_pushed_while_paused(page, assistant):
    session = page.session_id
    page.ask("转人工", "人工")
    page.wait(lambda: assistant.is_paused(session), "the conversation to be paused")

    before = len(page.bot_texts())
    page.send("请问还要等多久")  # the paused bot stays silent
    time.sleep(3)
    assert len(page.bot_texts()) == before

    text = "您好，我是工作人员小王，您的问题我来处理。"
    path = f"/conversations/{session}/tracker/events?execute_side_effects=true&output_channel=latest"
    body = json.dumps([{"event": "bot", "text": text}]).encode("utf-8")
    status, _ = assistant.post(path, body)
    assert status == 401  # the HTTP API needs the token
    status, _ = assistant.post(f"{path}&token={assistant.token}", body)
    assert status == 200
    page.wait(lambda: page.bot_texts()[-1:] == [text], "the pushed message")
    assert assistant.is_paused(session)
    page.shot("07-pushed")


def test_6_new_conversation(page):
    old = page.session_id
    page.clear_history()  # 清除记录 is also how a new conversation starts
    page.wait(lambda: page.ready() and page.session_id not in (None, old), "a new session")
    assert HEX32.fullmatch(page.session_id)
    assert page.messages() == []
    assert "个人账户" in "\n".join(page.ask("医保存折是什么", "个人账户"))


def test_7_server_gone_shows_disconnected(page, assistant):
    assistant.stop()
    banner = page.wait(page.banner_shown, "the disconnected banner")
    assert "连接" in banner
    assert not page.ready()
    assert page.messages()[-1]["role"] == "bot"  # the conversation stays on screen
    page.shot("08-disconnected")
