"""Hostile and odd input on every resident channel, against one real assistant for the module.

The corpus is data (tests/data/hostile_inputs.yml): every message is sent over REST, socket.io (web chat,
long-polling, like the page) and Telegram (stub Bot API) — each in a fresh conversation, several at a
time. Every one must get a polite, non-empty reply with no markup echoed, the server must never answer
5xx or die, and it must still answer a normal question afterwards on each channel. Malformed REST
requests get a 400 (413 when too large) with a clear message. Also here, on the same server: the
per-sender rate limit on all three channels, and CORS (CORS_ORIGINS) for HTTP and socket.io.
"""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import socketio
import yaml

from bot.rate_limit import TOO_FAST_TEXT
from bot.testing import start_assistant
from tests.socketio_client import ChatSocket
from tests.telegram.stub_bot_api import StubBotApi, message_update

pytestmark = pytest.mark.model

CORPUS = yaml.safe_load((Path(__file__).parents[1] / "data" / "hostile_inputs.yml").read_text(encoding="utf-8"))
MESSAGES = {entry["id"]: entry for entry in CORPUS["messages"]}
MALFORMED = {entry["id"]: entry for entry in CORPUS["malformed"]}
TOKEN = "456:HOSTILE"
ALLOWED_ORIGIN, OTHER_ORIGIN = "https://chat.example.gov.cn", "https://evil.example"
NORMAL_QUESTION, NORMAL_ANSWER = "医保存折是什么", "个人账户"
CJK = re.compile(r"[\u4e00-\u9fff]")
ECHO_MARKERS = (
    "<script",
    "</script",
    "onerror",
    "onload",
    "javascript:",
    "<img",
    "<svg",
    "<iframe",
    "<style",
    "traceback",
    "exception",
    "drop table",
    "system prompt",
)
WORKERS = 6


def message_text(entry: dict) -> str:
    """The message as a str; invalid UTF-8 becomes lone surrogates (what a broken client sends as JSON)."""
    if "raw_hex" in entry:
        return bytes.fromhex(entry["raw_hex"]).decode("utf-8", "surrogateescape")
    return entry["text"] * entry.get("repeat", 1)


def check_reply(texts: list[str]) -> list[str]:
    """What is wrong with a reply (empty list: a polite, non-empty reply without echoed markup)."""
    problems = []
    joined = "\n".join(t for t in texts if t)
    if not joined.strip():
        return ["no reply"]
    if not CJK.search(joined):
        problems.append(f"reply not in Chinese: {joined[:80]!r}")
    if TOO_FAST_TEXT in texts:
        problems.append("rate-limited")
    lowered = joined.lower()
    problems += [f"reply contains {marker!r}" for marker in ECHO_MARKERS if marker in lowered]
    return problems


# --------------------------------------------------------------------------- the running assistant


@pytest.fixture(scope="module")
def running(tmp_path_factory):
    stub = StubBotApi(tokens=(TOKEN,)).start()
    assistant = start_assistant(
        tmp_path_factory.mktemp("hostile"),
        extra_env={
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": stub.base_url,
            "TELEGRAM_POLL_TIMEOUT": "1",
            "CORS_ORIGINS": ALLOWED_ORIGIN,
            "RATE_LIMIT_PER_MINUTE": "30",
            "RATE_LIMIT_BURST": "20",
        },
    )
    try:
        yield assistant, stub
    finally:
        assistant.stop()
        stub.stop()


@pytest.fixture(scope="module")
def assistant(running):
    return running[0]


def http(
    assistant, method: str, path: str, body: bytes = None, headers: dict = None, timeout: float = 120
) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(
        f"{assistant.url}{path}",
        data=body,
        method=method,
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def send_corpus(channel: str, one) -> dict:
    """`one(entry) -> (id, reply)` for every corpus message, WORKERS at a time."""
    started = time.monotonic()
    with ThreadPoolExecutor(WORKERS) as pool:
        replies = dict(pool.map(one, MESSAGES.values()))
    print(f"\n{channel}: {len(replies)} messages in {time.monotonic() - started:.1f} s")
    return replies


# --------------------------------------------------------------------------- REST


def rest_say(assistant, sender: str, text: str) -> tuple[int, list[str]]:
    status, body = assistant.post("/webhooks/rest/webhook", {"sender": sender, "message": text}, timeout=120)
    texts = [m.get("text") or "" for m in body] if isinstance(body, list) else []
    texts += [b.get("title", "") for m in (body if isinstance(body, list) else []) for b in m.get("buttons") or []]
    return status, texts


@pytest.fixture(scope="module")
def rest_replies(assistant):
    def one(entry):
        status, texts = rest_say(assistant, f"rest-{entry['id']}", message_text(entry))
        result = {"status": status, "texts": texts}
        if "raw_hex" in entry:  # the bytes as they are, inside the JSON body
            body = (
                b'{"sender": "rest-raw-'
                + entry["id"].encode()
                + b'", "message": "'
                + bytes.fromhex(entry["raw_hex"])
                + b'"}'
            )
            result["raw"] = assistant.post("/webhooks/rest/webhook", body)
        return entry["id"], result

    return send_corpus("REST", one)


@pytest.mark.parametrize("entry_id", MESSAGES)
def test_rest_reply(rest_replies, entry_id):
    reply = rest_replies[entry_id]
    assert reply["status"] == 200, reply
    assert check_reply(reply["texts"]) == [], reply["texts"]
    if "raw" in reply:
        status, body = reply["raw"]
        assert status == 400 and "UTF-8" in json.dumps(body, ensure_ascii=False), (status, body)


def test_rest_still_answers_after_the_corpus(rest_replies, assistant):
    status, texts = rest_say(assistant, "rest-after", NORMAL_QUESTION)
    assert status == 200 and NORMAL_ANSWER in "\n".join(texts)


def malformed_body(entry: dict) -> bytes:
    kind, size = entry.get("generate"), entry.get("size", 0)
    if kind is None:
        return entry["body"].encode("utf-8")
    if kind == "nested_list":
        return b"[" * size + b"]" * size
    if kind == "nested_object":
        return b'{"a":' * size + b"1" + b"}" * size
    if kind == "nested_metadata":
        metadata = b'{"a":' * size + b"1" + b"}" * size
        return b'{"sender": "s-nested-%d", "message": "hi", "metadata": %s}' % (size, metadata)
    if kind == "huge_message":
        return json.dumps({"sender": "s-huge", "message": "医" * size}).encode("utf-8")
    if kind == "huge_padding":
        return b'{"sender": "s-pad", "message": "hi"' + b" " * size + b"}"
    raise ValueError(kind)


@pytest.mark.parametrize("entry_id", MALFORMED)
def test_malformed_rest_request(assistant, entry_id):
    entry = MALFORMED[entry_id]
    status, _, raw = http(assistant, "POST", "/webhooks/rest/webhook", malformed_body(entry))
    assert status == entry["status"], (status, raw[:300])
    if status == 200:
        assert check_reply([m.get("text") or "" for m in json.loads(raw)]) == []
    else:
        try:
            message = json.loads(raw)["message"]
        except (ValueError, KeyError, TypeError):
            message = raw.decode("utf-8", "replace")
        assert entry["error"] in message, message  # a clear message, not just "Bad Request"


def test_rest_still_answers_after_malformed_requests(assistant):
    for entry in MALFORMED.values():
        http(assistant, "POST", "/webhooks/rest/webhook", malformed_body(entry))
    status, texts = rest_say(assistant, "rest-after-malformed", NORMAL_QUESTION)
    assert status == 200 and NORMAL_ANSWER in "\n".join(texts)


def test_rest_flooding_sender_is_slowed_down_politely(assistant):
    replies = [rest_say(assistant, "rest-flood", "你好")[1] for _ in range(30)]
    refused = [r for r in replies if r == [TOO_FAST_TEXT]]
    assert replies[0] != [TOO_FAST_TEXT] and len(refused) >= 5  # burst of 20, then 30 a minute
    assert NORMAL_ANSWER in "\n".join(rest_say(assistant, "rest-flood-other", NORMAL_QUESTION)[1])


# --------------------------------------------------------------------------- socket.io (web chat)


@pytest.fixture(scope="module")
def socketio_replies(assistant):
    """Each message in a fresh conversation on its own socket, several sockets at a time."""

    def one(entry):
        chat = ChatSocket(assistant.url)
        try:
            return entry["id"], chat.say(chat.session(), message_text(entry))
        except Exception as exc:  # reported by the test of this message
            return entry["id"], [f"ERROR {type(exc).__name__}: {exc}"]
        finally:
            chat.close()

    return send_corpus("socket.io", one)


@pytest.mark.parametrize("entry_id", MESSAGES)
def test_socketio_reply(socketio_replies, entry_id):
    assert check_reply(socketio_replies[entry_id]) == [], socketio_replies[entry_id]


def test_socketio_survives_malformed_events_and_still_answers(socketio_replies, assistant):
    deep = json.loads('{"a":' * 200 + "1" + "}" * 200)  # deeper than the client's own encoder can recurse
    chat = ChatSocket(assistant.url)
    try:
        session = chat.session()
        for payload in (
            "not a dict",
            42,
            None,
            [1, 2],
            {"message": 5},
            {"message": None},
            {"message": ["医保"]},
            {"message": "hi", "session_id": {"a": 1}},
            {"message": "hi", "session_id": session, "customData": "{broken json"},
            {"message": "hi", "session_id": session, "customData": deep},
            ("two", "arguments"),
        ):  # a tuple is sent as several arguments
            chat.sio.emit("user_uttered", payload)
            time.sleep(0.05)  # the client batches queued packets; Engine.IO takes 16 per request
        chat.sio.emit("session_request", "not a dict")
        chat.sio.emit("session_request")
        chat.sio.emit("session_request", {"session_id": "../" * 20})
        chat.wait("session_confirm", 4)  # the first, then the three above
        assert all(re.fullmatch(r"[0-9a-f]{32}", s) for s in chat.of("session_confirm"))
        latest = chat.of("session_confirm")[-1]
        chat.sio.emit("user_uttered", {"message": NORMAL_QUESTION, "session_id": latest})
        with chat.changed:
            assert chat.changed.wait_for(
                lambda: any(
                    NORMAL_ANSWER in (data.get("text") or "") for event, data in chat.events if event == "bot_uttered"
                ),
                timeout=120,
            ), chat.events
    finally:
        chat.close()
    fresh = ChatSocket(assistant.url)  # and a new visitor is served too
    try:
        assert NORMAL_ANSWER in "\n".join(fresh.say(fresh.session(), NORMAL_QUESTION))
    finally:
        fresh.close()


def test_socketio_flooding_session_is_slowed_down_politely(assistant):
    chat = ChatSocket(assistant.url)
    try:
        session = chat.session()
        for _ in range(30):
            chat.sio.emit("user_uttered", {"message": "你好", "session_id": session})
            time.sleep(0.05)  # the client batches queued packets; Engine.IO takes 16 per request
        chat.wait("bot_uttered", 30)
        time.sleep(2)
        texts = [m.get("text") for m in chat.of("bot_uttered")]
        assert 5 <= texts.count(TOO_FAST_TEXT) <= 10, texts  # burst of 20, then 30 a minute
    finally:
        chat.close()


# --------------------------------------------------------------------------- Telegram (stub Bot API)

TELEGRAM_CHAT_BASE = 930_000


@pytest.fixture(scope="module")
def telegram_replies(running):
    """All messages queued at once, one chat each; the channel handles them concurrently."""
    _, stub = running
    chats = {entry_id: TELEGRAM_CHAT_BASE + index for index, entry_id in enumerate(MESSAGES)}
    since = len(stub.calls)
    started = time.monotonic()
    for entry_id, chat in chats.items():
        stub.queue(TOKEN, message_update(chat, message_text(MESSAGES[entry_id])))
    try:
        stub.wait_for(
            lambda calls: {c.chat_id for c in calls[since:] if c.method == "sendMessage"} >= set(chats.values()),
            timeout=300,
        )
    except AssertionError:
        pass  # the tests of the messages without a reply fail and say so
    time.sleep(3)  # further parts of the last answers
    print(f"\nTelegram: {len(chats)} messages in {time.monotonic() - started:.1f} s")
    return {
        entry_id: [c.text for c in stub.calls_of("sendMessage", chat_id=chat, since=since)]
        + [
            b.get("text", "")
            for c in stub.calls_of("sendMessage", chat_id=chat, since=since)
            for row in c.keyboard
            for b in row
        ]
        for entry_id, chat in chats.items()
    }


@pytest.mark.parametrize("entry_id", MESSAGES)
def test_telegram_reply(telegram_replies, entry_id):
    assert check_reply(telegram_replies[entry_id]) == [], telegram_replies[entry_id]


def telegram_say(stub, chat: int, text: str) -> list[str]:
    since = len(stub.calls)
    stub.queue(TOKEN, message_update(chat, text))
    return [c.text for c in stub.wait_messages(chat, since=since, settle=1.5)]


def test_telegram_still_answers_after_the_corpus(telegram_replies, running):
    assert NORMAL_ANSWER in "\n".join(telegram_say(running[1], 939_001, NORMAL_QUESTION))


def test_telegram_flooding_chat_is_slowed_down_politely(running):
    _, stub = running
    chat, since = 939_002, len(stub.calls)
    for _ in range(30):
        stub.queue(TOKEN, message_update(chat, "你好"))
    stub.wait_messages(chat, since=since, count=30, timeout=180, settle=2)
    texts = [c.text for c in stub.calls_of("sendMessage", chat_id=chat, since=since)]
    assert 5 <= texts.count(TOO_FAST_TEXT) <= 10, texts  # counted on arrival, not when its turn comes
    assert NORMAL_ANSWER in "\n".join(telegram_say(stub, 939_003, NORMAL_QUESTION))  # others are served


# --------------------------------------------------------------------------- CORS


@pytest.mark.parametrize("method", ["GET", "OPTIONS"])
def test_cors_http_only_for_configured_origins(assistant, method):
    extra = {"Access-Control-Request-Method": "POST"} if method == "OPTIONS" else {}
    path = "/webhooks/rest/webhook" if method == "OPTIONS" else "/webhooks/rest/"
    _, allowed, _ = http(assistant, method, path, headers={"Origin": ALLOWED_ORIGIN, **extra})
    _, other, _ = http(assistant, method, path, headers={"Origin": OTHER_ORIGIN, **extra})
    assert allowed.get("Access-Control-Allow-Origin") == ALLOWED_ORIGIN
    assert "Access-Control-Allow-Origin" not in other


def test_cors_socketio_only_for_own_and_configured_origins(assistant):
    path = "/socket.io/?EIO=4&transport=polling"
    status, headers, _ = http(assistant, "GET", path, headers={"Origin": ALLOWED_ORIGIN})
    assert status == 200 and headers.get("Access-Control-Allow-Origin") == ALLOWED_ORIGIN
    status, headers, _ = http(assistant, "GET", path, headers={"Origin": assistant.url})  # the page's own
    assert status == 200
    status, headers, body = http(assistant, "GET", path, headers={"Origin": OTHER_ORIGIN})
    assert status == 400 and "Access-Control-Allow-Origin" not in headers, body
    with pytest.raises(socketio.exceptions.ConnectionError):
        ChatSocket(assistant.url, headers={"Origin": OTHER_ORIGIN})
    chat = ChatSocket(assistant.url, headers={"Origin": ALLOWED_ORIGIN})
    try:
        assert NORMAL_ANSWER in "\n".join(chat.say(chat.session(), NORMAL_QUESTION))
    finally:
        chat.close()


# --------------------------------------------------------------------------- the server itself


def test_no_crash(running, rest_replies, socketio_replies, telegram_replies):
    assistant, _ = running
    assert all(process.poll() is None for process in assistant.processes)
    status, _ = assistant.get(f"/status?token={assistant.token}")
    assert status == 200
    log = (assistant.log_dir / "rasa.log").read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in log, log[log.index("Traceback") - 2000 :][:6000]
