"""Rasa's REST channel with request validation: malformed bodies get a 400 with a clear message, not a 500."""
from __future__ import annotations

from typing import Any, Awaitable, Callable, Optional

from rasa.core.channels.rest import RestInput
from sanic import Blueprint
from sanic.exceptions import SanicException
from sanic.request import Request

from bot.rate_limit import RateLimiter, rate_limited

MAX_MESSAGE_CHARS = 5000  # longer messages are cut: nobody types more, and NLU time grows with length
MAX_SENDER_CHARS = 128


class BadRequest(SanicException):
    status_code = 400


def _body(request: Request) -> dict[str, Any]:
    try:
        body = request.json
    except Exception:  # Sanic raises on invalid JSON
        raise BadRequest("请求体必须是JSON对象 (request body must be a JSON object)")
    if not isinstance(body, dict):
        raise BadRequest("请求体必须是JSON对象 (request body must be a JSON object)")
    return body


class ValidatingRestInput(RestInput):
    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[Any], Awaitable[Any]]) -> Blueprint:
        return super().blueprint(rate_limited(on_new_message, RateLimiter.from_env()))

    async def _extract_sender(self, req: Request) -> Optional[str]:
        sender = _body(req).get("sender")
        if isinstance(sender, bool) or not isinstance(sender, (str, int)) or not str(sender).strip():
            raise BadRequest("'sender' 必须是非空字符串 ('sender' must be a non-empty string)")
        if len(str(sender)) > MAX_SENDER_CHARS:
            raise BadRequest(f"'sender' 不能超过{MAX_SENDER_CHARS}个字符")
        return str(sender)

    def _extract_message(self, req: Request) -> Optional[str]:
        message = _body(req).get("message", "")
        if message is None:
            message = ""
        if not isinstance(message, str):
            raise BadRequest("'message' 必须是字符串 ('message' must be a string)")
        return message[:MAX_MESSAGE_CHARS]

    def get_metadata(self, request: Request) -> Optional[dict[str, Any]]:
        metadata = _body(request).get("metadata")
        return metadata if isinstance(metadata, dict) else None
