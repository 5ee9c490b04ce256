"""The action server accepts calls only from the Rasa server (issue 14: a forged /webhook call with
next_action=action_handoff created a ticket), and caps new hand-off tickets per client address."""

import os
import subprocess
import sys
import time
import urllib.request

import httpx
import pytest

from bot.testing import free_port
from policy_core.config import PROJECT_ROOT
from policy_core.handoff import HandoffQueue

SECRET = "test-action-secret-0123456789"
CONTACT_KEY = "aXNzdWUxNC10ZXN0LWNvbnRhY3Qta2V5LTMyYnl0ZXM="  # a Fernet key for this test only


@pytest.fixture(scope="module")
def action_server(tmp_path_factory):
    work = tmp_path_factory.mktemp("actions")
    port = free_port()
    db = f"sqlite:///{work / 'handoff.db'}"
    env = {
        **os.environ,
        "PYTHONPATH": str(PROJECT_ROOT),
        "ACTION_SERVER_TOKEN": SECRET,
        "HANDOFF_DB_URL": db,
        "POLICY_DATA_DIR": str(work),
        "HANDOFF_TICKETS_PER_CLIENT_PER_MINUTE": "2",
        "HANDOFF_CONTACT_KEY": CONTACT_KEY,
    }
    log = work / "actions.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.action_server", "--port", str(port)],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=open(log, "wb"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            urllib.request.urlopen(url + "/health", timeout=2).read()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(log.read_text(errors="replace")[-3000:])
            time.sleep(0.3)
    yield url, HandoffQueue(db), log
    process.terminate()
    process.wait(timeout=20)


def handoff_call(sender, client_tag="c-forged", text="转人工"):
    event = {
        "event": "user",
        "text": text,
        "timestamp": time.time(),
        "input_channel": "rest",
        "parse_data": {"intent": {"name": "request_human", "confidence": 1.0}, "entities": []},
        "metadata": {"client_tag": client_tag},
    }
    return {
        "next_action": "action_handoff",
        "sender_id": sender,
        "version": "3.6.21",
        "domain": {},
        "tracker": {
            "sender_id": sender,
            "slots": {},
            "latest_message": {
                "text": text,
                "intent": {"name": "request_human", "confidence": 1.0},
                "entities": [],
                "metadata": {"client_tag": client_tag},
            },
            "events": [event],
            "paused": False,
            "latest_input_channel": "rest",
            "latest_action_name": "action_listen",
            "active_loop": {},
        },
    }


def test_listens_on_loopback_by_default():
    from bot.run import action_server_command

    command = action_server_command(5055)
    assert command[command.index("--host") + 1] == "127.0.0.1"


def test_a_forged_call_without_the_token_is_refused(action_server):
    url, queue, log = action_server
    for headers in ({}, {"Authorization": "Bearer wrong"}):
        refused = httpx.post(url + "/webhook", json=handoff_call("forged-1"), headers=headers)
        assert refused.status_code == 401
    assert httpx.post(url + "/webhook?token=wrong", json=handoff_call("forged-1")).status_code == 401
    assert httpx.get(url + "/actions").status_code == 401
    assert queue.open_ticket_for("forged-1") is None
    assert "without a valid token refused (client 127.0.0.1)" in log.read_text(errors="replace")


def test_the_rasa_servers_call_with_the_token_works(action_server):
    url, queue, _ = action_server
    done = httpx.post(
        url + "/webhook", json=handoff_call("real-1", "c-one"), headers={"Authorization": f"Bearer {SECRET}"}
    )
    assert done.status_code == 200 and any(e.get("event") == "pause" for e in done.json()["events"])
    assert queue.open_ticket_for("real-1") is not None
    # Rasa's own `token:` in endpoints.yml sends it as a query parameter: also accepted.
    assert httpx.post(url + f"/webhook?token={SECRET}", json=handoff_call("real-2", "c-two")).status_code == 200
    assert queue.open_ticket_for("real-2") is not None


def test_new_tickets_per_client_address_are_capped(action_server):
    url, queue, _ = action_server
    auth = {"Authorization": f"Bearer {SECRET}"}
    for index in range(4):  # new sender ids, one address: only two tickets a minute (set above)
        assert (
            httpx.post(url + "/webhook", json=handoff_call(f"flood-{index}", "c-flooder"), headers=auth).status_code
            == 200
        )
    opened = [i for i in range(4) if queue.open_ticket_for(f"flood-{i}") is not None]
    assert opened == [0, 1]
    assert (
        httpx.post(url + "/webhook", json=handoff_call("other-address", "c-someone-else"), headers=auth).status_code
        == 200
    )
    assert queue.open_ticket_for("other-address") is not None


def test_the_contact_in_the_hand_off_message_is_sealed_for_a_call_back(action_server, monkeypatch):
    url, queue, _ = action_server
    call = handoff_call("callback-1", "c-callback", "请回电13812345678，转人工")
    assert httpx.post(url + "/webhook", json=call, headers={"Authorization": f"Bearer {SECRET}"}).status_code == 200
    ticket = queue.open_ticket_for("callback-1")
    assert ticket.contact == "138****5678" and ticket.has_full_contact
    monkeypatch.setenv("HANDOFF_CONTACT_KEY", CONTACT_KEY)
    queue.take(ticket.id, "wang")
    assert queue.full_contact(ticket.id, "wang") == "13812345678"


@pytest.mark.model
def test_the_rasa_server_sends_the_token(tmp_path):
    from bot.testing import start_assistant

    assistant = start_assistant(tmp_path, extra_env={"ACTION_SERVER_TOKEN": SECRET})
    try:
        answer = " ".join(m.get("text", "") for m in assistant.say("token-resident", "我在职，1月份的钱什么时候到"))
        assert "3月5日" in answer  # answered by the action server, which requires the token
        forged = httpx.post(assistant.actions_url + "/webhook", json=handoff_call("forged-2"))
        assert forged.status_code == 401
        # The only refusal in the log is the forged call: every call of the Rasa server carried the token.
        assert (assistant.log_dir / "actions.log").read_text(errors="replace").count("without a valid token") == 1
    finally:
        assistant.stop()
