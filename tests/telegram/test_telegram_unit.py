"""Telegram channel without Rasa: splitting, keyboards, update parsing, polling loop, logs."""

import asyncio
import logging

import httpx
import pytest
from telegram import Update

from bot.channels import telegram as tg
from bot.channels.telegram import (
    BUTTONS_ONLY_TEXT,
    EXPIRED_BUTTON,
    MAX_CALLBACK_DATA,
    NON_TEXT_REPLY,
    CallbackStore,
    TelegramDeliveryError,
    TelegramInput,
    TelegramOutput,
    TelegramSettings,
    build_bot,
    inline_keyboard,
    parse_update,
    split_message,
    telegram_length,
)

from .mock_bot_api import TOKEN, MockBotApi, reply_markup, wait_until
from .stub_bot_api import callback_update, message_update, photo_update

LINE = "北京医保个人账户的钱按月划入，在职职工的钱下下月初5日（含）前到账。"  # 33 characters


def settings(**kwargs) -> TelegramSettings:
    return TelegramSettings(**{"token": TOKEN, "base_url": "http://127.0.0.1:9/bot", **kwargs})


def output_for(api: MockBotApi, **kwargs) -> TelegramOutput:
    return TelegramOutput(build_bot(settings(), api.transport), CallbackStore(), **kwargs)


def as_update(raw: dict, update_id: int = 1) -> Update:
    return Update.de_json({"update_id": update_id, **raw}, None)


# --------------------------------------------------------------------------- splitting


def test_short_text_is_one_part():
    assert split_message("您好！") == ["您好！"]
    assert split_message("  \n") == []
    assert split_message(None) == []


def test_long_text_splits_at_line_breaks():
    text = "\n".join(f"{i:03d}{LINE}" for i in range(300))  # ≈ 11 000 characters
    parts = split_message(text)
    assert len(parts) == 3
    assert all(telegram_length(p) <= 4096 for p in parts)
    assert "\n".join(parts) == text  # nothing lost, nothing added
    assert all(p.endswith("到账。") for p in parts)  # every part ends with a whole line


def test_without_line_breaks_splits_after_sentence_ends():
    text = "".join(f"第{i}句话说完了{'！' if i % 3 else '？'}" for i in range(1200))
    parts = split_message(text)
    assert len(parts) >= 2
    assert all(telegram_length(p) <= 4096 for p in parts)
    assert "".join(parts) == text
    assert all(p[-1] in "。！？" for p in parts)


def test_closing_quote_stays_with_its_sentence():
    text = "他说：“医保存折里的钱可以取现。”" * 300
    parts = split_message(text)
    assert all(p.endswith("。”") for p in parts) and "".join(parts) == text


def test_prefers_line_break_over_later_sentence_end():
    first = "甲" * 3000 + "\n" + "乙" * 1000 + "。" + "丙" * 500
    parts = split_message(first)
    assert parts[0] == "甲" * 3000


def test_text_without_any_break_is_cut_at_the_limit():
    text = "医" * 10000
    parts = split_message(text)
    assert [len(p) for p in parts] == [4096, 4096, 1808]


def test_never_splits_inside_a_character():
    text = "😀" * 3000  # outside the BMP: 2 UTF-16 units each, as Telegram counts
    parts = split_message(text)
    assert [telegram_length(p) for p in parts] == [4096, 1904]
    assert "".join(parts) == text
    family = "👨\u200d👩\u200d👧"
    text = "字" * 4095 + family + "字" * 10
    parts = split_message(text)
    assert all(not p.startswith("\u200d") and not p.endswith("\u200d") for p in parts)
    assert "".join(parts) == text
    accented = "e\u0301" * 3000  # combining accent stays with its letter
    parts = split_message(accented)
    assert all(not p.startswith("\u0301") for p in parts) and "".join(parts) == accented


def test_buttons_only_on_the_last_part(mock_api):
    text = "\n".join(LINE for _ in range(300))
    buttons = [{"title": "转人工", "payload": "/request_human"}]
    asyncio.run(output_for(mock_api).send_text_with_buttons("42", text, buttons))
    sent = mock_api.of("sendMessage")
    assert len(sent) == 3
    assert [reply_markup(p) for p in sent[:-1]] == [None, None]
    assert reply_markup(sent[-1]) == {"inline_keyboard": [[{"text": "转人工", "callback_data": "/request_human"}]]}
    assert all(p["chat_id"] == "42" for p in sent)
    assert "\n".join(p["text"] for p in sent) == text


def test_buttons_without_text_get_a_prompt(mock_api):
    asyncio.run(output_for(mock_api).send_text_with_buttons("42", "", [{"title": "好", "payload": "/affirm"}]))
    assert [p["text"] for p in mock_api.of("sendMessage")] == [BUTTONS_ONLY_TEXT]


# --------------------------------------------------------------------------- buttons


def test_buttons_become_an_inline_keyboard():
    store = CallbackStore()
    markup = inline_keyboard(
        [
            {"title": "在职职工", "payload": '/inform{"person_category": "in_service"}'},
            {"title": "灵活就业", "payload": '/inform{"person_category": "flexible_employment"}'},
            {"title": "政策原文", "url": "https://www.beijing.gov.cn/", "type": "web_url"},
        ],
        store,
    )
    rows = markup.to_dict()["inline_keyboard"]
    assert rows == [
        [{"text": "在职职工", "callback_data": '/inform{"person_category": "in_service"}'}],
        [{"text": "灵活就业", "callback_data": '/inform{"person_category": "flexible_employment"}'}],
        [{"text": "政策原文", "url": "https://www.beijing.gov.cn/"}],
    ]
    assert inline_keyboard([], store) is None and inline_keyboard(None, store) is None


def test_long_payloads_get_short_keys():
    store = CallbackStore()
    payload = '/inform{"person_category": "flexible_employment", "region": "北京市西城区"}'
    assert len(payload.encode("utf-8")) > MAX_CALLBACK_DATA
    data = inline_keyboard([{"title": "灵活就业", "payload": payload}], store).inline_keyboard[0][0].callback_data
    assert len(data.encode("utf-8")) <= MAX_CALLBACK_DATA
    assert store.decode(data) == payload
    assert store.encode(payload) == data  # the same payload keeps its key
    # a short payload is its own callback_data, a payload that looks like a key is mapped too
    assert store.decode("/greet") == "/greet"
    assert store.encode("#k:abc") != "#k:abc" and store.decode(store.encode("#k:abc")) == "#k:abc"
    assert store.decode("#k:" + "0" * 32) is None  # unknown (e.g. after a restart)


def test_callback_store_forgets_the_oldest():
    store = CallbackStore(capacity=2)
    keys = [store.encode("/inform" + str(i) * 80) for i in range(3)]
    assert store.decode(keys[0]) is None
    assert store.decode(keys[2]) == "/inform" + "2" * 80


# --------------------------------------------------------------------------- updates


def test_text_message():
    incoming = parse_update(as_update(message_update(777, "我在职，1月份的医保钱什么时候到账"), 5), CallbackStore())
    assert incoming.chat_id == 777 and incoming.update_id == 5
    assert incoming.text == "我在职，1月份的医保钱什么时候到账"
    meta = incoming.metadata["telegram"]
    assert meta["chat_type"] == "private" and meta["user_id"] == 777 and meta["update_id"] == 5
    assert "first_name" not in str(meta)  # no names in the tracker
    assert incoming.callback_query_id is None and incoming.reply is None


@pytest.mark.parametrize(
    "text, expected",
    [
        ("/start", "/greet"),
        ("/start deeplink-42", "/greet"),
        ("/help", "/bot_capabilities"),
        ("/help@policy_test_bot", "/bot_capabilities"),
        ("/human", "/request_human"),
        ("/HUMAN", "/request_human"),
        ("/settings", "/bot_capabilities"),  # unknown command: what the assistant can do
        ("/医保存折", "医保存折"),  # not a command: typed text for the NLU, never an intent payload
        ('/inform{"person_category": "retired"}', 'inform{"person_category": "retired"}'),
        ("//", "/bot_capabilities"),
    ],
)
def test_commands(text, expected):
    incoming = parse_update(as_update(message_update(1, text)), CallbackStore(), "policy_test_bot")
    assert incoming.text == expected


def test_deep_link_parameter_is_kept():
    incoming = parse_update(as_update(message_update(1, "/start campaign-2026")), CallbackStore())
    assert incoming.text == "/greet" and incoming.metadata["telegram"]["command_args"] == "campaign-2026"


def test_command_for_another_bot_is_ignored():
    assert (
        parse_update(as_update(message_update(-100, "/start@other_bot", "group")), CallbackStore(), "policy_test_bot")
        is None
    )


def test_button_press():
    keyboard = [[{"text": "退休人员", "callback_data": '/inform{"person_category": "retired"}'}]]
    incoming = parse_update(
        as_update(callback_update(9, '/inform{"person_category": "retired"}', "q-1", keyboard)), CallbackStore()
    )
    assert incoming.chat_id == 9 and incoming.callback_query_id == "q-1"
    assert incoming.text == '/inform{"person_category": "retired"}'
    assert incoming.metadata["telegram"]["button_title"] == "退休人员"
    assert incoming.callback_answer is None


def test_button_with_long_payload_and_expired_key():
    store = CallbackStore()
    payload = "/inform" + '{"region": "北京市西城区德胜门外大街"}'
    key = store.encode(payload)
    assert parse_update(as_update(callback_update(9, key)), store).text == payload
    expired = parse_update(as_update(callback_update(9, "#k:" + "f" * 32)), store)
    assert expired.text is None and expired.callback_answer == EXPIRED_BUTTON


def test_non_text_messages():
    private = parse_update(as_update(photo_update(5)), CallbackStore())
    assert private.text is None and private.reply == NON_TEXT_REPLY
    group = photo_update(-5)
    group["message"]["chat"]["type"] = "group"
    assert parse_update(as_update(group), CallbackStore()).reply is None
    edited = {"edited_message": message_update(5, "改一下")["message"]}
    assert parse_update(as_update(edited), CallbackStore()) is None


# --------------------------------------------------------------------------- settings and logs


def test_off_without_token_says_so_once(caplog):
    caplog.set_level(logging.DEBUG)
    channel = TelegramInput.from_credentials(None)
    records = [r for r in caplog.records if r.name == "bot.channels.telegram"]
    assert len(records) == 1
    assert "Telegram channel is off" in records[0].getMessage()
    assert "TELEGRAM_BOT_TOKEN" in records[0].getMessage()
    assert not channel.enabled and channel.get_output_channel() is None
    channel.blueprint(lambda message: None)  # the routes exist (health answers "off")
    asyncio.run(channel.start(lambda message: None))
    assert channel._bot is None and channel._poller is None  # no client, no polling
    assert len([r for r in caplog.records if r.name == "bot.channels.telegram"]) == 1


def test_settings_from_environment(monkeypatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", " 123:ABC ")
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", "http://127.0.0.1:8081/bot/")
    monkeypatch.setenv("TELEGRAM_PROXY", "http://user:pa55word@proxy:8080")
    config = TelegramSettings.from_env()
    assert config.token == "123:ABC" and config.base_url == "http://127.0.0.1:8081/bot"
    assert config.mode == "polling"
    assert "123:ABC" not in repr(config) and "pa55word" not in repr(config)
    assert "pa55word" in config.secrets()
    monkeypatch.setenv("TELEGRAM_WEBHOOK_URL", "https://bot.example.gov.cn/webhooks/telegram/webhook")
    assert TelegramSettings.from_env().mode == "off"  # webhook without a secret is refused
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "bad secret!")
    assert TelegramSettings.from_env().mode == "off"
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "s3cret_Token-1")
    assert TelegramSettings.from_env().mode == "webhook"


def test_credentials_values_are_ignored(monkeypatch, caplog):
    caplog.set_level(logging.INFO)
    channel = TelegramInput.from_credentials({"token": "999:FROM-CREDENTIALS"})
    assert channel.settings.token is None
    assert "999:FROM-CREDENTIALS" not in caplog.text and "token" in caplog.text


def test_misconfigured_webhook_logs_an_error(monkeypatch, caplog):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_WEBHOOK_URL", "https://bot.example.gov.cn/webhooks/telegram/webhook")
    caplog.set_level(logging.INFO)
    channel = TelegramInput.from_credentials({})
    assert not channel.enabled
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "TELEGRAM_WEBHOOK_SECRET" in errors[0].getMessage()


def test_token_never_in_logs(mock_api, caplog):
    secret_token = "4839574812:AAFD39kkdpWt3ywyRZergyOLMaJhac60qc"
    api = MockBotApi(secret_token)
    TelegramInput(settings(token=secret_token))  # registers the secrets, quiets the HTTP loggers
    caplog.set_level(logging.DEBUG)
    output = TelegramOutput(build_bot(settings(token=secret_token), api.transport), CallbackStore())
    asyncio.run(output.send_text_message("42", "您好"))
    assert any(secret_token in url for url in api.urls)  # the token really was in the request URL
    assert secret_token not in caplog.text
    assert "AAFD39kkdpWt3ywyRZergyOLMaJhac60qc" not in caplog.text

    # Even when someone turns the HTTP loggers up for debugging, the token is masked.
    caplog.clear()
    caplog.set_level(logging.DEBUG, logger="httpx")
    caplog.set_level(logging.DEBUG, logger="telegram")
    asyncio.run(TelegramOutput(build_bot(settings(token=secret_token), api.transport)).send_text_message("42", "您好"))
    assert "sendMessage" in caplog.text  # httpx did log the request …
    assert secret_token not in caplog.text  # … without the token
    try:
        raise RuntimeError(f"failed https://api.telegram.org/bot{secret_token}/getMe")
    except RuntimeError:
        logging.getLogger("some.library").exception("boom")
    assert secret_token not in caplog.text
    assert secret_token not in "".join(caplog.handler.format(r) for r in caplog.records)


def test_failed_replies_are_logged_not_raised(mock_api, caplog):
    mock_api.errors["sendMessage"] = [403]
    asyncio.run(output_for(mock_api).send_text_message("42", "您好"))
    assert "Forbidden" in caplog.text and TOKEN not in caplog.text


def test_connection_errors_are_retried(mock_api):
    mock_api.errors["sendMessage"] = [502, 502]
    asyncio.run(output_for(mock_api).send_text_message("42", "您好"))
    assert len(mock_api.of("sendMessage")) == 3


def test_pushed_messages_raise_when_undeliverable(mock_api, monkeypatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    channel = TelegramInput(transport=mock_api.transport)
    output = channel.get_output_channel()
    assert isinstance(output, TelegramOutput) and output.name() == "telegram"
    mock_api.errors["sendMessage"] = [403]
    with pytest.raises(TelegramDeliveryError):
        asyncio.run(output.send_text_message("42", "工作人员：您好"))


# --------------------------------------------------------------------------- polling loop


def test_polling_loop_survives_errors_and_bad_updates(mock_api, monkeypatch):
    monkeypatch.setattr(tg, "TYPING_INTERVAL", 0.05)
    good = {"update_id": 11, **message_update(555, "医保存折是什么")}
    mock_api.updates = [
        httpx.ConnectError("network down"),
        [{"update_id": 10, "message": {"chat": "not a chat"}}, good],
        [{"update_id": 12, **callback_update(555, "/request_human", "q-9")}],
    ]
    received = []

    async def on_new_message(message):
        await asyncio.sleep(0.2)  # the assistant thinks: "typing…" is shown and repeated
        received.append(message)
        await message.output_channel.send_text_message(message.sender_id, f"答：{message.text}")

    async def scenario():
        channel = TelegramInput(settings(poll_timeout=1), transport=mock_api.transport)
        await channel.start(on_new_message)
        await wait_until(lambda: len(received) == 2, timeout=15)
        await wait_until(lambda: len(mock_api.of("sendMessage")) == 2)
        await channel.stop()
        return channel

    channel = asyncio.run(scenario())
    assert [m.text for m in received] == ["医保存折是什么", "/request_human"]
    first = received[0]
    assert first.sender_id == "555" and first.input_channel == "telegram"
    assert first.metadata["telegram"]["update_id"] == 11
    assert isinstance(first.output_channel, TelegramOutput)
    assert channel._offset == 13  # past the broken update too
    methods = [name for name, _ in mock_api.calls]
    assert methods[:3] == ["getMe", "deleteWebhook", "setMyCommands"]
    assert len(mock_api.of("sendChatAction")) >= 2
    assert mock_api.of("sendChatAction")[0] == {"chat_id": "555", "action": "typing"}
    first_answer = methods.index("sendMessage")
    assert "sendChatAction" in methods[:first_answer]
    assert mock_api.of("answerCallbackQuery") == [{"callback_query_id": "q-9"}]
    # on stop the handled updates are confirmed, so a restart does not repeat them
    last_poll = mock_api.of("getUpdates")[-1]
    assert last_poll["offset"] == "13" and last_poll["timeout"] == "0"


def test_rejected_token_stops_polling(mock_api, caplog):
    mock_api.errors["getMe"] = [401]

    async def scenario():
        channel = TelegramInput(settings(), transport=mock_api.transport)
        await channel.start(lambda message: None)
        await wait_until(lambda: channel._poller.done())
        await channel.stop()
        return channel

    channel = asyncio.run(scenario())
    assert channel.status == "off"
    assert "rejected TELEGRAM_BOT_TOKEN" in caplog.text and TOKEN not in caplog.text
    assert mock_api.of("getUpdates") == []


# --------------------------------------------------------------------------- proxy


def test_requests_go_through_the_http_proxy():
    """TELEGRAM_PROXY: the stub server on 127.0.0.1 plays the proxy; the Bot API host does not exist."""
    from .stub_bot_api import StubBotApi

    proxy = StubBotApi(tokens=(TOKEN,)).start()
    try:
        config = settings(base_url="http://api.telegram.invalid/bot", proxy=f"http://127.0.0.1:{proxy.port}")
        asyncio.run(TelegramOutput(build_bot(config)).send_text_message("42", "经代理发送"))
        sent = proxy.calls_of("sendMessage")
        assert len(sent) == 1 and sent[0].text == "经代理发送" and sent[0].token == TOKEN
    finally:
        proxy.stop()


def test_socks5_proxy_is_supported():
    bot = build_bot(settings(proxy="socks5://127.0.0.1:1080"))  # needs the socksio package
    assert bot is not None


def test_client_failure_turns_the_channel_off(monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("To use Socks5 proxies, PTB must be installed via pip install python-telegram-bot[socks]")

    monkeypatch.setattr(tg, "build_bot", broken)
    channel = TelegramInput(settings(proxy="socks5://127.0.0.1:1080"))
    assert channel.get_output_channel() is None
    asyncio.run(channel.start(lambda message: None))
    assert not channel.enabled and channel._poller is None
    assert len([r for r in caplog.records if r.levelno == logging.ERROR]) == 1
