import asyncio

from bot.handoff_guard import STILL_WITH_AGENT_TEXT, HandoffGuard, is_reset_command


class Output:
    def __init__(self):
        self.sent = []

    async def send_text_message(self, recipient, text):
        self.sent.append((recipient, text))


class Message:
    def __init__(self, text, sender="s-1"):
        self.text, self.sender_id, self.output_channel = text, sender, Output()


def test_reset_commands():
    assert is_reset_command("/restart") and is_reset_command(" /RESTART ") and is_reset_command('/restart{"a":1}')
    assert is_reset_command("/session_start")
    assert not is_reset_command("restart") and not is_reset_command("/request_human") and not is_reset_command(None)


def test_restart_is_stopped_only_while_the_desk_holds_the_conversation(tmp_path, monkeypatch):
    from policy_core.handoff import HandoffQueue, HandoffReason

    monkeypatch.setenv("HANDOFF_DB_URL", f"sqlite:///{tmp_path / 'handoff.db'}")
    HandoffQueue().open_ticket("held", "rest", HandoffReason.ASKED_FOR_HUMAN)
    passed = []

    async def rasa(message):
        passed.append(message.text)

    handle = HandoffGuard().wrap(rasa)
    held, free, question = Message("/restart", "held"), Message("/restart", "free"), Message("你好", "held")
    for message in (held, free, question):
        asyncio.run(handle(message))
    assert held.output_channel.sent == [("held", STILL_WITH_AGENT_TEXT)]
    assert passed == ["/restart", "你好"]  # the free conversation restarts; other messages are logged as usual
