"""Hostile and odd input over REST: a polite reply, never a 5xx, and the server keeps answering."""
import pytest

from bot.evaluation import reply_text

ODD_MESSAGES = [
    "",
    "   ",
    "\n\t",
    "医" * 5000,
    "😀😂🤣" * 50,
    "医保 account 什么时候 arrive？ 1月",
    "'; DROP TABLE events; --",
    "<script>alert('x')</script>医保存折",
    "<b>转</b>人工",
    "SELECT * FROM handoff_tickets",
    "ещё вопрос по страховке",
    "醫保存摺裡的錢什麼時候到賬",
    "\u0000\u0001\u0002",
    "%s%s%s{0}{1}",
]


@pytest.mark.parametrize("index", range(len(ODD_MESSAGES)))
def test_odd_message_gets_a_reply(assistant, index):
    status, body = assistant.post("/webhooks/rest/webhook", {"sender": f"odd-{index}", "message": ODD_MESSAGES[index]})
    assert status == 200
    assert isinstance(body, list)
    text = reply_text(body)
    assert text.strip(), f"no reply to {ODD_MESSAGES[index][:30]!r}"
    assert "<script>" not in text
    # still alive and answering normally afterwards
    after = reply_text(assistant.say(f"odd-after-{index}", "医保存折是什么"))
    assert "个人账户" in after


@pytest.mark.parametrize(
    "payload",
    [b"not json", b"{}", b"[1,2,3]", b'"text"', b"null", b'{"message": {"a": 1}}', b'{"sender": ["x"], "message": "hi"}',
     b'{"sender": "", "message": "hi"}', b'{"sender": true, "message": "hi"}', b'{"sender": "s", "message": 5}',
     b'{"sender": "s", "message": "hi", "metadata": [1]}' + b" " * 10, b"{" * 5000 + b"}" * 5000],
)
def test_malformed_requests_are_refused_cleanly(assistant, payload):
    status, body = assistant.post("/webhooks/rest/webhook", payload)
    if payload.startswith(b'{"sender": "s", "message": "hi", "metadata"'):
        assert status == 200  # odd metadata is dropped, the message is answered
    else:
        assert status == 400, (status, body)
    assert "个人账户" in reply_text(assistant.say("odd-malformed", "医保存折是什么"))


def test_a_flooding_sender_is_slowed_down_politely(assistant):
    from bot.rate_limit import TOO_FAST_TEXT

    replies = [reply_text(assistant.say("flood-1", "你好")) for _ in range(30)]
    refused = [r for r in replies if r == TOO_FAST_TEXT]
    assert replies[0] != TOO_FAST_TEXT and len(refused) >= 5  # burst of 20, then 30 a minute
    assert "个人账户" in reply_text(assistant.say("flood-2", "医保存折是什么"))  # others are not affected
