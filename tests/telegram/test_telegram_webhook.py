"""The real assistant on the Telegram channel in webhook mode (stub Bot API on 127.0.0.1)."""

import json
import urllib.error
import urllib.request

import pytest

from bot.testing import start_assistant

from .stub_bot_api import StubBotApi, message_update

pytestmark = pytest.mark.model

TOKEN = "456:HOOK"
SECRET = "s3cret_Webhook-Token"
PUBLIC_URL = "https://policy-bot.invalid/webhooks/telegram/webhook"  # only handed to the stub


@pytest.fixture(scope="module")
def stub():
    server = StubBotApi(tokens=(TOKEN,)).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def assistant(stub, tmp_path_factory):
    work = tmp_path_factory.mktemp("telegram-webhook")
    credentials = work / "credentials.yml"
    credentials.write_text("rest:\nbot.channels.telegram.TelegramInput: {}\n", encoding="utf-8")
    running = start_assistant(
        work,
        credentials=credentials,
        extra_env={
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": stub.base_url,
            "TELEGRAM_WEBHOOK_URL": PUBLIC_URL,
            "TELEGRAM_WEBHOOK_SECRET": SECRET,
        },
    )
    stub.wait_for(lambda calls: any(c.method == "setWebhook" for c in calls), timeout=60)
    yield running
    running.stop()


def post_update(assistant, update: dict, secret=None) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    request = urllib.request.Request(
        f"{assistant.url}/webhooks/telegram/webhook", data=json.dumps(update).encode("utf-8"), headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_webhook_registered_with_secret(assistant, stub):
    registered = stub.calls_of("setWebhook")[0].params
    assert registered["url"] == PUBLIC_URL and registered["secret_token"] == SECRET
    assert registered["allowed_updates"] == ["message", "callback_query"]
    assert stub.calls_of("getUpdates") == []  # no polling in webhook mode
    status, health = assistant.get("/webhooks/telegram/")
    assert status == 200 and health["mode"] == "webhook"


def test_wrong_or_missing_secret_is_refused(assistant, stub):
    update = {"update_id": 1, **message_update(3001, "你好")}
    assert post_update(assistant, update) == 403
    assert post_update(assistant, update, "wrong-secret") == 403
    assert stub.calls_of("sendMessage", chat_id=3001) == []


def test_right_secret_is_handled(assistant, stub):
    since = len(stub.calls)
    assert (
        post_update(assistant, {"update_id": 2, **message_update(3002, "我在职，1月份的医保钱什么时候到账")}, SECRET)
        == 200
    )
    replies = stub.wait_messages(3002, since=since, settle=1.0)
    assert any("3月5日" in r.text for r in replies)


def test_pushed_message_in_webhook_mode(assistant, stub):
    since = len(stub.calls)
    assert post_update(assistant, {"update_id": 3, **message_update(3003, "/human")}, SECRET) == 200
    assert any("人工" in r.text for r in stub.wait_messages(3003, since=since, settle=1.0))
    assert assistant.is_paused("3003")
    since = len(stub.calls)
    status, _ = assistant.post(
        f"/conversations/3003/tracker/events?execute_side_effects=true&output_channel=latest&token={assistant.token}",
        [{"event": "bot", "text": "工作人员：已收到。"}],
    )
    assert status == 200
    assert stub.wait_messages(3003, since=since)[0].text == "工作人员：已收到。"


def test_token_and_secret_not_in_logs(assistant):
    log = (assistant.log_dir / "rasa.log").read_text(encoding="utf-8", errors="replace")
    assert TOKEN not in log and SECRET not in log
