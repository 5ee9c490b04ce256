"""The rating question after closing is kept like an agent's reply, with its buttons (no model needed; the
whole path against the real assistant is in test_delivery.py)."""

import asyncio

from bot.channels.socketio import reply_message
from bot.console.channel import RATING_BUTTONS, RATING_QUESTION
from bot.delivery import ReplyOutbox, deliver_waiting_replies
from policy_core.handoff import HandoffQueue, ReplyState


class RecordingOutput:
    def __init__(self):
        self.sent = []

    async def send_text_message(self, recipient_id, text, **_):
        self.sent.append((text, None))

    async def send_text_with_buttons(self, recipient_id, text, buttons, **_):
        self.sent.append((text, buttons))


class Message:
    def __init__(self, sender_id, output):
        self.sender_id, self.output_channel, self.text = sender_id, output, "你好"


def test_kept_replies_keep_their_buttons_and_reach_the_next_message(tmp_path):
    queue = HandoffQueue(f"sqlite:///{tmp_path / 'handoff.db'}")
    plain = queue.add_reply("rest-1", 1, "您好，请稍候。")
    rating = queue.add_reply("rest-1", 1, RATING_QUESTION, RATING_BUTTONS)
    pending = queue.undelivered_replies("rest-1")
    assert [(r.id, r.buttons) for r in pending] == [(plain, ()), (rating, tuple(RATING_BUTTONS))]

    outbox = ReplyOutbox()
    outbox.queue = queue  # the cached property, set to the test database
    output, answered = RecordingOutput(), []

    async def on_new_message(message):
        answered.append(message.text)

    asyncio.run(deliver_waiting_replies(on_new_message, outbox)(Message("rest-1", output)))
    assert output.sent == [("您好，请稍候。", None), (RATING_QUESTION, RATING_BUTTONS)]
    assert answered == ["你好"]
    assert queue.reply_states(1) == {plain: ReplyState.DELIVERED, rating: ReplyState.DELIVERED}


def test_the_web_chat_gets_a_kept_message_with_its_buttons_as_quick_replies():
    kept = reply_message("在吗？", 7, sent_at=1.5)
    assert kept == {"text": "在吗？", "reply_id": 7, "sender": "bot", "time": 1.5}
    staff = reply_message("您好", 9, staff_name="王小明")
    assert staff["sender"] == "staff" and staff["staff_name"] == "王小明"
    assert reply_message(RATING_QUESTION, 8, RATING_BUTTONS)["quick_replies"] == [
        {"content_type": "text", "title": "满意，已解决", "payload": "/affirm"},
        {"content_type": "text", "title": "不满意", "payload": "/complain"},
    ]
