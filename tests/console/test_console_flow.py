"""The agent console against the real assistant: login, queue, transcript, take, reply, close, rating.

Residents come over REST and over Telegram (stub Bot API on 127.0.0.1); the browser flow with the web
chat is in test_console_browser.py.
"""

import statistics
import threading
import time

import httpx
import pytest

from bot.console.accounts import save_account
from bot.testing import start_assistant
from policy_core.handoff import HandoffQueue
from tests.telegram.stub_bot_api import StubBotApi, callback_update, message_update

pytestmark = pytest.mark.model

TOKEN = "123:CONSOLE"
PASSWORD = "agent-pass-1"
LOCKOUT_SECONDS = 4  # short, so the login-flood test can show the lockout end


@pytest.fixture(scope="module")
def stub():
    server = StubBotApi(tokens=(TOKEN,)).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    work = tmp_path_factory.mktemp("console")
    accounts = work / "agents.yml"
    save_account("wang", PASSWORD, "王小明", path=accounts)
    save_account("li", PASSWORD, "李四", path=accounts)
    (work / "credentials.yml").write_text(
        "bot.channels.rest.ValidatingRestInput:\nbot.channels.telegram.TelegramInput:\n"
        "bot.console.channel.AgentConsoleInput:\n",
        encoding="utf-8",
    )
    return work


def _start(work, stub):
    return start_assistant(
        work,
        credentials=work / "credentials.yml",
        extra_env={
            "AGENT_ACCOUNTS_FILE": str(work / "agents.yml"),
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": stub.base_url,
            "TELEGRAM_POLL_TIMEOUT": "1",
            "LOGIN_LOCKOUT_MINUTES": str(LOCKOUT_SECONDS / 60),
        },
    )


@pytest.fixture(scope="module")
def assistant(work, stub):
    running = _start(work, stub)
    yield running
    running.stop()


def login(assistant, username="wang", password=PASSWORD) -> httpx.Client:
    client = httpx.Client(base_url=assistant.url, timeout=60)
    response = client.post("/console/login", data={"username": username, "password": password})
    assert response.status_code == 303 and response.headers["location"] == "/console/"
    client.headers["X-CSRF-Token"] = client.get("/console/api/me").json()["csrf_token"]  # as console.js does
    return client


def ticket_of(client, conversation_id):
    tickets = client.get("/console/api/tickets").json()["tickets"]
    return next(t for t in tickets if t["conversation_id"] == conversation_id)


@pytest.mark.parametrize(
    "method,path",
    [
        ("GET", "/console/"),
        ("GET", "/console/static/console.js"),
        ("GET", "/console/api/tickets"),
        ("GET", "/console/api/tickets/1"),
        ("GET", "/console/api/me"),
        ("POST", "/console/api/tickets/1/take"),
        ("POST", "/console/api/tickets/1/reply"),
        ("POST", "/console/api/tickets/1/close"),
    ],
)
def test_nothing_works_without_login(assistant, method, path):
    for cookies in ({}, {"console_session": "forged"}):
        response = httpx.request(method, assistant.url + path, cookies=cookies, json={"text": "x"}, timeout=30)
        assert response.status_code == 401, (path, response.status_code)
        assert "console_session" not in response.headers.get("set-cookie", "")


def test_wrong_password_is_refused(assistant):
    response = httpx.post(assistant.url + "/console/login", data={"username": "wang", "password": "guess"})
    assert response.status_code == 401 and "用户名或密码不正确" in response.text
    assert "set-cookie" not in response.headers
    assert httpx.get(assistant.url + "/console/login").status_code == 200  # the form itself is public


def test_rest_resident_is_served_by_an_agent(assistant):
    resident = "rest-resident-1"
    assistant.say(resident, "我的电话是13812345678，我要转人工")
    wang, li = login(assistant), login(assistant, "li")
    assert wang.get("/console/").status_code == 200 and "人工坐席" in wang.get("/console/").text
    ticket = ticket_of(wang, resident)
    assert ticket["status"] == "waiting" and ticket["reason"] == "asked_for_human"
    assert ticket["channel"] == "rest" and ticket["contact"] == "138****5678"
    assert ticket["waiting_seconds"] >= 0

    detail = wang.get(f"/console/api/tickets/{ticket['id']}").json()
    first = detail["transcript"][0]
    assert first["role"] == "resident" and first["intent"] == "request_human" and first["confidence"] > 0.5
    assert "13812345678" not in str(detail) and "138****5678" in first["text"]
    assert any(line["role"] == "bot" and "12345" in line["text"] for line in detail["transcript"])

    # Replying needs the ticket; two agents cannot both take it.
    assert wang.post(f"/console/api/tickets/{ticket['id']}/reply", json={"text": "您好"}).status_code == 409
    assert wang.post(f"/console/api/tickets/{ticket['id']}/take").status_code == 200
    refused = li.post(f"/console/api/tickets/{ticket['id']}/take")
    assert refused.status_code == 409 and "wang" in refused.json()["error"]
    assert li.post(f"/console/api/tickets/{ticket['id']}/close").status_code == 409

    # The bot is silent while the agent has the conversation; new messages show up in the transcript.
    assert assistant.say(resident, "请问还要等多久") == []
    lines = wang.get(f"/console/api/tickets/{ticket['id']}").json()["transcript"]
    assert lines[-1]["role"] == "resident" and lines[-1]["text"] == "请问还要等多久"

    assert wang.post(f"/console/api/tickets/{ticket['id']}/reply", json={"text": "  "}).status_code == 400
    reply = wang.post(f"/console/api/tickets/{ticket['id']}/reply", json={"text": "您好，我是王小明，马上为您查询。"})
    assert reply.status_code == 200 and reply.json()["delivered"] is False  # REST cannot push; stored
    assert reply.json()["state"] == "waiting"  # … and sent with the resident's next message
    events = assistant.tracker(resident)["events"]
    assert any(e["event"] == "bot" and e["text"] == "您好，我是王小明，马上为您查询。" for e in events)
    assert assistant.is_paused(resident)

    closed = wang.post(f"/console/api/tickets/{ticket['id']}/close")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert not assistant.is_paused(resident)
    answer = " ".join(m.get("text", "") for m in assistant.say(resident, "满意"))
    assert "感谢您的评价" in answer
    assert (
        HandoffQueue(f"sqlite:///{assistant.data_dir / 'handoff.db'}").ticket(ticket["id"]).rating.value == "satisfied"
    )
    counts = wang.get("/console/api/tickets").json()["counts"]
    assert counts["closed_today"] >= 1 and counts["satisfaction_rate"] is not None
    # The bot answers policy questions again.
    assert "3月5日" in " ".join(m.get("text", "") for m in assistant.say(resident, "我在职，1月份的钱什么时候到"))


def test_queue_lists_longest_waiting_first(assistant):
    for resident in ("order-a", "order-b"):
        assistant.say(resident, "转人工")
    time.sleep(1.1)
    assistant.say("order-b", "我还在等")  # newer activity does not jump the queue
    wang = login(assistant)
    ids = [
        t["conversation_id"]
        for t in wang.get("/console/api/tickets").json()["tickets"]
        if t["conversation_id"] in ("order-a", "order-b")
    ]
    assert ids == ["order-a", "order-b"]


def test_rest_cannot_write_into_a_telegram_conversation(assistant, stub):
    chat = 7002
    since = len(stub.calls)
    stub.queue(TOKEN, message_update(chat, "你好"))
    stub.wait_messages(chat, since=since)
    deadline = time.monotonic() + 10  # the tracker is written just after the answer is sent
    while (before := assistant.tracker(str(chat)))["latest_input_channel"] != "telegram":
        assert time.monotonic() < deadline, before["latest_input_channel"]
        time.sleep(0.2)
    for body in (
        {"sender": str(chat), "message": "转人工"},
        {"sender": chat, "message": "转人工"},
        {"sender": str(chat), "message": "转人工", "input_channel": "telegram"},
        {"sender": "x" + str(chat), "message": "转人工", "input_channel": "telegram"},
    ):
        status, answer = assistant.post("/webhooks/rest/webhook", body)
        assert status == 400, (body, answer)
    after = assistant.tracker(str(chat))
    assert after["latest_input_channel"] == "telegram" and len(after["events"]) == len(before["events"])
    wang = login(assistant)
    assert not any(t["conversation_id"] == str(chat) for t in wang.get("/console/api/tickets").json()["tickets"])


def test_residents_are_answered_during_a_login_flood(assistant):
    """The attack of issue 14: 16 parallel wrong-password logins used to stall REST replies for 11–14 s."""
    assistant.say("flood-warm-up", "医保存折是什么")
    stop = time.monotonic() + 4
    statuses = []

    def guess(index):
        with httpx.Client(base_url=assistant.url, timeout=60) as client:
            while time.monotonic() < stop:
                statuses.append(
                    client.post("/console/login", data={"username": "wang", "password": f"guess-{index}"}).status_code
                )

    workers = [threading.Thread(target=guess, args=(i,)) for i in range(16)]
    for worker in workers:
        worker.start()
    latencies = []
    while time.monotonic() < stop:
        started = time.perf_counter()
        answer = assistant.say(f"flood-resident-{len(latencies)}", "医保存折是什么")
        latencies.append(time.perf_counter() - started)
        assert "个人账户" in " ".join(m.get("text", "") for m in answer)
    for worker in workers:
        worker.join()
    assert statistics.quantiles(latencies, n=20)[-1] < 1.0, latencies
    assert 429 in statuses
    refused = httpx.post(assistant.url + "/console/login", data={"username": "wang", "password": PASSWORD})
    assert refused.status_code == 429  # locked out: not even the right password
    time.sleep(LOCKOUT_SECONDS + 0.5)
    login(assistant)  # the lockout is temporary


def test_telegram_resident_gets_the_agents_reply_and_rates(assistant, stub):
    chat = 7001
    since = len(stub.calls)
    stub.queue(TOKEN, message_update(chat, "/human"))
    stub.wait_messages(chat, since=since)
    wang = login(assistant)
    ticket = ticket_of(wang, str(chat))
    assert ticket["channel"] == "telegram"
    assert wang.post(f"/console/api/tickets/{ticket['id']}/take").status_code == 200

    since = len(stub.calls)
    started = time.monotonic()
    reply = wang.post(f"/console/api/tickets/{ticket['id']}/reply", json={"text": "您好，我是人工坐席王小明。"})
    assert reply.status_code == 200 and reply.json()["delivered"] is True and reply.json()["state"] == "delivered"
    [pushed] = stub.wait_messages(chat, since=since, timeout=10)
    assert pushed.text == "您好，我是人工坐席王小明。" and time.monotonic() - started < 5

    since = len(stub.calls)
    assert wang.post(f"/console/api/tickets/{ticket['id']}/close").status_code == 200
    question = stub.wait_messages(chat, since=since, timeout=10)[-1]
    assert "问题解决了吗" in question.text
    payloads = {button["text"]: button["callback_data"] for row in question.keyboard for button in row}
    assert payloads == {"满意，已解决": "/affirm", "不满意": "/complain"}

    since = len(stub.calls)
    stub.queue(TOKEN, callback_update(chat, payloads["不满意"], "rate-1", question.keyboard))
    thanks = stub.wait_messages(chat, since=since, settle=1.0)
    assert "评价已记录" in thanks[-1].text
    rated = HandoffQueue(f"sqlite:///{assistant.data_dir / 'handoff.db'}").ticket(ticket["id"])
    assert rated.rating.value == "unsatisfied"
    assert not any(t["conversation_id"] == str(chat) for t in wang.get("/console/api/tickets").json()["tickets"])


def test_bot_stays_silent_for_an_open_ticket_after_a_restart(work, stub, assistant):
    resident = "restart-resident"
    assistant.say(resident, "转人工")
    wang = login(assistant)
    assistant.stop()
    restarted = _start(work, stub)
    try:
        assert restarted.say(resident, "你好，还在吗") == []
        assert restarted.is_paused(resident)
        assert restarted.say("someone-else", "你好") != []  # the server itself answers
        wang.base_url = restarted.url  # the agent's session and the ticket survived the restart too
        assert ticket_of(wang, resident)["status"] == "waiting"
    finally:
        restarted.stop()
