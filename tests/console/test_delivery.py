"""Agents' replies are never lost (issue 14, finding 3): a web chat resident whose page is closed gets the
reply when the page reconnects; a REST resident with their next message; the console shows the true state.
Against the real assistant, with a socket.io client that speaks like web/chat.js."""

import time

import httpx
import pytest

from bot.console.accounts import save_account
from bot.testing import start_assistant
from policy_core.config import PROJECT_ROOT
from tests.socketio_client import ChatSocket

pytestmark = pytest.mark.model

PASSWORD = "agent-pass-1"


@pytest.fixture(scope="module")
def assistant(tmp_path_factory):
    work = tmp_path_factory.mktemp("delivery")
    save_account("wang", PASSWORD, "王小明", path=work / "agents.yml")
    running = start_assistant(
        work, credentials=PROJECT_ROOT / "credentials.yml", extra_env={"AGENT_ACCOUNTS_FILE": str(work / "agents.yml")}
    )
    yield running
    running.stop()


@pytest.fixture(scope="module")
def agent(assistant):
    client = httpx.Client(base_url=assistant.url, timeout=60)
    assert client.post("/console/login", data={"username": "wang", "password": PASSWORD}).status_code == 303
    client.headers["X-CSRF-Token"] = client.get("/console/api/me").json()["csrf_token"]
    return client


def take(agent, conversation_id):
    ticket = next(
        t for t in agent.get("/console/api/tickets").json()["tickets"] if t["conversation_id"] == conversation_id
    )
    assert agent.post(f"/console/api/tickets/{ticket['id']}/take").status_code == 200
    return ticket["id"]


def agent_lines(agent, ticket_id):
    return [
        line for line in agent.get(f"/console/api/tickets/{ticket_id}").json()["transcript"] if line["role"] == "agent"
    ]


def until(condition, what, timeout=15):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.2)


def test_a_reply_to_a_closed_web_chat_page_arrives_when_it_reopens(assistant, agent):
    page = ChatSocket(assistant.url)
    session = page.session()
    assert any("人工" in text for text in page.say(session, "转人工"))
    # The resident closes the tab. Like a phone that suspends it, this client does not say goodbye: the
    # server may still count the socket as connected (until Engine.IO's ping timeout) and push to it.
    page.close()
    ticket_id = take(agent, session)
    sent = agent.post(
        f"/console/api/tickets/{ticket_id}/reply", json={"text": "您好，我是王小明，请问有什么可以帮您？"}
    )
    assert sent.status_code == 200 and sent.json()["state"] in ("waiting", "sent") and sent.json()["delivered"] is False
    assert agent_lines(agent, ticket_id)[-1]["state_label"] in ("等待居民上线", "已发送")  # never "已送达"

    reopened = ChatSocket(assistant.url)
    assert reopened.session(session) == session
    [reply] = reopened.wait("bot_uttered")
    assert reply["text"] == "您好，我是王小明，请问有什么可以帮您？" and isinstance(reply["reply_id"], int)
    assert agent_lines(agent, ticket_id)[-1]["state"] == "sent"  # pushed, not yet confirmed
    reopened.sio.emit("agent_reply_received", {"reply_id": reply["reply_id"], "session_id": session})
    until(lambda: agent_lines(agent, ticket_id)[-1]["state"] == "delivered", "the page's confirmation")

    # An open page gets the next reply at once; once confirmed, a reconnect does not send it again.
    second = agent.post(f"/console/api/tickets/{ticket_id}/reply", json={"text": "请提供您的参保地。"}).json()
    assert second["state"] == "sent"
    pushed = reopened.wait("bot_uttered", 2)[-1]
    assert pushed["text"] == "请提供您的参保地。"
    reopened.sio.emit("agent_reply_received", {"reply_id": pushed["reply_id"]})
    until(lambda: agent_lines(agent, ticket_id)[-1]["state"] == "delivered", "the second confirmation")
    reopened.close()
    again = ChatSocket(assistant.url)
    again.session(session)
    time.sleep(1.5)
    assert again.of("bot_uttered") == []
    again.close()


def test_another_session_cannot_confirm_a_reply(assistant, agent):
    page = ChatSocket(assistant.url)
    session = page.session()
    page.say(session, "转人工")
    page.close()
    ticket_id = take(agent, session)
    reply_id = agent.post(f"/console/api/tickets/{ticket_id}/reply", json={"text": "在吗？"}).json()["reply_id"]
    stranger = ChatSocket(assistant.url)
    stranger.session()
    stranger.sio.emit("agent_reply_received", {"reply_id": reply_id})
    time.sleep(1)
    assert agent_lines(agent, ticket_id)[-1]["state"] in ("waiting", "sent")
    stranger.close()


def test_a_rest_resident_gets_waiting_replies_with_the_next_message(assistant, agent):
    resident = "delivery-rest-1"
    assistant.say(resident, "转人工")
    ticket_id = take(agent, resident)
    sent = agent.post(f"/console/api/tickets/{ticket_id}/reply", json={"text": "您好，请留下方便联系的时间。"}).json()
    assert sent["state"] == "waiting"
    answer = assistant.say(resident, "好的")
    assert [m.get("text") for m in answer] == ["您好，请留下方便联系的时间。"]
    assert agent_lines(agent, ticket_id)[-1]["state"] == "delivered"
    assert assistant.say(resident, "还有吗") == []  # delivered once


def test_restart_during_a_hand_off_is_answered_once_and_the_bot_stays_paused(assistant):
    from bot.handoff_guard import STILL_WITH_AGENT_TEXT
    from policy_core.handoff import HandoffQueue

    resident = "restart-during-hand-off"
    assistant.say(resident, "转人工")
    for command in ("/restart", "/restart", "/session_start"):
        assert [m.get("text") for m in assistant.say(resident, command)] == [STILL_WITH_AGENT_TEXT]
    assert assistant.is_paused(resident)
    assert assistant.say(resident, "转人工") == []  # a repeated request: still silent, still one ticket
    queue = HandoffQueue(f"sqlite:///{assistant.data_dir / 'handoff.db'}")
    assert queue.open_ticket_for(resident) is not None
    assert sum(t.conversation_id == resident for t in queue.tickets()) == 1

    page = ChatSocket(assistant.url)
    session = page.session()
    page.say(session, "转人工")
    assert page.say(session, "/restart") == [STILL_WITH_AGENT_TEXT]
    assert assistant.is_paused(session)
    page.close()


def test_the_rating_question_reaches_a_closed_web_chat_page_when_it_reopens(assistant, agent):
    page = ChatSocket(assistant.url)
    session = page.session()
    page.say(session, "转人工")
    ticket_id = take(agent, session)
    page.close()  # the resident's tab is closed (or suspended) when the agent closes the ticket
    closed = agent.post(f"/console/api/tickets/{ticket_id}/close").json()
    assert closed["status"] == "closed" and closed["rating_state"] in ("waiting", "sent")
    assert closed["delivered"] is False
    assert not assistant.is_paused(session)

    reopened = ChatSocket(assistant.url)
    reopened.session(session)
    [question] = reopened.wait("bot_uttered")
    assert "问题解决了吗" in question["text"] and isinstance(question["reply_id"], int)
    assert [(b["title"], b["payload"]) for b in question["quick_replies"]] == [
        ("满意，已解决", "/affirm"),
        ("不满意", "/complain"),
    ]
    reopened.sio.emit("agent_reply_received", {"reply_id": question["reply_id"], "session_id": session})
    until(
        lambda: (
            [line for line in agent_lines_all(agent, ticket_id) if "问题解决了吗" in line["text"]][-1]["state"]
            == "delivered"
        ),
        "the page's confirmation of the rating question",
    )
    # The resident answers it: the rating is recorded as after a question seen at once.
    assert "感谢您的评价" in " ".join(reopened.say(session, "/affirm"))
    from policy_core.handoff import HandoffQueue

    rated = HandoffQueue(f"sqlite:///{assistant.data_dir / 'handoff.db'}").ticket(ticket_id)
    assert rated.rating.value == "satisfied"
    reopened.close()


def test_a_rest_resident_gets_the_rating_question_with_the_next_message(assistant, agent):
    resident = "delivery-rest-rating"
    assistant.say(resident, "转人工")
    ticket_id = take(agent, resident)
    assert agent.post(f"/console/api/tickets/{ticket_id}/close").json()["rating_state"] == "waiting"
    first = assistant.say(resident, "你好")[0]
    assert "问题解决了吗" in first["text"] and [b["payload"] for b in first["buttons"]] == ["/affirm", "/complain"]


def agent_lines_all(agent, ticket_id):
    return agent.get(f"/console/api/tickets/{ticket_id}").json()["transcript"]
