"""What the page gets (docs/webchat.md): one message per bot message with the short answer, its folded
details, the answer id for 👍/👎, who wrote it and when; the page's texts from the wording layer; the
hand-off queue position, only for the socket's own session and not faster than the server allows."""

import asyncio
import json
import re
from datetime import UTC, datetime, timedelta

from bot.channels import socketio as channel_module
from bot.channels.socketio import WebChatOutput, page_message, render_page
from policy_core import wording
from policy_core.handoff import HandoffQueue, HandoffReason

from .test_webchat_channel import recording_channel

SESSION = "33333333333333333333333333333333"
OTHER = "44444444444444444444444444444444"


class RecordingSio:
    def __init__(self):
        self.emitted = []

    async def emit(self, event, data=None, room=None, **_):
        self.emitted.append((event, data, room))


def sent(message):
    sio = RecordingSio()
    asyncio.run(WebChatOutput(sio, "bot_uttered").send_response(SESSION, message))
    return [data for _, data, _ in sio.emitted]


def test_an_answer_is_one_message_with_its_details_apart_and_its_answer_id():
    [message] = sent(
        {
            "text": "1月的钱3月5日前到账。\n\n依据：《北京市基本医疗保险规定》",
            "short": "1月的钱3月5日前到账。",
            "details": "依据：《北京市基本医疗保险规定》",
            "answer_id": 12,
            "buttons": [{"title": "转人工", "payload": "/request_human"}],
        }
    )
    assert message["text"] == "1月的钱3月5日前到账。"
    assert message["details"] == "依据：《北京市基本医疗保险规定》"
    assert message["answer_id"] == 12 and message["sender"] == "bot" and isinstance(message["time"], float)
    assert message["quick_replies"] == [{"content_type": "text", "title": "转人工", "payload": "/request_human"}]


def test_a_message_without_details_is_not_split_and_has_no_rating():
    [message] = sent({"text": "第一段。\n\n第二段。", "answer_id": "12; drop table"})
    assert message["text"] == "第一段。\n\n第二段。"
    assert "details" not in message and "answer_id" not in message


def test_the_hand_off_message_tells_the_page_to_wait():
    [message] = sent({"text": "已为您转接人工客服", "handoff": "queued"})
    assert message["handoff"] == "queued"


def test_a_staff_message_names_the_staff_member():
    message = page_message("您好", staff_name="王小明", reply_id=3)
    assert (message["sender"], message["staff_name"], message["reply_id"]) == ("staff", "王小明", 3)


def test_the_page_texts_come_from_the_wording_layer_and_cannot_break_out_of_their_block(monkeypatch):
    monkeypatch.setitem(wording.WEBCHAT_PAGE_TEXTS, "hint", "</script><script>alert(1)</script>")
    html = render_page(
        '<script type="application/json" id="chat-texts">{{texts_json}}</script>'
        '<input data-max-chars="{{max_chars}}"><div data-history-days="{{history_days}}">'
    )
    block = re.search(r'id="chat-texts">(.*?)</script>', html).group(1)
    assert "<" not in block
    texts = json.loads(block)
    assert texts["hint"] == "</script><script>alert(1)</script>"
    assert texts["basis_summary"] == "依据与出处"
    assert "7天" in texts["privacy_notice"] and "{days}" not in texts["privacy_notice"]
    assert 'data-max-chars="500"' in html and 'data-history-days="7"' in html


def test_the_served_page_has_no_placeholder_left():
    html = render_page((channel_module.WEB_DIR / "index.html").read_text(encoding="utf-8"))
    assert "{{" not in html


def test_queue_status_for_the_sockets_own_session_only_and_not_too_often(tmp_path, monkeypatch):
    monkeypatch.setenv("HANDOFF_DB_URL", f"sqlite:///{tmp_path / 'handoff.db'}")
    queue = HandoffQueue()
    queue.open_ticket(OTHER, "socketio", HandoffReason.ASKED_FOR_HUMAN)
    queue.open_ticket(SESSION, "socketio", HandoffReason.ASKED_FOR_HUMAN)
    _, state, handlers = recording_channel()
    clock = [1000.0]
    monkeypatch.setattr(channel_module.time, "monotonic", lambda: clock[0])

    async def conversation():
        await handlers["queue_status_request"]("sid-1", {"session_id": OTHER})  # before session_request
        await handlers["session_request"]("sid-1", {"session_id": SESSION})
        await handlers["queue_status_request"]("sid-1", {"session_id": OTHER})  # asks for another session
        await handlers["queue_status_request"]("sid-1")  # too soon: ignored
        clock[0] += channel_module.QUEUE_STATUS_EVERY
        await handlers["queue_status_request"]("sid-1")

    asyncio.run(conversation())
    statuses = [(data, room) for event, data, room in state.emitted if event == "queue_status"]
    assert len(statuses) == 2
    assert all(room == "sid-1" for _, room in statuses)
    assert statuses[0][0]["state"] == "waiting" and statuses[0][0]["position"] == 1  # its own ticket, not OTHER's
    assert statuses[0][0]["text"].startswith("已排队，前面还有 1 位")


def test_queue_status_follows_the_ticket(tmp_path):
    queue = HandoffQueue(f"sqlite:///{tmp_path / 'handoff.db'}")
    assert queue.queue_status(SESSION).state == "none"
    first = queue.open_ticket(OTHER, "socketio", HandoffReason.ASKED_FOR_HUMAN)
    mine = queue.open_ticket(SESSION, "socketio", HandoffReason.ASKED_FOR_HUMAN)
    status = queue.queue_status(SESSION)
    assert (status.state, status.position, status.wait_minutes) == ("waiting", 1, None)  # no pace known yet
    queue.take(first.id, "wang")
    assert queue.queue_status(SESSION).position == 0
    assert wording.queue_status_line("waiting", 0, None, False) == "已排队，您是下一位。"
    queue.take(mine.id, "li")
    assert queue.queue_status(SESSION).state == "taken"
    queue.close(mine.id, "li")
    assert queue.queue_status(SESSION).state == "none"


def test_the_wait_comes_from_the_recent_pace_of_takes(tmp_path):
    queue = HandoffQueue(f"sqlite:///{tmp_path / 'handoff.db'}")
    now = datetime.now(UTC)
    done = [queue.open_ticket(f"done-{i}", "rest", HandoffReason.ASKED_FOR_HUMAN) for i in range(4)]
    for ticket in done:
        queue.take(ticket.id, "wang")
    # takes 4 minutes apart
    with queue._session.begin() as session:
        from policy_core.handoff import TicketRow

        for i, ticket in enumerate(done):
            session.get(TicketRow, ticket.id).taken_at = now - timedelta(minutes=4 * (4 - i))
    queue.open_ticket(OTHER, "socketio", HandoffReason.ASKED_FOR_HUMAN)
    queue.open_ticket(SESSION, "socketio", HandoffReason.ASKED_FOR_HUMAN)
    status = queue.queue_status(SESSION, now=now)
    assert status.position == 1 and status.wait_minutes == 8  # two takes at 4 minutes each
    assert "预计等待约 8 分钟" in wording.queue_status_line(status.state, status.position, status.wait_minutes, False)
