"""The web chat page in headless Chromium at phone width against the channel alone (no model, echo agent):
what the page does with a reply's timing and with the details' links, which the real assistant cannot be
made to show on demand. Screenshots go to results/webchat/."""

import time

import pytest

from policy_core.config import PROJECT_ROOT
from tests.browser import WebChatPage, chromium
from tests.webchat.channel_server import SLOW_SECONDS
from tests.webchat.test_webchat_channel import server  # noqa: F401 - the channel server fixture, shared

SHOTS = PROJECT_ROOT / "results" / "webchat"
TYPING_LIMIT = 8  # seconds: the page's longest typing indicator without a reply


@pytest.fixture(scope="module")
def page(server, tmp_path_factory):  # noqa: F811 - the imported fixture
    driver = chromium(tmp_path_factory.mktemp("echo-profile"), 390, 844, mobile=True)
    chat = WebChatPage(driver, f"{server}/webchat/", SHOTS)
    driver.get(chat.url)
    chat.wait(chat.ready, "the session to be confirmed")
    yield chat
    driver.quit()


def typing(page) -> bool:
    return bool(page.visible_text("chat-typing"))


def test_typing_shows_until_the_reply_comes(page):
    before = len(page.bot_texts())
    page.send("慢")
    started = time.monotonic()
    assert page.wait(lambda: typing(page), "the typing indicator", 2)
    page.wait(lambda: "收到：慢" in page.bot_texts()[before:], "the slow reply", 15)
    waited = time.monotonic() - started
    assert waited >= SLOW_SECONDS - 0.5
    assert not typing(page)  # gone with the reply, not later
    page.wait(lambda: len(page.bot_texts()) == before + 2, "the rest of the reply (the echoed metadata)", 15)


def test_typing_never_stays_without_a_reply(page):
    before = len(page.bot_texts())
    page.send("静默")  # no answer at all
    started = time.monotonic()
    page.wait(lambda: typing(page), "the typing indicator", 2)
    page.wait(lambda: not typing(page), "the typing indicator to give up", TYPING_LIMIT + 3)
    assert TYPING_LIMIT - 1.5 <= time.monotonic() - started <= TYPING_LIMIT + 2
    assert len(page.bot_texts()) == before


def test_only_http_links_in_the_details(page):
    before = len(page.bot_texts())
    page.send("依据")
    page.wait(lambda: page.bot_texts()[before:] == ["简短回答"], "the short answer", 15)
    answer = page.entries()[-1]
    assert answer["details_open"] is False and "javascript:alert(1)" in answer["details"]
    page.driver.find_elements("css selector", "#chat-log details.msg-details summary")[-1].click()
    assert page.entries()[-1]["details_shown"] is True
    assert page.entries()[-1]["links"] == [
        {
            "href": "https://www.gov.cn/zhengce/",
            "text": "https://www.gov.cn/zhengce/",
            "rel": "noopener noreferrer",
            "target": "_blank",
        }
    ]
    page.shot("issue15-echo-details-links")
