"""An in-process mock of the Bot API (httpx.MockTransport, no sockets) for the unit tests."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any, Callable, Optional
from urllib.parse import parse_qsl

import httpx

TOKEN = "123:TEST"


class MockBotApi:
    """Answers Bot API calls in-process (no sockets) and records them: (method, params)."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.calls: list[tuple[str, dict]] = []
        self.urls: list[str] = []
        self.updates: list[Any] = []  # getUpdates answers in turn: list of updates, or an Exception
        self.errors: dict[str, list[int]] = {}  # method → HTTP statuses to answer first
        self.transport = httpx.MockTransport(self.handle)

    async def handle(self, request: httpx.Request) -> httpx.Response:
        self.urls.append(str(request.url))
        method = request.url.path.rsplit("/", 1)[-1]
        params: dict[str, Any] = {}
        body = request.content.decode("utf-8")
        if body:
            params = {k: (json.loads(v) if v[:1] in "[{" else v) for k, v in parse_qsl(body, keep_blank_values=True)}
        self.calls.append((method, params))
        statuses = self.errors.get(method)
        if statuses:
            status = statuses.pop(0)
            description = {403: "Forbidden: bot was blocked by the user", 401: "Unauthorized"}.get(
                status, "Bad Gateway"
            )
            return httpx.Response(status, json={"ok": False, "error_code": status, "description": description})
        if method == "getUpdates":
            if self.updates:
                answer = self.updates.pop(0)
                if isinstance(answer, Exception):
                    raise answer
                return httpx.Response(200, json={"ok": True, "result": answer})
            await asyncio.sleep(0.05)
            return httpx.Response(200, json={"ok": True, "result": []})
        if method == "getMe":
            return httpx.Response(
                200,
                json={
                    "ok": True,
                    "result": {"id": 123, "is_bot": True, "first_name": "政策通", "username": "policy_test_bot"},
                },
            )
        if method == "sendMessage":
            return httpx.Response(
                200,
                json={
                    "ok": True,
                    "result": {
                        "message_id": len(self.calls),
                        "date": int(time.time()),
                        "text": params.get("text", ""),
                        "chat": {"id": int(params["chat_id"]), "type": "private"},
                    },
                },
            )
        return httpx.Response(200, json={"ok": True, "result": True})

    def of(self, method: str) -> list[dict]:
        return [params for name, params in self.calls if name == method]


async def wait_until(condition: Callable[[], Any], timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


def reply_markup(params: dict) -> Optional[dict]:
    markup = params.get("reply_markup")
    return json.loads(markup) if isinstance(markup, str) else markup
