"""The hand-off loop in two headless Chromium windows against the real assistant.

A resident on the web chat page (phone size) asks for a human; an agent logs into the console (desktop
size), sees the ticket and the transcript, takes it, replies — and the resident's page shows the reply —
then closes it, and the resident rates the service with the bot's button. Screenshots: results/console/.
"""

import time

import pytest

from bot.console.accounts import save_account
from bot.testing import start_assistant
from policy_core.config import PROJECT_ROOT
from policy_core.handoff import HandoffQueue
from tests.browser import WAIT, WebChatPage, chromium, wait_until

pytestmark = pytest.mark.model

SHOTS = PROJECT_ROOT / "results" / "console"
PASSWORD = "agent-pass-2"
REPLY = "您好，我是人工坐席王小明，您的问题我来处理。"
LATE_REPLY = "查到了：您的异地就医备案已经生效。"


@pytest.fixture(scope="module")
def assistant(tmp_path_factory):
    work = tmp_path_factory.mktemp("console-browser")
    save_account("wang", PASSWORD, "王小明", path=work / "agents.yml")
    # The project's own credentials.yml: REST, web chat, console (Telegram is off without a token).
    running = start_assistant(work, extra_env={"AGENT_ACCOUNTS_FILE": str(work / "agents.yml")})
    yield running
    running.stop()


@pytest.fixture(scope="module")
def resident(assistant, tmp_path_factory):
    driver = chromium(tmp_path_factory.mktemp("resident-profile"), 390, 844, mobile=True)
    yield WebChatPage(driver, f"{assistant.url}/webchat/", SHOTS)
    driver.quit()


class Console:
    def __init__(self, driver, url):
        self.driver, self.url = driver, url

    def js(self, script, *args):
        return self.driver.execute_script(script, *args)

    def text(self, element_id):
        return self.js("var e = document.getElementById(arguments[0]); return e ? e.textContent : null;", element_id)

    def wait(self, condition, what, timeout=WAIT):
        def failed():
            self.shot("failed")
            return f"console status: {self.text('status')!r}"

        return wait_until(condition, what, timeout, failed)

    def shot(self, name):
        self.driver.save_screenshot(str(SHOTS / f"{name}.png"))

    def ticket_items(self):
        return self.js(
            "return Array.from(document.querySelectorAll('#tickets li')).map(li => "
            "({id: li.dataset.ticket, text: li.textContent}))"
        )

    def transcript(self):
        return self.js(
            "return Array.from(document.querySelectorAll('#transcript li')).map(li => "
            "({role: li.className, text: li.textContent}))"
        )

    def enabled(self, element_id):
        return self.js("return !document.getElementById(arguments[0]).disabled", element_id)


@pytest.fixture(scope="module")
def console(assistant, tmp_path_factory):
    driver = chromium(tmp_path_factory.mktemp("agent-profile"), 1280, 800)
    yield Console(driver, f"{assistant.url}/console/")
    driver.quit()


def test_1_resident_asks_for_a_human_on_the_web_page(resident, assistant):
    resident.driver.get(resident.url)
    resident.wait(resident.ready, "the web chat to connect")
    assert "个人账户" in "\n".join(resident.ask("医保存折是什么", "个人账户"))
    handed_off = "\n".join(resident.ask("我要找真人", "12345"))
    assert "人工" in handed_off
    resident.wait(lambda: assistant.is_paused(resident.session_id), "the conversation to be paused")
    resident.shot("resident-01-handed-off")


def test_2_console_needs_login(console):
    console.driver.get(console.url)  # without a session the page is the login form (HTTP 401)
    console.wait(lambda: "请先登录" in (console.text("error") or ""), "the login form")
    assert console.text("tickets") is None  # no queue shown without login
    console.driver.find_element("id", "username").send_keys("wang")
    console.driver.find_element("id", "password").send_keys("wrong-password")
    console.driver.find_element("id", "submit").click()
    console.wait(lambda: "用户名或密码不正确" in (console.text("error") or ""), "the wrong-password message")

    console.driver.find_element("id", "username").clear()
    console.driver.find_element("id", "username").send_keys("wang")
    console.driver.find_element("id", "password").send_keys(PASSWORD)
    console.driver.find_element("id", "submit").click()
    console.wait(lambda: console.driver.current_url.rstrip("/").endswith("/console"), "the console page")
    console.wait(lambda: "王小明" in (console.text("me") or ""), "the agent's name")


def test_3_agent_sees_the_ticket_and_the_transcript(console, resident):
    session = resident.session_id
    # A fresh assistant: the resident's ticket is the only web chat ticket in the queue.
    item = console.wait(
        lambda: next((t for t in console.ticket_items() if "网页 · 等待中" in t["text"]), None),
        "the resident's ticket in the queue",
    )
    assert "您要求人工服务" in item["text"] and "已等待" in item["text"]
    assert int(console.text("count-waiting")) >= 1
    console.driver.find_element("css selector", f"#tickets li[data-ticket='{item['id']}']").click()
    console.wait(lambda: session in (console.text("detail-meta") or ""), "the ticket's details")
    lines = console.wait(lambda: console.transcript(), "the transcript")
    assert lines[0]["role"] == "resident" and "医保存折是什么" in lines[0]["text"] and "意图" in lines[0]["text"]
    assert any(line["role"] == "bot" and "个人账户" in line["text"] for line in lines)
    assert not console.enabled("reply") and console.enabled("take")  # take it first

    # A new message from the resident: the bot stays silent, the agent sees it arrive.
    bot_before = len(resident.bot_texts())
    resident.send("请问还要等多久")
    console.wait(lambda: "请问还要等多久" in console.transcript()[-1]["text"], "the resident's new message")
    time.sleep(2)
    assert len(resident.bot_texts()) == bot_before


def test_4_agent_takes_the_ticket_and_the_reply_reaches_the_page(console, resident, assistant):
    console.driver.find_element("id", "take").click()
    console.wait(lambda: console.enabled("reply") and console.enabled("close"), "the ticket to be taken")
    assert "处理中：wang" in console.text("detail-meta")

    console.driver.find_element("id", "reply").send_keys(REPLY)
    before = len(resident.bot_texts())
    started = time.monotonic()
    console.driver.find_element("id", "send").click()
    resident.wait(lambda: REPLY in resident.bot_texts()[before:], "the agent's reply on the resident's page", 10)
    arrived = time.monotonic() - started
    assert arrived < 5, f"the reply took {arrived:.1f} s"
    console.wait(
        lambda: any(line["role"] == "agent" and REPLY in line["text"] for line in console.transcript()),
        "the reply in the console transcript",
    )
    assert assistant.is_paused(resident.session_id)
    console.shot("console")
    resident.shot("resident-02-agent-reply")


def test_4b_a_reply_to_the_closed_page_appears_when_it_is_reopened(console, resident):
    """Issue 14: the console said "delivered", the reopened page did not have the reply."""
    resident.driver.get("about:blank")  # the resident closes the page
    console.driver.find_element("id", "reply").send_keys(LATE_REPLY)
    console.driver.find_element("id", "send").click()
    console.wait(
        lambda: any(
            LATE_REPLY in line["text"] and ("等待居民上线" in line["text"] or "已发送" in line["text"])
            for line in console.transcript()
        ),
        "the reply kept for the resident",
    )
    resident.driver.get(resident.url)
    resident.wait(resident.ready, "the page to reconnect")
    resident.wait(lambda: LATE_REPLY in resident.bot_texts(), "the kept reply on the reopened page")
    console.wait(
        lambda: any(LATE_REPLY in line["text"] and "已送达" in line["text"] for line in console.transcript()),
        "the page's confirmation in the console",
    )
    resident.driver.refresh()  # confirmed: never shown twice
    resident.wait(resident.ready, "the page to reconnect again")
    time.sleep(1.5)
    assert resident.bot_texts().count(LATE_REPLY) == 1 and resident.bot_texts().count(REPLY) == 1
    resident.shot("resident-02b-reply-after-reopening")


def test_5_closing_resumes_the_bot_and_the_resident_rates(console, resident, assistant):
    before = len(resident.bot_texts())
    console.driver.find_element("id", "close").click()
    console.driver.switch_to.alert.accept()  # 确定结束本次服务吗？
    resident.wait_bot(before, "问题解决了吗")
    assert resident.messages()[-1]["buttons"] == ["满意，已解决", "不满意"]
    assert not assistant.is_paused(resident.session_id)

    before = len(resident.bot_texts())
    resident.click_button("满意，已解决")
    resident.wait_bot(before, "感谢您的评价")
    resident.shot("resident-03-rated")

    queue = HandoffQueue(f"sqlite:///{assistant.data_dir / 'handoff.db'}")
    [ticket] = [t for t in queue.tickets() if t.conversation_id == resident.session_id]
    assert ticket.status.value == "closed" and ticket.agent == "wang" and ticket.rating.value == "satisfied"
    console.wait(
        lambda: console.text("count-closed") == "1" and console.text("count-satisfaction") == "100%",
        "the counts to show the closed, satisfied ticket",
    )

    # And the bot answers policy questions again.
    assert "3月5日" in "\n".join(resident.ask("我在职，1月份的钱什么时候到", "3月5日"))


def test_6_the_console_works_at_phone_width(console):
    console.driver.set_window_size(390, 844)
    console.driver.get(console.url)
    console.wait(lambda: console.text("count-closed") == "1", "the console to load at phone width")
    assert console.js("return document.documentElement.scrollWidth <= window.innerWidth + 1")
    reply = console.js("var r = document.getElementById('reply').getBoundingClientRect(); return [r.left, r.right];")
    assert reply[0] >= 0 and reply[1] <= 391, reply
    console.shot("console-phone")
