"""Web chat channel, unit level: an empty message still gets a polite answer (not silence), and the
socket.io server's origin check follows CORS_ORIGINS (own origin only by default)."""

import asyncio

from bot.channels.socketio import EMPTY_MESSAGE_TEXT, WebChatInput

from .test_webchat_channel import SETTINGS, _handlers, recording_channel

SESSION = "22222222222222222222222222222222"


def test_empty_message_gets_a_polite_prompt_not_the_assistant(monkeypatch):
    monkeypatch.setenv("RATE_LIMIT_PER_MINUTE", "0")
    received, state, handlers = recording_channel()

    async def conversation():
        await handlers["session_request"]("sid-1", {"session_id": SESSION})
        for text in ("", "   ", "\n\t\u3000"):
            await handlers["user_uttered"]("sid-1", {"message": text, "session_id": SESSION})
        await handlers["user_uttered"]("sid-2", {"message": ""})  # no session: still ignored

    asyncio.run(conversation())
    assert received == []
    bot = [(data, room) for event, data, room in state.emitted if event == "bot_uttered"]
    assert [(data["text"], room) for data, room in bot] == [(EMPTY_MESSAGE_TEXT, SESSION)] * 3


def test_socketio_origin_check_follows_cors_origins(monkeypatch):
    own = {"wsgi.url_scheme": "http", "HTTP_HOST": "127.0.0.1:5005"}
    monkeypatch.delenv("CORS_ORIGINS", raising=False)
    sio, _ = _handlers(WebChatInput.from_credentials(SETTINGS))
    check = sio.eio.cors_allowed_origins
    assert check("http://127.0.0.1:5005", own) and not check("https://chat.example.gov.cn", own)

    monkeypatch.setenv("CORS_ORIGINS", "https://chat.example.gov.cn")
    sio, _ = _handlers(WebChatInput.from_credentials(SETTINGS))
    check = sio.eio.cors_allowed_origins
    assert check("https://chat.example.gov.cn", own) and check("http://127.0.0.1:5005", own)
    assert not check("https://evil.example", own)
