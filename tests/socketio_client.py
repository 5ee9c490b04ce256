"""A python-socketio client that speaks like the web chat page (web/chat.js): long-polling only,
session_request → session_confirm, user_uttered → bot_uttered. Shared by the channel, hostile-input and
privacy tests."""

from __future__ import annotations

import threading
import time
from typing import Optional

import socketio


class ChatSocket:
    def __init__(self, url: str, headers: Optional[dict] = None) -> None:
        self.events: list[tuple[str, object]] = []
        self.changed = threading.Condition()
        self.sio = socketio.Client(reconnection=False)
        for name in ("session_confirm", "bot_uttered"):
            self.sio.on(name, lambda data, name=name: self._record(name, data))
        self.sio.connect(url, transports=["polling"], wait_timeout=30, headers=headers or {})

    def _record(self, name: str, data: object) -> None:
        with self.changed:
            self.events.append((name, data))
            self.changed.notify_all()

    def of(self, name: str) -> list:
        with self.changed:
            return [data for event, data in self.events if event == name]

    def wait(self, name: str, count: int = 1, timeout: float = 120) -> list:
        """The events called `name` once there are `count` of them; AssertionError after `timeout` s."""
        with self.changed:
            self.changed.wait_for(lambda: len([1 for event, _ in self.events if event == name]) >= count, timeout)
        found = self.of(name)
        assert len(found) >= count, f"{name}: {len(found)} of {count} after {timeout} s: {self.events}"
        return found

    def session(self, session_id: object = None) -> str:
        """Ask for a session (a new one, or to rejoin `session_id`) and return the one confirmed."""
        before = len(self.of("session_confirm"))
        self.sio.emit("session_request", {"session_id": session_id})
        return self.wait("session_confirm", before + 1)[-1]

    def say(self, session: str, text: str, settle: float = 0.7) -> list[str]:
        """Send one message; the texts and button titles of every bot message until `settle` s of quiet."""
        before = len(self.of("bot_uttered"))
        self.sio.emit("user_uttered", {"message": text, "session_id": session})
        self.wait("bot_uttered", before + 1)
        while True:
            count = len(self.of("bot_uttered"))
            time.sleep(settle)
            if len(self.of("bot_uttered")) == count:
                break
        messages = self.of("bot_uttered")[before:]
        return [m.get("text") or "" for m in messages] + [
            reply.get("title", "") for m in messages for reply in m.get("quick_replies") or []
        ]

    def close(self) -> None:
        self.sio.disconnect()
