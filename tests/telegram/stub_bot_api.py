"""A stub Telegram Bot API server on 127.0.0.1: records every method call, serves queued updates
to getUpdates (long polling), answers sendMessage like Telegram. No network beyond loopback."""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Optional
from urllib.parse import parse_qsl, urlsplit

BOT_USERNAME = "policy_test_bot"


@dataclass
class Call:
    token: str
    method: str
    params: dict[str, Any]
    at: float

    @property
    def chat_id(self) -> Optional[int]:
        value = self.params.get("chat_id")
        return int(value) if value is not None and str(value).lstrip("-").isdigit() else value

    @property
    def text(self) -> str:
        return self.params.get("text") or ""

    @property
    def keyboard(self) -> list[list[dict]]:
        markup = self.params.get("reply_markup") or {}
        return markup.get("inline_keyboard") or []


def _decode(value: str) -> Any:
    """PTB sends non-string parameters JSON-encoded in form fields."""
    if value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


class StubBotApi:
    def __init__(self, tokens: tuple[str, ...] = ("123:TEST",), max_poll_wait: float = 2.0) -> None:
        self.tokens = set(tokens)
        self.max_poll_wait = max_poll_wait
        self.calls: list[Call] = []
        self.fail_next: dict[str, int] = {}  # method → number of 502 answers to give first
        self._updates: dict[str, list[dict]] = {token: [] for token in tokens}
        self._update_ids = itertools.count(1000)
        self._message_ids = itertools.count(1)
        self._cond = threading.Condition()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # ----- control

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    def start(self) -> StubBotApi:
        self._thread.start()
        return self

    def stop(self) -> None:
        with self._cond:
            self._cond.notify_all()
        self._server.shutdown()
        self._server.server_close()

    def queue(self, token: str, update: dict) -> int:
        """Queue an update (update_id assigned here) for the bot with `token`."""
        with self._cond:
            update = {"update_id": next(self._update_ids), **update}
            self._updates[token].append(update)
            self._cond.notify_all()
        return update["update_id"]

    def pending(self, token: str) -> list[dict]:
        with self._cond:
            return list(self._updates[token])

    def calls_of(self, method: str, token: Optional[str] = None, chat_id: Any = None, since: int = 0) -> list[Call]:
        with self._cond:
            calls = self.calls[since:]
        return [
            c
            for c in calls
            if c.method == method and (token is None or c.token == token) and (chat_id is None or c.chat_id == chat_id)
        ]

    def wait_for(self, predicate: Callable[[list[Call]], Any], timeout: float = 60.0) -> Any:
        """Wait until predicate(all calls) is truthy; return its value."""
        deadline = time.monotonic() + timeout
        while True:
            with self._cond:
                calls = list(self.calls)
            result = predicate(calls)
            if result:
                return result
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"stub Bot API: condition not met within {timeout} s; calls: "
                    + "; ".join(f"{c.method}({c.chat_id}) {c.text[:40]!r}" for c in calls[-15:])
                )
            time.sleep(0.1)

    def wait_messages(
        self,
        chat_id: int,
        since: int = 0,
        count: int = 1,
        timeout: float = 60.0,
        token: Optional[str] = None,
        settle: float = 0.0,
    ) -> list[Call]:
        """The sendMessage calls to chat_id after call number `since`, once there are `count`
        (then wait `settle` seconds more for further parts of the same answer)."""
        self.wait_for(
            lambda calls: (
                len(
                    [
                        c
                        for c in calls[since:]
                        if c.method == "sendMessage" and c.chat_id == chat_id and (token is None or c.token == token)
                    ]
                )
                >= count
            ),
            timeout,
        )
        if settle:
            time.sleep(settle)
        return self.calls_of("sendMessage", token=token, chat_id=chat_id, since=since)

    # ----- Bot API

    def _answer(self, token: str, method: str, params: dict[str, Any]) -> tuple[int, dict]:
        if token not in self.tokens:
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        with self._cond:
            if self.fail_next.get(method):
                self.fail_next[method] -= 1
                return 502, {"ok": False, "error_code": 502, "description": "Bad Gateway"}
        if method == "getUpdates":
            return 200, {"ok": True, "result": self._get_updates(token, params)}
        if method == "getMe":
            return 200, {
                "ok": True,
                "result": {
                    "id": int(token.split(":")[0]),
                    "is_bot": True,
                    "first_name": "政策通",
                    "username": BOT_USERNAME,
                },
            }
        if method in ("sendMessage", "sendPhoto"):
            chat_id = params.get("chat_id")
            result = {
                "message_id": next(self._message_ids),
                "date": int(time.time()),
                "chat": {"id": int(chat_id) if str(chat_id).lstrip("-").isdigit() else 0, "type": "private"},
                "from": {"id": int(token.split(":")[0]), "is_bot": True, "first_name": "政策通"},
            }
            if method == "sendMessage":
                result["text"] = params.get("text", "")
                if params.get("reply_markup"):
                    result["reply_markup"] = params["reply_markup"]
            return 200, {"ok": True, "result": result}
        return 200, {"ok": True, "result": True}

    def _get_updates(self, token: str, params: dict[str, Any]) -> list[dict]:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        wait = min(float(params.get("timeout") or 0), self.max_poll_wait)
        deadline = time.monotonic() + wait
        with self._cond:
            while True:
                queue = self._updates[token]
                queue[:] = [u for u in queue if u["update_id"] >= offset]  # confirmed ones go
                if queue or time.monotonic() >= deadline:
                    return queue[:limit]
                self._cond.wait(timeout=max(0.0, deadline - time.monotonic()))

    def _handler_class(self) -> type:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802
                path = urlsplit(self.path).path
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8") if length else ""
                params: dict[str, Any] = {}
                kind = self.headers.get("Content-Type") or ""
                if "json" in kind and body:
                    params = json.loads(body)
                elif body:
                    params = {k: _decode(v) for k, v in parse_qsl(body, keep_blank_values=True)}
                try:
                    _, bot_part, method = path.split("/", 2)
                    token = bot_part[len("bot") :] if bot_part.startswith("bot") else None
                except ValueError:
                    token, method = None, ""
                if token is None:
                    status, payload = 404, {"ok": False, "error_code": 404, "description": "Not Found"}
                else:
                    with stub._cond:
                        stub.calls.append(Call(token, method, params, time.monotonic()))
                    status, payload = stub._answer(token, method, params)
                try:
                    raw = json.dumps(payload, ensure_ascii=False).encode("utf-8")
                except UnicodeEncodeError:  # lone surrogates (hostile-input tests): JSON escapes, as Telegram
                    raw = json.dumps(payload).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                try:
                    self.end_headers()
                    self.wfile.write(raw)
                except OSError:  # the client gave up (shutdown during a long poll)
                    self.close_connection = True

            do_GET = do_POST

            def log_message(self, *args: Any) -> None:
                pass

        return Handler


# ----- updates as Telegram sends them

_message_ids = itertools.count(5000)


def user(chat_id: int) -> dict:
    return {"id": chat_id, "is_bot": False, "first_name": "居民", "language_code": "zh-hans"}


def message_update(chat_id: int, text: str, chat_type: str = "private") -> dict:
    message: dict[str, Any] = {
        "message_id": next(_message_ids),
        "date": int(time.time()),
        "chat": {"id": chat_id, "type": chat_type},
        "from": user(chat_id),
        "text": text,
    }
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return {"message": message}


def photo_update(chat_id: int) -> dict:
    return {
        "message": {
            "message_id": next(_message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "from": user(chat_id),
            "photo": [{"file_id": "f1", "file_unique_id": "u1", "width": 10, "height": 10}],
        }
    }


def callback_update(chat_id: int, data: str, query_id: str = "cb-1", keyboard: Optional[list] = None) -> dict:
    message: dict[str, Any] = {
        "message_id": next(_message_ids),
        "date": int(time.time()),
        "chat": {"id": chat_id, "type": "private"},
        "from": {"id": 123, "is_bot": True, "first_name": "政策通"},
        "text": "请问您是哪类参保人员？",
    }
    if keyboard:
        message["reply_markup"] = {"inline_keyboard": keyboard}
    return {
        "callback_query": {
            "id": query_id,
            "from": user(chat_id),
            "chat_instance": "ci",
            "data": data,
            "message": message,
        }
    }
