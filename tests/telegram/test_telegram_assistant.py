"""The real assistant on the Telegram channel (long polling) against a stub Bot API on 127.0.0.1."""

import time

import pytest

from bot.testing import start_assistant

from .stub_bot_api import StubBotApi, callback_update, message_update

pytestmark = pytest.mark.model

TOKEN = "123:TEST"
RETIRED = '/inform{"person_category": "retired"}'


@pytest.fixture(scope="module")
def stub():
    server = StubBotApi(tokens=(TOKEN,)).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def assistant(stub, tmp_path_factory):
    work = tmp_path_factory.mktemp("telegram-assistant")
    credentials = work / "credentials.yml"
    credentials.write_text("rest:\nbot.channels.telegram.TelegramInput:\n", encoding="utf-8")
    running = start_assistant(
        work,
        credentials=credentials,
        extra_env={
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": stub.base_url,
            "TELEGRAM_POLL_TIMEOUT": "1",
        },
    )
    stub.wait_for(lambda calls: any(c.method == "getUpdates" for c in calls), timeout=60)
    yield running
    running.stop()


def say(stub: StubBotApi, chat_id: int, text: str, settle: float = 1.5) -> list:
    since = len(stub.calls)
    stub.queue(TOKEN, message_update(chat_id, text))
    return stub.wait_messages(chat_id, since=since, settle=settle)


def test_polling_started(assistant, stub):
    methods = [c.method for c in stub.calls]
    assert methods.index("getMe") < methods.index("getUpdates")
    assert "deleteWebhook" in methods
    commands = stub.calls_of("setMyCommands")[0].params["commands"]
    assert [c["command"] for c in commands] == ["start", "help", "human"]
    status, health = assistant.get("/webhooks/telegram/")
    assert status == 200 and health["mode"] == "polling" and health["state"] == "polling"
    assert TOKEN not in str(health)


def test_start_greets(assistant, stub):
    since = len(stub.calls)
    replies = say(stub, 2001, "/start")
    assert "您好" in replies[0].text and "政策通" in replies[0].text
    # "typing…" was shown before the answer
    methods = [(c.method, c.chat_id) for c in stub.calls[since:]]
    assert methods.index(("sendChatAction", 2001)) < methods.index(("sendMessage", 2001))
    assert stub.calls_of("sendChatAction", chat_id=2001, since=since)[0].params["action"] == "typing"


def test_help_lists_capabilities_with_buttons(assistant, stub):
    replies = say(stub, 2002, "/help")
    assert "我可以回答这些问题" in replies[-1].text
    payloads = [row[0]["callback_data"] for row in replies[-1].keyboard]
    assert "/account_arrival" in payloads


def test_question_is_answered(assistant, stub):
    replies = say(stub, 2003, "我在职，1月份的医保钱什么时候到账")
    assert any("3月5日" in r.text for r in replies)
    tracker = assistant.tracker("2003")
    user = [e for e in tracker["events"] if e["event"] == "user"][-1]
    assert user["input_channel"] == "telegram"
    assert user["metadata"]["telegram"]["chat_type"] == "private"


def test_button_press(assistant, stub):
    replies = say(stub, 2004, "医保存折的钱什么时候到账")
    buttons = {row[0]["text"]: row[0]["callback_data"] for r in replies for row in r.keyboard}
    assert buttons.get("退休人员") == RETIRED
    keyboard = next(
        r.keyboard for r in replies if any(b["callback_data"] == RETIRED for row in r.keyboard for b in row)
    )

    since = len(stub.calls)
    stub.queue(TOKEN, callback_update(2004, RETIRED, "press-1", keyboard))
    answer = stub.wait_messages(2004, since=since, settle=1.5)
    assert stub.calls_of("answerCallbackQuery", since=since)[0].params["callback_query_id"] == "press-1"
    assert "哪个月" in answer[-1].text  # the category was understood: now the month
    tracker = assistant.tracker("2004")
    assert tracker["slots"]["person_category"] == "retired"
    user = [e for e in tracker["events"] if e["event"] == "user"][-1]
    assert user["text"] == RETIRED and user["parse_data"]["intent"]["name"] == "inform"
    assert user["metadata"]["telegram"]["button_title"] == "退休人员"
    assert "退休" in "\n".join(r.text for r in say(stub, 2004, "1月份"))


def test_human_hand_off_and_push(assistant, stub):
    replies = say(stub, 2005, "/human")
    assert any("人工" in r.text for r in replies)
    assert assistant.is_paused("2005")

    # While paused the bot stays silent …
    since = len(stub.calls)
    stub.queue(TOKEN, message_update(2005, "请问还要等多久"))
    stub.wait_for(lambda calls: not stub.pending(TOKEN), timeout=30)
    time.sleep(3)
    assert stub.calls_of("sendMessage", chat_id=2005, since=since) == []

    # … and the human agent's reply is pushed through the HTTP API to the chat.
    since = len(stub.calls)
    status, _ = assistant.post(
        f"/conversations/2005/tracker/events?execute_side_effects=true&output_channel=latest&token={assistant.token}",
        [{"event": "bot", "text": "您好，我是工作人员小王，您的问题我来处理。"}],
    )
    assert status == 200
    pushed = stub.wait_messages(2005, since=since)
    assert pushed[0].text == "您好，我是工作人员小王，您的问题我来处理。"
    assert pushed[0].chat_id == 2005
    assert assistant.is_paused("2005")


def test_undeliverable_push_fails_and_is_not_stored(assistant, stub):
    say(stub, 2007, "你好")
    stub.fail_next["sendMessage"] = 3  # Telegram unreachable for every retry
    status, body = assistant.post(
        f"/conversations/2007/tracker/events?execute_side_effects=true&output_channel=latest&token={assistant.token}",
        [{"event": "bot", "text": "这条消息送不到"}],
    )
    assert status == 500 and "Telegram sendMessage" in body["message"]
    assert TOKEN not in str(body)
    assert all(e.get("text") != "这条消息送不到" for e in assistant.tracker("2007")["events"])


def test_long_pushed_answer_is_split(assistant, stub):
    say(stub, 2006, "你好")
    line = "北京医保个人账户的钱按月划入，在职职工的钱下下月初5日（含）前到账。"
    text = "\n".join(f"{i}. {line}" for i in range(200))  # ≈ 7 000 characters
    since = len(stub.calls)
    status, _ = assistant.post(
        f"/conversations/2006/tracker/events?execute_side_effects=true&output_channel=latest&token={assistant.token}",
        [{"event": "bot", "text": text, "data": {"buttons": [{"title": "转人工", "payload": "/request_human"}]}}],
    )
    assert status == 200
    parts = stub.wait_messages(2006, since=since, count=2, settle=1.0)
    assert len(parts) == 2
    assert all(len(p.text) <= 4096 for p in parts)
    assert "\n".join(p.text for p in parts) == text
    assert parts[0].keyboard == []
    assert parts[1].keyboard == [[{"text": "转人工", "callback_data": "/request_human"}]]


def test_token_not_in_logs(assistant, stub):
    log = (assistant.log_dir / "rasa.log").read_text(encoding="utf-8", errors="replace")
    assert "Telegram bot @policy_test_bot is polling" in log
    assert TOKEN not in log


def test_an_answer_has_its_basis_behind_a_button_and_thumbs_that_are_stored(assistant, stub):
    from policy_core.answer_log import AnswerLog, AnswerRating

    replies = say(stub, 2010, "交满多少年才能按月领养老金")
    answer = next(r for r in replies if r.keyboard and any(b["text"] == "查看依据" for b in r.keyboard[-1]))
    assert "依据" not in answer.text  # the short answer only; the basis is behind the button
    last_row = {b["text"]: b["callback_data"] for b in answer.keyboard[-1]}
    assert set(last_row) == {"查看依据", "👍 有帮助", "👎 没帮助"}

    since = len(stub.calls)
    stub.queue(TOKEN, callback_update(2010, last_row["查看依据"], "basis-1", answer.keyboard))
    basis = stub.wait_messages(2010, since=since, settle=1.0)
    assert "依据" in basis[-1].text and "社会保险法" in basis[-1].text
    edited = stub.calls_of("editMessageReplyMarkup", chat_id=2010, since=since)
    assert edited and all(b["text"] != "查看依据" for row in edited[-1].keyboard for b in row)

    since = len(stub.calls)
    stub.queue(TOKEN, callback_update(2010, last_row["👎 没帮助"], "rate-1", answer.keyboard))
    followup = stub.wait_messages(2010, since=since, settle=1.5)
    assert "换个说法" in followup[-1].text
    assert [row[0]["callback_data"] for row in followup[-1].keyboard] == ["/request_human"]
    edited = stub.calls_of("editMessageReplyMarkup", chat_id=2010, since=since)
    assert edited and all("👍" not in b["text"] and "👎" not in b["text"] for row in edited[-1].keyboard for b in row)

    log = AnswerLog(f"sqlite:///{assistant.data_dir / 'handoff.db'}")
    [rated] = [r for r in log.records() if r.conversation_id == "2010" and r.rating]
    assert rated.rating is AnswerRating.DOWN and rated.channel == "telegram"
    assert rated.question == "交满多少年才能按月领养老金" and rated.fact_ids


def test_an_unknown_basis_button_says_it_has_expired(assistant, stub):
    since = len(stub.calls)
    stub.queue(TOKEN, callback_update(2011, "#d:" + "0" * 32, "basis-2"))
    replies = stub.wait_messages(2011, since=since, settle=1.0)
    assert "过期" in replies[-1].text
