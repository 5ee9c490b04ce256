"""Scale-out on Rasa's own distributed set-up: two Rasa server processes sharing one action server,
a PostgreSQL tracker store (EnvSQLTrackerStore, TRACKER_STORE_URL) and a Redis lock store (Rasa's, with
atomic ticket handling: bot/lock_store.py), all on loopback and started here. Conversations alternate
between the two servers message by message."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import httpx
import pytest

from bench.load import POLICY_QA_SCENARIOS, REST_PATH, degraded_texts, reply_error, send
from bench.stats import latency_summary
from bot.testing import start_assistant

from .services import MissingServer, start_postgres, start_redis

pytestmark = pytest.mark.model

ROOT = Path(__file__).resolve().parents[2]
CONVERSATIONS = 60  # at the same time, each 4-5 messages
TOKEN = "scale-token"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    started: list = []  # stopped in reverse order, whatever failed
    try:
        try:
            postgres = start_postgres()
            started.append(postgres)
            redis = start_redis()
            started.append(redis)
        except MissingServer as error:
            pytest.fail(str(error), pytrace=False)
        url = postgres.create_database("policy")
        work = tmp_path_factory.mktemp("scale")
        env = {"TRACKER_STORE_URL": url, "HANDOFF_DB_URL": url, "POLICY_DATA_DIR": str(work / "var")}
        lock_store = (
            f"lock_store:\n  type: bot.lock_store.AtomicRedisLockStore\n  url: 127.0.0.1\n"
            f"  port: {redis.port}\n  db: 1\n"
        )
        first = start_assistant(work / "node1", token=TOKEN, extra_env=env, endpoints_extra=lock_store)
        started.append(first)
        second = start_assistant(
            work / "node2", token=TOKEN, extra_env=env, endpoints_extra=lock_store, actions_url=first.actions_url
        )
        started.append(second)
        yield {"nodes": (first, second), "postgres": postgres, "redis": redis}
    finally:
        for part in reversed(started):
            part.stop()


def _user_and_bot_turns(tracker: dict) -> list[tuple[str, int]]:
    """[(user text, number of bot messages before the next user message)] from a tracker's events."""
    turns: list[list] = []
    for event in tracker["events"]:
        if event["event"] == "user":
            turns.append([event.get("text"), 0])
        elif event["event"] == "bot" and turns:
            turns[-1][1] += 1
    return [(text, bots) for text, bots in turns]


def _conversations_in_postgres(postgres, pattern: str) -> int:
    import psycopg2

    connection = psycopg2.connect(host="127.0.0.1", port=postgres.port, user="postgres", dbname="policy")
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(DISTINCT sender_id) FROM events WHERE sender_id LIKE %s", (pattern,))
            return cursor.fetchone()[0]
    finally:
        connection.close()


def redis_client(redis):
    import redis as redis_py

    return redis_py.StrictRedis(host="127.0.0.1", port=redis.port)


async def _conversation(client, urls, index, run_id, degraded, replies, errors) -> tuple[str, list[str]]:
    scenario = POLICY_QA_SCENARIOS[index % len(POLICY_QA_SCENARIOS)]
    sender = f"scale-{run_id}-{index}"
    sent = []
    for turn, message in enumerate(scenario.messages):
        url = urls[(index + turn) % 2]  # the next message always goes to the other server
        began = time.monotonic()
        response = await client.post(url + REST_PATH, json={"sender": sender, "message": message.text})
        latency = time.monotonic() - began
        sent.append(message.text)
        error = reply_error(response, degraded)
        if error:
            errors.append((sender, message.text, error, response.text[:300]))
        else:
            replies.append((sender, message.text, response.json(), latency))
    return sender, sent


def test_concurrent_conversations_alternating_between_two_servers(cluster):
    first, second = cluster["nodes"]
    urls = (first.url, second.url)
    run_id = str(int(time.time()))
    degraded = degraded_texts()
    replies: list = []
    errors: list = []

    async def run() -> list[tuple[str, list[str]]]:
        limits = httpx.Limits(max_connections=CONVERSATIONS * 2, max_keepalive_connections=CONVERSATIONS * 2)
        async with httpx.AsyncClient(timeout=180, limits=limits) as client:
            return await asyncio.gather(
                *(_conversation(client, urls, i, run_id, degraded, replies, errors) for i in range(CONVERSATIONS))
            )

    began = time.monotonic()
    conversations = asyncio.run(run())
    wall = time.monotonic() - began
    messages = sum(len(sent) for _, sent in conversations)
    report = {
        "servers": len(urls),
        "conversations": len(conversations),
        "messages": messages,
        "answered": len(replies),
        "errors": len(errors),
        "wall_s": round(wall, 1),
        "throughput_msg_s": round(len(replies) / wall, 2),
        "latency": latency_summary([latency for *_, latency in replies]),
    }
    out = ROOT / "results" / "scale"
    out.mkdir(parents=True, exist_ok=True)
    (out / "scale_out.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(f"\nscale-out: {json.dumps(report)}")

    assert errors == [], errors[:10]
    assert len(replies) == messages >= CONVERSATIONS * 4

    # Every conversation's tracker (read from either server: one database) holds exactly the messages
    # sent, in order, once each, each followed by the bot's answer.
    for number, (sender, sent) in enumerate(conversations):
        turns = _user_and_bot_turns(cluster["nodes"][number % 2].tracker(sender))
        assert [text for text, _ in turns] == sent, sender
        assert all(bots >= 1 for _, bots in turns), (sender, turns)

    # Both servers really used the shared stores: every conversation is in PostgreSQL, and Redis
    # handled the lock store's commands (Rasa would fall back to in-memory stores on a bad config).
    assert _conversations_in_postgres(cluster["postgres"], f"scale-{run_id}-%") == CONVERSATIONS
    assert redis_client(cluster["redis"]).info("stats")["total_commands_processed"] >= messages

    # The follow-up, answered by the other server, still knows the month asked about before (shared slots).
    follow_ups = [body for _, text, body, _ in replies if text == "那退休的呢"]
    assert len(follow_ups) >= CONVERSATIONS // len(POLICY_QA_SCENARIOS)
    for body in follow_ups:
        answer = " ".join(m.get("text") or "" for m in body)
        assert "退休人员" in answer and "1月" in answer, answer


def test_simultaneous_messages_to_one_conversation_on_both_servers_are_serialized(cluster):
    """The Redis lock store lets only one server at a time handle a conversation: two messages sent to
    the two servers at the same moment are both answered, one after the other, never interleaved.
    (With Rasa's own RedisLockStore one of the two messages is regularly lost from the tracker.)"""
    first, second = cluster["nodes"]
    senders = [f"scale-lock-{int(time.time())}-{i}" for i in range(10)]

    async def run() -> list:
        async with httpx.AsyncClient(timeout=180) as client:
            return await asyncio.gather(
                *(
                    send(client, url, sender, text, degraded_texts())
                    for sender in senders
                    for url, text in ((first.url, "你好"), (second.url, "谢谢"))
                )
            )

    assert asyncio.run(run()) == [None] * (2 * len(senders))
    for sender in senders:
        turns = _user_and_bot_turns(first.tracker(sender))
        assert sorted(text for text, _ in turns) == ["你好", "谢谢"], (sender, turns)
        assert all(bots >= 1 for _, bots in turns), (sender, turns)
