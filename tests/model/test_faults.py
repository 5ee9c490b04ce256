"""Faults: the action server goes away and comes back; the Rasa server restarts mid-conversation; the
tracker database is locked or unavailable and comes back."""

import json
import os
import sqlite3
import subprocess
import time
import urllib.request

import pytest

from bot.testing import start_assistant
from policy_core.config import PROJECT_ROOT

pytestmark = pytest.mark.model


def texts(messages):
    return "\n".join(m.get("text") or "" for m in messages)


def _port_of(process: subprocess.Popen) -> int:
    return int(process.args[process.args.index("--port") + 1])


def _wait_healthy(port: int, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def test_action_server_down_then_back(tmp_path):
    assistant = start_assistant(tmp_path)
    try:
        actions = assistant.processes[0]
        port = _port_of(actions)
        assert "3月5日" in texts(assistant.say("fault-1", "我在职，1月份的钱什么时候到"))

        actions.terminate()
        actions.wait(timeout=30)
        reply = assistant.say("fault-1", "我退休了，1月份的钱什么时候到")
        assert "暂时无法查询" in texts(reply) and "12345" in texts(reply)
        assert "2月5日" not in texts(reply)  # no guessed answer
        assert assistant.say("fault-2", "你好")  # answers from the domain still work

        env = {
            **os.environ,
            "PYTHONPATH": str(PROJECT_ROOT),
            "POLICY_DATA_DIR": str(assistant.data_dir),
            "RASA_TELEMETRY_ENABLED": "false",
        }
        back = subprocess.Popen(
            list(actions.args),
            cwd=PROJECT_ROOT,
            env=env,
            stdout=open(assistant.log_dir / "actions-2.log", "wb"),
            stderr=subprocess.STDOUT,
        )
        assistant.processes[0] = back
        _wait_healthy(port)
        # Same Rasa server, no restart: the question is answered again.
        assert "2月5日" in texts(assistant.say("fault-1", "我退休了，1月份的钱什么时候到"))
        log = (assistant.log_dir / "rasa.log").read_text(encoding="utf-8", errors="replace")
        assert "action server unavailable" in log
    finally:
        assistant.stop()


def test_rasa_restart_keeps_what_the_resident_said(tmp_path):
    first = start_assistant(tmp_path)
    try:
        asked = texts(first.say("restart-1", "我在职"))
        assert asked  # the bot answered (asks what they want to know)
        texts(first.say("restart-1", "医保存折的钱什么时候到账"))
    finally:
        first.stop()
    second = start_assistant(tmp_path)  # same databases
    try:
        answer = texts(second.say("restart-1", "1月份的"))
        assert "3月5日" in answer  # the category came from before the restart
        assert second.tracker("restart-1")["slots"]["person_category"] == "in_service"
    finally:
        second.stop()


def _stored_user_texts(db, sender):
    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' ORDER BY id", (sender,)
        ).fetchall()
    return [json.loads(data)["text"] for (data,) in rows]


def test_tracker_database_locked_then_back(tmp_path):
    from bot.tracker_store import STORE_UNAVAILABLE_TEXT

    db = tmp_path / "var" / "tracker.db"
    # SQLite waits 1 s for a lock here (default 5 s), to keep the test short.
    assistant = start_assistant(tmp_path, extra_env={"TRACKER_STORE_URL": f"sqlite:///{db}?timeout=1"})
    try:
        assert texts(assistant.say("db-1", "我在职"))

        # Another writer holds the database: reads work, writes fail. The answer still comes, and the
        # conversation waits in memory.
        writer = sqlite3.connect(db, isolation_level=None)
        writer.execute("BEGIN IMMEDIATE")
        assert "3月5日" in texts(assistant.say("db-1", "1月份的钱什么时候到"))
        writer.execute("ROLLBACK")
        writer.close()

        # The database cannot even be read: the kept conversation goes on (its slots are in memory); a
        # conversation the server does not hold gets a polite apology, never a 5xx or a guess.
        blocker = sqlite3.connect(db, isolation_level=None)
        blocker.execute("BEGIN EXCLUSIVE")
        assert "2月5日" in texts(assistant.say("db-1", "那退休的呢"))
        status, body = assistant.post("/webhooks/rest/webhook", {"sender": "db-2", "message": "医保存折是什么"})
        assert status == 200 and texts(body) == STORE_UNAVAILABLE_TEXT
        blocker.execute("ROLLBACK")
        blocker.close()

        # Back: the next message writes everything that waited, once and in order.
        assert texts(assistant.say("db-1", "谢谢"))
        assert _stored_user_texts(db, "db-1") == ["我在职", "1月份的钱什么时候到", "那退休的呢", "谢谢"]
        assert _stored_user_texts(db, "db-2") == []  # the resident was asked to send it again
        assert "个人账户" in texts(assistant.say("db-2", "医保存折是什么"))
        assert assistant.tracker("db-1")["slots"]["person_category"] == "retired"

        log = (assistant.log_dir / "rasa.log").read_text(encoding="utf-8", errors="replace")
        assert "tracker store unavailable (OperationalError): conversation db-1 kept in memory" in log
        assert "could not read conversation db-2" in log
        assert "tracker store available again: conversation db-1 written" in log
    finally:
        assistant.stop()
