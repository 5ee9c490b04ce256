"""Rasa's REST channel with request validation: malformed bodies get a 400 (too large ones a 413) with a
clear message, not a 500.

A REST client cannot write into another channel's conversation: conversation ids are namespaced by
channel through their form (bot/channels/ids.py) — a REST `sender` must start with a letter and may not
have the form of a web chat session or a Telegram chat id — and `input_channel` can only be `rest`.
The client's address (as a tag, bot/client.py) goes into the message's metadata for the per-address
limit and the hand-off ticket cap."""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Optional

from rasa.core.channels.rest import RestInput
from sanic import Blueprint
from sanic.exceptions import SanicException
from sanic.request import Request

from bot.channels.ids import MAX_SENDER_CHARS, rest_sender_problem
from bot.client import CLIENT_KEY, client_address, client_tag
from bot.delivery import ReplyOutbox, deliver_waiting_replies
from bot.handoff_guard import guarded
from bot.rate_limit import RateLimiter, rate_limited

MAX_MESSAGE_CHARS = 5000  # longer messages are cut: nobody types more, and NLU time grows with length
MAX_BODY_BYTES = 64 * 1024  # a message of MAX_MESSAGE_CHARS with metadata fits many times over
MAX_METADATA_DEPTH = 16  # deeper metadata is dropped: serialising it would hit Python's recursion limit


class BadRequest(SanicException):
    status_code = 400
    quiet = True  # the client's mistake: no traceback in the server log


class BodyTooLarge(SanicException):
    status_code = 413
    quiet = True


def _body(request: Request) -> dict[str, Any]:
    raw = request.body or b""
    if len(raw) > MAX_BODY_BYTES:
        raise BodyTooLarge(f"请求体不能超过{MAX_BODY_BYTES // 1024} KB (request body too large)")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("请求体必须是UTF-8编码的JSON (request body must be UTF-8 encoded JSON)") from None
    try:
        body = request.json
    except Exception:  # Sanic raises on invalid JSON
        raise BadRequest("请求体必须是JSON对象 (request body must be a JSON object)") from None
    if not isinstance(body, dict):
        raise BadRequest("请求体必须是JSON对象 (request body must be a JSON object)")
    return body


def nesting_depth(value: Any) -> int:
    """How deeply dicts and lists nest in `value` (0 for a scalar), without recursion."""
    depth, level = 0, [value]
    while True:
        containers = [item for item in level if isinstance(item, (dict, list))]
        if not containers:
            return depth
        depth += 1
        level = [child for item in containers for child in (item.values() if isinstance(item, dict) else item)]


def usable_metadata(value: Any) -> Optional[dict[str, Any]]:
    """Client metadata kept only when it is a JSON object of modest depth."""
    return value if isinstance(value, dict) and nesting_depth(value) <= MAX_METADATA_DEPTH else None


class ValidatingRestInput(RestInput):
    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[Any], Awaitable[Any]]) -> Blueprint:
        # Agents' replies waiting for this resident come first in the answer (REST cannot be pushed to).
        handle = deliver_waiting_replies(guarded(on_new_message), ReplyOutbox())
        return super().blueprint(rate_limited(handle, RateLimiter.from_env(), RateLimiter.per_address_from_env()))

    async def _extract_sender(self, req: Request) -> Optional[str]:
        sender = _body(req).get("sender")
        if isinstance(sender, bool) or not isinstance(sender, str) or not sender.strip():
            raise BadRequest("'sender' 必须是非空字符串 ('sender' must be a non-empty string)")
        if len(sender) > MAX_SENDER_CHARS:
            raise BadRequest(f"'sender' 不能超过{MAX_SENDER_CHARS}个字符 ('sender' is too long)")
        problem = rest_sender_problem(sender)
        if problem:
            raise BadRequest(problem)
        return sender

    def _extract_message(self, req: Request) -> Optional[str]:
        message = _body(req).get("message", "")
        if message is None:
            message = ""
        if not isinstance(message, str):
            raise BadRequest("'message' 必须是字符串 ('message' must be a string)")
        return message[:MAX_MESSAGE_CHARS]

    def _extract_input_channel(self, req: Request) -> str:
        channel = _body(req).get("input_channel")
        if channel is None or channel == "" or channel == self.name():
            return self.name()
        # Another channel's name would make agents' replies go to that channel (output_channel=latest).
        raise BadRequest("'input_channel' 只能是 rest ('input_channel' can only be rest)")

    def get_metadata(self, request: Request) -> Optional[dict[str, Any]]:
        metadata = dict(usable_metadata(_body(request).get("metadata")) or {})
        metadata[CLIENT_KEY] = client_tag(client_address(request))  # the server's, never the client's value
        return metadata
