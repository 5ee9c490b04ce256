"""Personal data sent on every resident channel (REST, web chat, Telegram) is masked in the tracker store,
the hand-off database and the logs, and the bot never echoes it."""

import pytest

from bot.evaluation import reply_text
from bot.testing import start_assistant
from tests.socketio_client import ChatSocket
from tests.telegram.stub_bot_api import StubBotApi, message_update

pytestmark = pytest.mark.model

TOKEN = "123:PRIVACY"
ID_NUMBER, MOBILE, BANK_CARD, EMAIL = (
    "110105199003071234",
    "13912345678",
    "6222021234567890123",
    "zhang.san@example.com",
)
RAW = (ID_NUMBER, MOBILE, BANK_CARD, EMAIL, "19900307", "202123456", "zhang.san")  # whole values and middles
MESSAGE = f"我的身份证号是{ID_NUMBER}，手机{MOBILE}，银行卡{BANK_CARD}，邮箱{EMAIL}，帮我查医保"


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    stub = StubBotApi(tokens=(TOKEN,)).start()
    work = tmp_path_factory.mktemp("privacy")
    assistant = start_assistant(
        work,
        extra_env={  # every channel of credentials.yml
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": stub.base_url,
            "TELEGRAM_POLL_TIMEOUT": "1",
        },
    )
    try:
        replies = [
            reply_text(assistant.say("privacy-rest", MESSAGE)),
            reply_text(assistant.say("privacy-rest", "转人工")),
        ]
        web = ChatSocket(assistant.url)
        try:
            web_session = web.session()
            replies += web.say(web_session, MESSAGE) + web.say(web_session, "转人工")
        finally:
            web.close()
        for chat, text in ((8101, MESSAGE), (8101, "/human")):
            since = len(stub.calls)
            stub.queue(TOKEN, message_update(chat, text))
            replies += [m.text for m in stub.wait_messages(chat, since=since, settle=1.0)]
        tracker = assistant.tracker("privacy-rest")
    finally:
        assistant.stop()
        stub.stop()
    files = {
        path.name: path.read_bytes().decode("utf-8", "replace")
        for path in [*(work / "var").glob("*.db"), *(work / "logs").glob("*.log")]
    }
    return replies, tracker, files, web_session


def test_databases_and_logs_hold_no_personal_data(stored):
    files = stored[2]
    assert {"tracker.db", "handoff.db", "rasa.log", "actions.log"} <= set(files)
    for name, content in files.items():
        for raw in RAW:
            assert raw not in content, f"{raw} found in {name}"
    assert "110105********1234" in files["tracker.db"] and "139****5678" in files["handoff.db"]


def test_every_channel_was_stored(stored):
    _, _, files, web_session = stored
    for conversation in ("privacy-rest", web_session, "8101"):
        assert conversation in files["tracker.db"] and conversation in files["handoff.db"]
    assert files["handoff.db"].count("139****5678") >= 3  # one ticket per channel, contact masked


def test_the_bot_never_echoes_personal_data(stored):
    replies, tracker = stored[:2]
    assert len(replies) >= 6 and all(replies)
    for reply in replies:
        assert not any(raw in reply for raw in RAW), reply
    user_texts = [e["text"] for e in tracker["events"] if e["event"] == "user"]
    assert ID_NUMBER not in str(user_texts) and "110105********1234" in user_texts[0]
