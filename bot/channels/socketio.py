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
own format (32 hex digits; anything else gets a new session), text is cut at the page's own limit (shown under the input).

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
import os
import time
import uuid
from pathlib import Path
from typing import Any, Awaitable, Callable, Optional, Sequence

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.ids import WEBCHAT_ID
from bot.channels.rest import usable_metadata
from bot.client import CLIENT_KEY, client_address, client_tag
from bot.cors import socketio_origin_check
from bot.delivery import ReplyOutbox, ReplyState
from bot.handoff_guard import guarded
from bot.rate_limit import RateLimiter, rate_limited
from bot.security_headers import WEBCHAT_CSP, WEBCHAT_HEADERS, WEBCHAT_PAGE_HEADERS
from policy_core import wording
from policy_core.config import PROJECT_ROOT
from policy_core.handoff import QueueStatus

logger = logging.getLogger(__name__)

EMPTY_MESSAGE_TEXT = wording.EMPTY_MESSAGE
WEB_DIR = PROJECT_ROOT / "web"
PAGE_PREFIX = "/webchat"
SESSION_ID = WEBCHAT_ID  # uuid4().hex, as issued by session_request
# The page shows this limit (a counter under the input) and the server keeps to it: nothing is cut silently.
MAX_MESSAGE_CHARS = 500
QUEUE_STATUS_EVERY = 2.0  # seconds: the least time between two queue-status answers to one socket
HISTORY_DAYS = int(os.environ.get("WEBCHAT_HISTORY_DAYS", "7"))  # how long the page keeps its history

# name in the URL -> (file, content type). Nothing outside this table is ever served.
STATIC_FILES: dict[str, tuple[Path, str]] = {
    "chat.js": (WEB_DIR / "chat.js", "application/javascript; charset=utf-8"),
    "chat.css": (WEB_DIR / "chat.css", "text/css; charset=utf-8"),
    "favicon.svg": (WEB_DIR / "favicon.svg", "image/svg+xml"),
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


def page_message(
    text: str,
    buttons: Sequence[dict[str, Any]] = (),
    *,
    details: Optional[str] = None,
    answer_id: Optional[int] = None,
    handoff: Optional[str] = None,
    staff_name: Optional[str] = None,
    reply_id: Optional[int] = None,
    sent_at: Optional[float] = None,
) -> dict[str, Any]:
    """One message as the page gets it (docs/webchat.md): the short answer, its folded details, the answer id
    that 👍/👎 refer to, who wrote it (the assistant or a named staff member) and when."""
    message: dict[str, Any] = {
        "text": text,
        "sender": "staff" if staff_name else "bot",
        "time": sent_at if sent_at is not None else time.time(),
    }
    if staff_name:
        message["staff_name"] = staff_name
    if buttons:
        message["quick_replies"] = [
            {"content_type": "text", "title": str(b.get("title") or ""), "payload": str(b.get("payload") or "")}
            for b in buttons
        ]
    if details:
        message["details"] = details
    if isinstance(answer_id, int) and not isinstance(answer_id, bool):
        message["answer_id"] = answer_id
    if handoff:
        message["handoff"] = handoff
    if reply_id is not None:
        message["reply_id"] = reply_id
    return message


def reply_message(
    text: str,
    reply_id: int,
    buttons: Sequence[dict[str, str]] = (),
    staff_name: Optional[str] = None,
    sent_at: Optional[float] = None,
) -> dict[str, Any]:
    """A kept message (an agent's reply, the rating question): with its reply id, for the page to confirm."""
    return page_message(text, buttons, staff_name=staff_name, reply_id=reply_id, sent_at=sent_at)


def queue_status_message(status: QueueStatus) -> dict[str, Any]:
    return {
        "state": status.state,
        "position": status.position,
        "wait_minutes": status.wait_minutes,
        "text": wording.queue_status_line(status.state, status.position, status.wait_minutes, status.after_hours),
    }


class WebChatOutput(SocketIOOutput):
    """One page message per bot message (Rasa's splits text at blank lines): the short answer with its
    details apart, the answer id and the hand-off flag from the action's message metadata."""

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        message = dict(message)
        text = message.pop("text", None)
        buttons = message.pop("buttons", None) or message.pop("quick_replies", None) or ()
        short = message.get("short") if isinstance(message.get("short"), str) else None
        if text or buttons:
            details = message.get("details") if isinstance(message.get("details"), str) else None
            await self._send_message(
                recipient_id,
                page_message(
                    (short if short and details else text) or "",
                    buttons,
                    details=details if short else None,
                    answer_id=message.get("answer_id"),
                    handoff=message.get("handoff") if isinstance(message.get("handoff"), str) else None,
                ),
            )
        rest = {k: message[k] for k in ("custom", "image", "attachment", "elements") if message.get(k)}
        if rest:
            await super().send_response(recipient_id, rest)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._send_message(recipient_id, page_message(text))

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self._send_message(recipient_id, page_message(text, buttons))


def _socket_address(sio: Any, sid: str, namespace: str) -> str:
    """The client address of the socket's HTTP requests (Engine.IO keeps the first one's environ)."""
    try:
        environ = sio.get_environ(sid, namespace=namespace) or {}
    except Exception:
        return "unknown"
    request = environ.get("sanic.request")
    return client_address(request) if request is not None else str(environ.get("REMOTE_ADDR") or "unknown")


def render_page(template: str) -> str:
    """index.html with the page's texts (policy_core/wording.py), the message limit and the history lifetime.

    The texts are JSON in a `<script type="application/json">` block: data, never run, and with `<` escaped
    so that no text can close the block."""
    texts = {
        key: value.replace("{days}", str(HISTORY_DAYS)).replace("{limit}", str(MAX_MESSAGE_CHARS))
        for key, value in wording.WEBCHAT_PAGE_TEXTS.items()
    }
    texts_json = json.dumps(texts, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")
    return (
        template.replace("{{texts_json}}", texts_json)
        .replace("{{max_chars}}", str(MAX_MESSAGE_CHARS))
        .replace("{{history_days}}", str(HISTORY_DAYS))
    )


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
            path, content_type = INDEX
            return response.html(render_page(path.read_text(encoding="utf-8")), headers=WEBCHAT_PAGE_HEADERS)

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
                    reply_message(
                        reply.text,
                        reply.id,
                        reply.buttons,
                        reply.sender_name,
                        reply.created_at.timestamp() if reply.created_at else None,
                    ),
                    room=sid,
                    namespace=namespace,
                )
                await outbox.mark(reply.id, ReplyState.SENT, session_id)

        @sio.on("queue_status_request", namespace=self.namespace)
        async def queue_status_request(sid: str, *_args: Any) -> None:
            """Where the socket's own session stands in the hand-off queue (the page asks while it waits)."""
            session = await sio.get_session(sid, namespace=namespace)
            session_id = session.get("session_id")
            now = time.monotonic()
            if not session_id or now - session.get("queue_asked", -QUEUE_STATUS_EVERY) < QUEUE_STATUS_EVERY:
                return  # before session_request, or asked again too soon: a flooding page gets nothing more
            session["queue_asked"] = now
            await sio.save_session(sid, session, namespace=namespace)
            status = await outbox.queue_status(session_id)
            if status is not None:
                await sio.emit("queue_status", queue_status_message(status), room=sid, namespace=namespace)

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
                await WebChatOutput(sio, self.bot_message_evt).send_text_message(sender_id, EMPTY_MESSAGE_TEXT)
                return
            metadata = _metadata(data.get(self.metadata_key))
            metadata[CLIENT_KEY] = client_tag(_socket_address(sio, sid, namespace))  # the server's value
            await handle(
                UserMessage(
                    text,
                    WebChatOutput(sio, self.bot_message_evt),
                    sender_id,
                    input_channel=self.name(),
                    metadata=metadata,
                )
            )

        return webchat

    def get_output_channel(self) -> Optional[OutputChannel]:
        sio = getattr(self, "sio", None)
        return WebChatOutput(sio, self.bot_message_evt) if sio is not None else super().get_output_channel()

    async def push_reply(
        self,
        session_id: str,
        text: str,
        reply_id: int,
        buttons: Sequence[dict[str, str]] = (),
        staff_name: Optional[str] = None,
    ) -> bool:
        """Send an agent's reply (marked with their name) or a system message such as the rating question
        (with its buttons) to the session's open sockets; False when none is connected (kept for later)."""
        sio = getattr(self, "sio", None)
        namespace = self.namespace or "/"
        if sio is None or not (sio.manager.rooms.get(namespace) or {}).get(session_id):
            return False
        await sio.emit(
            self.bot_message_evt,
            reply_message(text, reply_id, buttons, staff_name),
            room=session_id,
            namespace=namespace,
        )
        return True
