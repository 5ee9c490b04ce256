"""The agent desk under attack, against the console and REST channels without the model
(tests/console/console_server.py): login floods, CSRF, the ticket list, releasing, transferring and
auto-releasing tickets, ending sessions. Each test fails on the code before issue 14."""

import statistics
import threading
import time

import httpx
import pytest

from bot.console import accounts
from bot.console.accounts import save_account
from policy_core.handoff import HandoffQueue, HandoffReason

PASSWORD = "Desk-pass-2024"


@pytest.fixture
def desk(tmp_path, console_server, monkeypatch):
    """(url, log, queue) of a console server with agents wang, li and the supervisor boss."""

    def start(extra_env=None):
        path = tmp_path / "agents.yml"
        save_account("wang", PASSWORD, "王小明", path=path)
        save_account("li", PASSWORD, "李四", path=path)
        save_account("boss", PASSWORD, "赵主任", path=path, role="supervisor")
        url, log = console_server(extra_env)
        monkeypatch.setenv("AGENT_ACCOUNTS_FILE", str(path))
        monkeypatch.setenv("HANDOFF_DB_URL", f"sqlite:///{tmp_path / 'var' / 'handoff.db'}")
        return url, log, HandoffQueue(f"sqlite:///{tmp_path / 'var' / 'handoff.db'}")

    return start


def login(url, username="wang", password=PASSWORD) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=30)
    response = client.post("/console/login", data={"username": username, "password": password})
    assert response.status_code == 303, response.text
    client.headers["X-CSRF-Token"] = client.get("/console/api/me").json()["csrf_token"]
    return client


def say(url, sender, text="你好") -> float:
    started = time.perf_counter()
    response = httpx.post(url + "/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=30)
    assert response.status_code == 200 and response.json()[0]["text"] == f"收到：{text}"
    return time.perf_counter() - started


def flood(url, seconds, threads=16, username="wang"):
    """`threads` parallel clients posting wrong passwords for `seconds`; returns the status codes."""
    statuses, stop = [], time.monotonic() + seconds

    def guess(index):
        with httpx.Client(base_url=url, timeout=30) as client:
            while time.monotonic() < stop:
                statuses.append(
                    client.post(
                        "/console/login", data={"username": username, "password": f"wrong-guess-{index}"}
                    ).status_code
                )

    workers = [threading.Thread(target=guess, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    return workers, statuses


# --- 1. login floods -------------------------------------------------------------------------------


@pytest.mark.parametrize("throttled", [True, False], ids=["throttled", "every-guess-hashed"])
def test_a_login_flood_does_not_stall_residents(desk, throttled):
    # Without throttling every guess is checked with scrypt: residents stay fast only if that is off the loop.
    env = {} if throttled else {"LOGIN_FREE_ATTEMPTS": "100000", "LOGIN_LOCKOUT_FAILURES": "100000"}
    url, log, _ = desk(env)
    say(url, "warm-up")
    quiet = statistics.quantiles([say(url, f"quiet-{i}") for i in range(10)], n=20)[-1]
    workers, statuses = flood(url, 4.0)
    time.sleep(0.3)
    latencies = []
    while any(worker.is_alive() for worker in workers):
        latencies.append(say(url, f"resident-{len(latencies)}"))
        time.sleep(0.05)
    p95 = statistics.quantiles(latencies, n=20)[-1]
    # With the hashing on the event loop a flood took replies to 11–14 s. The bound is relative to the same
    # server without the flood, measured just before, so that a busy shared machine does not fail it; the
    # speed itself is measured by `make bench-desk`.
    bound = max(1.5, 10 * quiet)
    assert len(latencies) >= 6 and p95 < bound and max(latencies) < 2 * bound, (p95, quiet, max(latencies))
    assert 401 in statuses and len(statuses) > 16
    if throttled:
        assert 429 in statuses
        # Locked out: not even the right password logs in now.
        locked = httpx.post(url + "/console/login", data={"username": "wang", "password": PASSWORD})
        assert locked.status_code == 429 and "锁定" in locked.text and int(locked.headers["retry-after"]) > 60
        assert "console_session" not in locked.headers.get("set-cookie", "")
        # li's own counter is clean, but the flooding address is locked out (three times wang's limit).
        assert httpx.post(url + "/console/login", data={"username": "li", "password": PASSWORD}).status_code == 429
    text = log.read_text(errors="replace")
    assert "failed login for wang from 127.0.0.1" in text


def test_growing_delay_then_lockout_then_forgiven():
    from bot.console.login_guard import Throttle

    now = [1000.0]
    throttle = Throttle(free=3, lockout_after=6, lockout_seconds=900, clock=lambda: now[0])
    for _ in range(3):
        assert throttle.wait_seconds("wang") == 0
        throttle.fail("wang")
    assert throttle.wait_seconds("wang") == pytest.approx(1.0)  # 4th attempt: wait 1 s
    now[0] += 1.0
    throttle.fail("wang")
    assert throttle.wait_seconds("wang") == pytest.approx(2.0)  # then 2 s
    now[0] += 2.0
    throttle.fail("wang")
    assert throttle.wait_seconds("wang") == pytest.approx(4.0)
    now[0] += 4.0
    throttle.fail("wang")  # 6th failure: locked
    assert throttle.wait_seconds("wang") == pytest.approx(900.0)
    assert throttle.wait_seconds("li") == 0  # other keys are not affected
    now[0] += 901
    assert throttle.wait_seconds("wang") == 0  # lockout over, old failures forgotten
    throttle.fail("wang")
    assert throttle.wait_seconds("wang") == 0


def test_parallel_guesses_count_before_they_are_checked(tmp_path, monkeypatch):
    import asyncio

    from bot.console.login_guard import LoginGuard, LoginRefused

    path = tmp_path / "agents.yml"
    save_account("wang", PASSWORD, path=path)
    monkeypatch.setenv("AGENT_ACCOUNTS_FILE", str(path))

    async def burst():
        guard = LoginGuard()
        results = await asyncio.gather(
            *[guard.login("wang", "wrong-guess", "10.0.0.1") for _ in range(16)], return_exceptions=True
        )
        refused = [r for r in results if isinstance(r, LoginRefused)]
        assert len(refused) == 13 and results.count(None) == 3  # only 3 were checked at all
        with pytest.raises(LoginRefused):
            await guard.login("wang", PASSWORD, "10.0.0.2")  # the account is throttled from any address

    asyncio.run(burst())


@pytest.mark.parametrize(
    "password,problem",
    [
        ("12345678", "至少"),
        ("Short-1", "至少"),
        ("1234567890", "数字"),
        ("aaaaaaaaaaaa", "同一个字符"),
        ("qwertyuiop", "常见"),
        ("Password123", "常见"),
        ("wang-wang-1", "用户名"),
    ],
)
def test_weak_passwords_are_refused(tmp_path, password, problem):
    with pytest.raises(accounts.AccountError, match=problem):
        save_account("wang", password, path=tmp_path / "agents.yml")


def test_failed_login_lines_cannot_be_forged(desk):
    url, log, _ = desk()
    httpx.post(url + "/console/login", data={"username": "x\nINFO console: boss logged in", "password": "nope-nope"})
    text = log.read_text(errors="replace")
    assert "failed login for x\\nINFO console: boss logged in from 127.0.0.1" in text
    assert not any(line.startswith("INFO console: boss") for line in text.splitlines())


# --- 2. CSRF ---------------------------------------------------------------------------------------


def test_cross_origin_and_non_json_posts_are_refused(desk):
    url, _, queue = desk()
    ticket = queue.open_ticket("csrf-resident", "rest", HandoffReason.ASKED_FOR_HUMAN)
    wang = login(url)
    evil = url.rsplit(":", 1)[0] + ":8081"  # a page on another port of the same host: same site
    take = f"/console/api/tickets/{ticket.id}/take"
    assert wang.post(take, json={}, headers={"Origin": evil}).status_code == 403
    assert wang.post(take, json={}, headers={"Origin": "null"}).status_code == 403  # a sandboxed frame
    # The console's pages let the browser send their real origin on their own POSTs (no-referrer would
    # make it send `Origin: null`), and no referrer to other sites.
    assert wang.get("/console/").headers["referrer-policy"] == "same-origin"
    # A form post (text/plain or urlencoded) — what a cross-site page can send without a preflight.
    form = wang.post(take, content=b'{"x":1}', headers={"Content-Type": "text/plain"})
    assert form.status_code == 415
    assert wang.post(take, data={"a": "b"}).status_code == 415
    # JSON from our own origin but without the session's CSRF token.
    assert wang.post(take, json={}, headers={"X-CSRF-Token": "forged"}).status_code == 403
    assert queue.ticket(ticket.id).status.value == "waiting"
    # The real console: same origin, JSON, token.
    assert wang.post(take, json={}, headers={"Origin": url}).status_code == 200
    reply = wang.post(
        f"/console/api/tickets/{ticket.id}/reply",
        content="请登录 http://evil.example",
        headers={"Content-Type": "text/plain", "Origin": url},
    )
    assert reply.status_code == 415
    # Logging in from another origin's page is refused too.
    assert (
        httpx.post(
            url + "/console/login", data={"username": "wang", "password": PASSWORD}, headers={"Origin": evil}
        ).status_code
        == 403
    )


def test_configured_cors_origin_may_post(desk):
    url, _, queue = desk({"CORS_ORIGINS": "https://desk.example.gov.cn"})
    ticket = queue.open_ticket("cors-resident", "rest", HandoffReason.ASKED_FOR_HUMAN)
    wang = login(url)
    assert (
        wang.post(
            f"/console/api/tickets/{ticket.id}/take", json={}, headers={"Origin": "https://desk.example.gov.cn"}
        ).status_code
        == 200
    )


# --- 5. the ticket list ----------------------------------------------------------------------------


def test_ticket_list_is_paged_longest_waiting_first_without_reading_conversations(desk):
    url, _, queue = desk()
    ids = [queue.open_ticket(f"list-{i}", "rest", HandoffReason.ASKED_FOR_HUMAN).id for i in range(5)]
    wang = login(url)
    queue.open_ticket("list-0", "rest", HandoffReason.ASKED_FOR_HUMAN)  # new activity does not jump the queue
    first = wang.get("/console/api/tickets?limit=2").json()  # the echo agent has no tracker store to read
    assert [t["id"] for t in first["tickets"]] == ids[:2] and first["total"] == 5
    second = wang.get("/console/api/tickets?limit=2&offset=2").json()
    assert [t["id"] for t in second["tickets"]] == ids[2:4]
    assert wang.get("/console/api/tickets?limit=abc").json()["limit"] == 50


# --- 7. releasing, transferring, auto-release, sessions ---------------------------------------------


def test_release_transfer_and_supervisor_reassignment(desk):
    url, _, queue = desk()
    ticket = queue.open_ticket("move-resident", "rest", HandoffReason.ASKED_FOR_HUMAN)
    wang, li, boss = login(url), login(url, "li"), login(url, "boss")
    path = f"/console/api/tickets/{ticket.id}"
    assert wang.post(path + "/take", json={}).status_code == 200
    assert li.post(path + "/release", json={}).status_code == 409  # not li's ticket
    assert li.post(path + "/transfer", json={"to": "li"}).status_code == 409
    assert wang.post(path + "/transfer", json={"to": "nobody"}).status_code == 400
    moved = wang.post(path + "/transfer", json={"to": "li"})
    assert moved.status_code == 200 and moved.json()["agent"] == "li"
    assert wang.post(path + "/reply", json={"text": "还是我"}).status_code == 409  # wang no longer holds it
    # The supervisor reassigns li's ticket to wang, then puts it back in the queue.
    assert boss.post(path + "/transfer", json={"to": "wang"}).json()["agent"] == "wang"
    assert queue.ticket(ticket.id).agent == "wang"
    released = boss.post(path + "/release", json={})
    assert released.status_code == 200 and released.json()["status"] == "waiting"
    assert queue.ticket(ticket.id).agent is None
    assert li.post(path + "/take", json={}).status_code == 200
    pushes = [p["text"] for p in httpx.get(url + "/test/pushes").json() if p["conversation_id"] == "move-resident"]
    assert any("转给另一位工作人员" in text for text in pushes) and any("重新排队" in text for text in pushes)


def test_an_idle_agents_ticket_returns_to_the_queue_and_the_resident_is_told(desk):
    url, _, queue = desk({"HANDOFF_AGENT_IDLE_MINUTES": "0.02", "HANDOFF_IDLE_CHECK_SECONDS": "0.2"})
    ticket = queue.open_ticket("idle-resident", "rest", HandoffReason.ASKED_FOR_HUMAN)
    wang = login(url)
    assert wang.post(f"/console/api/tickets/{ticket.id}/take", json={}).status_code == 200
    wang.close()  # the agent leaves
    deadline = time.monotonic() + 10
    while queue.ticket(ticket.id).status.value != "waiting":
        assert time.monotonic() < deadline, "the idle ticket was not released"
        time.sleep(0.2)
    assert queue.ticket(ticket.id).agent is None
    deadline = time.monotonic() + 5
    while not any(
        p["conversation_id"] == "idle-resident" and "重新排队" in (p["text"] or "")
        for p in httpx.get(url + "/test/pushes").json()
    ):
        assert time.monotonic() < deadline, "the resident was not told"
        time.sleep(0.1)


def test_password_change_removal_and_disabling_end_sessions(desk, monkeypatch, capsys):
    url, _, _ = desk()
    wang, li, boss = login(url), login(url, "li"), login(url, "boss")
    assert wang.get("/console/api/me").status_code == 200
    monkeypatch.setenv("AGENT_PASSWORD", "Another-pass-77")
    assert accounts.main(["add", "wang"]) == 0
    assert "已结束 1 个登录会话" in capsys.readouterr().out
    assert wang.get("/console/api/me").status_code == 401
    login(url, "wang", "Another-pass-77")  # the new password works
    assert accounts.main(["disable", "li"]) == 0
    assert li.get("/console/api/me").status_code == 401
    assert httpx.post(url + "/console/login", data={"username": "li", "password": PASSWORD}).status_code == 401
    assert accounts.main(["enable", "li"]) == 0
    login(url, "li")
    assert accounts.main(["remove", "boss"]) == 0
    assert boss.get("/console/api/me").status_code == 401
    assert accounts.main(["remove", "boss"]) == 2


# --- 4. senders ------------------------------------------------------------------------------------


def test_rest_refuses_other_channels_ids_and_unsafe_senders(desk):
    url, _, _ = desk()
    for body in (
        {"sender": "7001", "message": "转人工"},  # a Telegram chat id
        {"sender": 7001, "message": "转人工"},
        {"sender": "-1001234567", "message": "转人工"},  # a Telegram group
        {"sender": "0123456789abcdef0123456789abcdef", "message": "转人工"},  # a web chat session id
        {"sender": "resident\nINFO forged", "message": "你好"},
        {"sender": "居民", "message": "你好"},
        {"sender": "a" * 65, "message": "你好"},
        {"sender": "resident-1", "message": "你好", "input_channel": "telegram"},
        {"sender": "resident-1", "message": "你好", "input_channel": "socketio"},
    ):
        response = httpx.post(url + "/webhooks/rest/webhook", json=body)
        assert response.status_code == 400, body
        assert ("'sender'" if "input_channel" not in body else "'input_channel'") in response.json()["message"]


def test_rest_accepts_ordinary_senders(desk):
    url, _, _ = desk()
    for sender in ("resident-1", "e2e-mt_case-1a2b3c4d", "user@example.gov.cn", "a" * 64):
        say(url, sender)
    ok = httpx.post(url + "/webhooks/rest/webhook", json={"sender": "r2", "message": "hi", "input_channel": "rest"})
    assert ok.status_code == 200


# --- 5. per-address limit --------------------------------------------------------------------------


def test_new_sender_ids_do_not_escape_the_per_address_limit(desk):
    url, _, _ = desk({"RATE_LIMIT_PER_ADDRESS_PER_MINUTE": "6", "RATE_LIMIT_ADDRESS_BURST": "5"})
    answers = [
        httpx.post(url + "/webhooks/rest/webhook", json={"sender": f"new-sender-{i}", "message": "转人工"}).json()[0][
            "text"
        ]
        for i in range(8)
    ]
    assert answers[:5] == ["收到：转人工"] * 5
    assert all("太快" in text for text in answers[5:])


# --- 9. call-back contact ---------------------------------------------------------------------------


def test_only_the_holder_sees_the_full_contact(desk, monkeypatch):
    from cryptography.fernet import Fernet

    from policy_core.contact import REQUEST_CONTACT

    key = Fernet.generate_key().decode()
    monkeypatch.setenv("HANDOFF_CONTACT_KEY", key)
    url, _, queue = desk({"HANDOFF_CONTACT_KEY": key})
    token = REQUEST_CONTACT.set("13812345678")
    try:
        ticket = queue.open_ticket("callback", "rest", HandoffReason.ASKED_FOR_HUMAN, contact="138****5678")
    finally:
        REQUEST_CONTACT.reset(token)
    wang, li = login(url), login(url, "li")
    detail = f"/console/api/tickets/{ticket.id}"
    assert wang.get(detail).json()["contact_full"] is None  # not taken yet
    wang.post(detail + "/take", json={})
    assert wang.get(detail).json()["contact_full"] == "13812345678"
    seen_by_li = li.get(detail).json()
    assert seen_by_li["contact_full"] is None and seen_by_li["contact"] == "138****5678"
    assert "13812345678" not in li.get("/console/api/tickets").text


# --- 10. desk features ------------------------------------------------------------------------------


def test_private_notes_and_the_closed_ticket_history(desk):
    url, _, queue = desk()
    wang, li = login(url), login(url, "li")
    first = queue.open_ticket("history-a", "rest", HandoffReason.ASKED_FOR_HUMAN, summary="问异地就医备案")
    second = queue.open_ticket("history-b", "rest", HandoffReason.ASKED_FOR_HUMAN, summary="问退休金")
    note = wang.post(f"/console/api/tickets/{first.id}/notes", json={"text": "已约明天回电 13812345678"})
    assert note.status_code == 200 and note.json()["text"] == "已约明天回电 138****5678"  # masked like all stored data
    assert [n["agent"] for n in li.get(f"/console/api/tickets/{first.id}").json()["notes"]] == ["wang"]
    assert wang.post("/console/api/tickets/999/notes", json={"text": "x"}).status_code == 404
    assert wang.post(f"/console/api/tickets/{first.id}/notes", json={"text": " "}).status_code == 400
    assert not any(p["conversation_id"] == "history-a" for p in httpx.get(url + "/test/pushes").json())
    for ticket in (first, second):
        queue.take(ticket.id, "wang")
        queue.close(ticket.id, "wang")
    history = wang.get("/console/api/history").json()
    assert [t["id"] for t in history["tickets"]] == [second.id, first.id] and history["total"] == 2
    assert [t["id"] for t in wang.get("/console/api/history", params={"q": "异地"}).json()["tickets"]] == [first.id]
    assert wang.get("/console/api/history", params={"q": "%"}).json()["tickets"] == []  # no wildcards
