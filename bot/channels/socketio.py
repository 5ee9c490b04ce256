"""Rasa's socket.io channel, fixed for this platform, plus the web chat page it serves.

Two breakages of the built-in channel are repaired here (see docs/webchat.md):

1. Rasa calls ``sio.enter_room(...)`` without ``await``. It is a plain function in python-socketio
   5.9 but a coroutine from 5.10 on (RasaHQ/rasa#13027): the client would then never join its
   session room and, with ``session_persistence: true``, never get a bot message. Our own
   ``session_request`` handler awaits the result whenever it is awaitable, so both versions work.
2. Sanic 21.12's websocket implementation fails on Python 3.11 and an Engine.IO upgrade to
   websocket then hangs the session. Upgrades are disallowed and only the long-polling transport
   is offered, so clients stay on long-polling.

Messages are checked before they reach the assistant (the same one and the same rate limit as the REST
channel): a socket speaks only in the session the server confirmed to it, session ids are the server's
own format (32 hex digits; anything else gets a new session), text is cut at the REST channel's limit.

Agents' replies are delivered for sure (bot/delivery.py): pushed with their reply id to the session's
open sockets, confirmed by the page (`agent_reply_received`), and sent again when the page reconnects
(a closed tab, a phone that suspended it) until it has confirmed them; the page drops repeats.

The same channel serves the page: ``GET /webchat/`` and a fixed allow-list of files under
``GET /webchat/static/<name>`` (no file-system paths are built from the request).
"""

from __future__ import annotations

import inspect
import json
import logging
import uuid
from pathlib import Path
from typing import Any, Awaitable, Callable, Optional, Sequence

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.ids import WEBCHAT_ID
from bot.channels.rest import MAX_MESSAGE_CHARS, usable_metadata
from bot.client import CLIENT_KEY, client_address, client_tag
from bot.cors import socketio_origin_check
from bot.delivery import ReplyOutbox, ReplyState
from bot.handoff_guard import guarded
from bot.rate_limit import RateLimiter, rate_limited
from bot.security_headers import WEBCHAT_CSP, WEBCHAT_HEADERS, WEBCHAT_PAGE_HEADERS
from policy_core.config import PROJECT_ROOT

logger = logging.getLogger(__name__)

EMPTY_MESSAGE_TEXT = "请输入您想咨询的问题，例如：医保存折是什么？"
WEB_DIR = PROJECT_ROOT / "web"
PAGE_PREFIX = "/webchat"
SESSION_ID = WEBCHAT_ID  # uuid4().hex, as issued by session_request

# name in the URL -> (file, content type). Nothing outside this table is ever served.
STATIC_FILES: dict[str, tuple[Path, str]] = {
    "chat.js": (WEB_DIR / "chat.js", "application/javascript; charset=utf-8"),
    "chat.css": (WEB_DIR / "chat.css", "text/css; charset=utf-8"),
    "socket.io.min.js": (
        WEB_DIR / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js",
        "application/javascript; charset=utf-8",
    ),
}
INDEX = (WEB_DIR / "index.html", "text/html; charset=utf-8")

# The page loads nothing but its own files and talks only to its own origin (bot/security_headers.py).
SECURITY_HEADERS = WEBCHAT_HEADERS
PAGE_CSP = WEBCHAT_CSP


async def _maybe_await(result: Any) -> Any:
    """Await `result` if it is awaitable (python-socketio >= 5.10), else return it (5.9)."""
    if inspect.isawaitable(result):
        return await result
    return result


def valid_session_id(value: Any) -> Optional[str]:
    return value if isinstance(value, str) and SESSION_ID.fullmatch(value) else None


def _metadata(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return dict(usable_metadata(value) or {})


def reply_message(text: str, reply_id: int, buttons: Sequence[dict[str, str]] = ()) -> dict[str, Any]:
    """A kept message as the page gets it: with its reply id, and its buttons as Rasa's quick replies."""
    message: dict[str, Any] = {"text": text, "reply_id": reply_id}
    if buttons:
        message["quick_replies"] = [
            {"content_type": "text", "title": b["title"], "payload": b["payload"]} for b in buttons
        ]
    return message


def _socket_address(sio: Any, sid: str, namespace: str) -> str:
    """The client address of the socket's HTTP requests (Engine.IO keeps the first one's environ)."""
    try:
        environ = sio.get_environ(sid, namespace=namespace) or {}
    except Exception:
        return "unknown"
    request = environ.get("sanic.request")
    return client_address(request) if request is not None else str(environ.get("REMOTE_ADDR") or "unknown")


def _serve(entry: tuple[Path, str], headers: Optional[dict[str, str]] = None) -> HTTPResponse:
    path, content_type = entry
    if not path.is_file():
        # e.g. socket.io.min.js before `make webchat-deps`
        logger.error("web chat file %s is missing: run `make webchat-deps`", path)
        return response.text("Not Found", status=404)
    return response.raw(path.read_bytes(), content_type=content_type, headers=headers or SECURITY_HEADERS)


class WebChatBlueprint(SocketBlueprint):
    """Attaches the Socket.IO server and the page routes to the app."""

    def register(self, app: Sanic, options: dict[str, Any]) -> None:
        super().register(app, options)
        if getattr(app.ctx, "webchat_page_registered", False):
            return
        app.ctx.webchat_page_registered = True

        async def page(_: Request) -> HTTPResponse:
            return _serve(INDEX, WEBCHAT_PAGE_HEADERS)

        async def page_redirect(_: Request) -> HTTPResponse:
            return response.redirect(f"{PAGE_PREFIX}/")

        async def static(_: Request, name: str) -> HTTPResponse:
            entry = STATIC_FILES.get(name)
            if entry is None:
                return response.text("Not Found", status=404)
            return _serve(entry)

        app.add_route(page, f"{PAGE_PREFIX}/", methods=["GET"], name="webchat_page", strict_slashes=True)
        app.add_route(page_redirect, PAGE_PREFIX, methods=["GET"], name="webchat_page_redirect", strict_slashes=True)
        app.add_route(static, f"{PAGE_PREFIX}/static/<name:str>", methods=["GET"], name="webchat_static")


class WebChatInput(SocketIOInput):
    """socket.io channel with awaited room joins, long-polling only, and the web chat page."""

    @classmethod
    def name(cls) -> str:
        # Keep Rasa's name: trackers say `socketio`, and `output_channel=latest` looks it up by name.
        return "socketio"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        # Rasa's blueprint creates the server (kept in self.sio for output_channel=latest) and its
        # `connect` and `disconnect` handlers (JWT check); session_request and the user message are ours.
        original = super().blueprint(on_new_message)
        sio = original.ctx.sio
        namespace = self.namespace or "/"
        handle = rate_limited(guarded(on_new_message), RateLimiter.from_env(), RateLimiter.per_address_from_env())

        # (2) no transport upgrades: clients stay on long-polling, websocket is never offered.
        sio.eio.allow_upgrades = False
        sio.eio.transports = ["polling"]
        # Rasa turns Engine.IO's origin check off (cors_allowed_origins=[]): browsers may connect from the
        # page's own origin and from CORS_ORIGINS only, as for the HTTP API.
        sio.eio.cors_allowed_origins = socketio_origin_check()

        outbox = ReplyOutbox()
        self._outbox = outbox

        # Rebuild the blueprint with our subclass so `register` also adds the page routes.
        webchat = WebChatBlueprint(sio, self.socketio_path, "socketio_webhook", __name__)

        @webchat.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        # (1) Rasa's session_request handler does not await enter_room.
        # Handlers take what a broken client may send: no argument, or several (python-socketio passes them
        # positionally; a missing one would be a TypeError in the server log).
        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: str, data: Any = None, *_extra: Any) -> None:
            requested = data.get("session_id") if isinstance(data, dict) else None
            session_id = valid_session_id(requested) or uuid.uuid4().hex
            if self.session_persistence:
                await _maybe_await(sio.enter_room(sid, session_id, namespace=namespace))
            await sio.save_session(sid, {"session_id": session_id}, namespace=namespace)
            await sio.emit("session_confirm", session_id, room=sid, namespace=namespace)
            logger.debug("socket.io client %s joined session %s", sid, session_id)
            for reply in await outbox.undelivered(session_id):  # replies the closed page missed
                await sio.emit(
                    self.bot_message_evt,
                    reply_message(reply.text, reply.id, reply.buttons),
                    room=sid,
                    namespace=namespace,
                )
                await outbox.mark(reply.id, ReplyState.SENT, session_id)

        @sio.on("agent_reply_received", namespace=self.namespace)
        async def agent_reply_received(sid: str, data: Any = None, *_extra: Any) -> None:
            reply_id = data.get("reply_id") if isinstance(data, dict) else None
            session_id = (await sio.get_session(sid, namespace=namespace)).get("session_id")
            if isinstance(reply_id, int) and not isinstance(reply_id, bool) and session_id:
                await outbox.mark(reply_id, ReplyState.DELIVERED, session_id)  # only the socket's own session

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: str, data: Any = None, *_extra: Any) -> None:
            if not isinstance(data, dict) or not isinstance(data.get("message"), str):
                logger.warning("socket.io: a message without text was ignored")
                return
            text = data["message"][:MAX_MESSAGE_CHARS]
            if self.session_persistence:
                sender_id = (await sio.get_session(sid, namespace=namespace)).get("session_id")
                if not sender_id:
                    logger.warning("socket.io: a message before session_request was ignored")
                    return
                if data.get("session_id") not in (None, sender_id):
                    logger.warning("socket.io: a message for another session than the socket's was ignored")
                    return
            else:
                sender_id = sid
            if not text.strip():  # nothing to answer, but the resident still hears from us
                await SocketIOOutput(sio, self.bot_message_evt).send_text_message(sender_id, EMPTY_MESSAGE_TEXT)
                return
            metadata = _metadata(data.get(self.metadata_key))
            metadata[CLIENT_KEY] = client_tag(_socket_address(sio, sid, namespace))  # the server's value
            await handle(
                UserMessage(
                    text,
                    SocketIOOutput(sio, self.bot_message_evt),
                    sender_id,
                    input_channel=self.name(),
                    metadata=metadata,
                )
            )

        return webchat

    async def push_reply(
        self, session_id: str, text: str, reply_id: int, buttons: Sequence[dict[str, str]] = ()
    ) -> bool:
        """Send an agent's reply (or the rating question, with its buttons) to the session's open sockets;
        False when none is connected (kept for later)."""
        sio = getattr(self, "sio", None)
        namespace = self.namespace or "/"
        if sio is None or not (sio.manager.rooms.get(namespace) or {}).get(session_id):
            return False
        await sio.emit(
            self.bot_message_evt, reply_message(text, reply_id, buttons), room=session_id, namespace=namespace
        )
        return True
