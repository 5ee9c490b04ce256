"""The Telegram channel applies the same per-chat rate limit as REST and the web chat (bot/rate_limit.py)."""

import asyncio

from rasa.core.channels.channel import UserMessage

from bot.channels.telegram import TelegramInput, TelegramSettings
from bot.rate_limit import TOO_FAST_TEXT

from .mock_bot_api import TOKEN, wait_until
from .stub_bot_api import message_update


def test_a_flooding_chat_is_slowed_down_politely_others_are_not(mock_api, monkeypatch):
    monkeypatch.setenv("RATE_LIMIT_PER_MINUTE", "1")
    monkeypatch.setenv("RATE_LIMIT_BURST", "2")
    mock_api.updates = [
        [{"update_id": 20 + i, **message_update(555, f"第{i}条")} for i in range(4)]
        + [{"update_id": 30, **message_update(777, "医保存折是什么")}],
    ]
    received = []

    async def on_new_message(message):
        received.append((message.sender_id, message.text))
        await message.output_channel.send_text_message(message.sender_id, f"答：{message.text}")

    async def scenario():
        channel = TelegramInput(
            TelegramSettings(token=TOKEN, base_url="http://127.0.0.1:9/bot", poll_timeout=1),
            transport=mock_api.transport,
        )
        await channel.start(on_new_message)
        await wait_until(lambda: len(mock_api.of("sendMessage")) == 5, timeout=15)
        await channel.stop()

    asyncio.run(scenario())
    assert sorted(received) == [("555", "第0条"), ("555", "第1条"), ("777", "医保存折是什么")]
    sent = [(m["chat_id"], m["text"]) for m in mock_api.of("sendMessage")]
    assert sent.count(("555", TOO_FAST_TEXT)) == 2
    assert ("777", "答：医保存折是什么") in sent and ("777", TOO_FAST_TEXT) not in sent


def test_rate_limit_off(mock_api, monkeypatch):
    monkeypatch.setenv("RATE_LIMIT_PER_MINUTE", "0")
    mock_api.updates = [[{"update_id": 40 + i, **message_update(555, f"第{i}条")} for i in range(25)]]
    received = []

    async def on_new_message(message):
        received.append(message.text)

    async def scenario():
        channel = TelegramInput(
            TelegramSettings(token=TOKEN, base_url="http://127.0.0.1:9/bot", poll_timeout=1),
            transport=mock_api.transport,
        )
        await channel.start(on_new_message)
        await wait_until(lambda: len(received) == 25, timeout=15)
        await channel.stop()

    asyncio.run(scenario())
    assert TOO_FAST_TEXT not in [m["text"] for m in mock_api.of("sendMessage")]


def test_webhook_mode_is_limited_too(monkeypatch):
    monkeypatch.setenv("RATE_LIMIT_PER_MINUTE", "1")
    monkeypatch.setenv("RATE_LIMIT_BURST", "1")
    channel = TelegramInput(
        TelegramSettings(token=TOKEN, webhook_url="https://example.org/hook", webhook_secret="s3cret")
    )
    handled, sent = [], []

    async def on_new_message(message):
        handled.append(message.text)

    class Output:
        bot = None  # no Bot API: the "typing…" indicator fails quietly

        async def send_text_message(self, recipient_id, text, **kwargs):
            sent.append((recipient_id, text))

    async def scenario():
        await channel.start(on_new_message)
        channel._setup.cancel()  # no Bot API here: only the handler matters
        for text in ("一", "二"):
            await channel._on_new_message(UserMessage(text, Output(), "555", input_channel="telegram"))

    asyncio.run(scenario())
    assert handled == ["一"] and sent == [("555", TOO_FAST_TEXT)]
