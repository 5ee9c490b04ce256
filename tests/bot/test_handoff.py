from bot.handoff import HandoffQueue, HandoffReason, TicketStatus


def test_one_open_ticket_per_conversation(tmp_path):
    queue = HandoffQueue(f"sqlite:///{tmp_path / 'h.db'}")
    first = queue.open_ticket("c1", "rest", HandoffReason.ASKED_FOR_HUMAN, contact="13812345678")
    again = queue.open_ticket("c1", "rest", HandoffReason.DISSATISFIED)
    other = queue.open_ticket("c2", "socketio", HandoffReason.NOT_UNDERSTOOD)
    assert first.id == again.id != other.id
    assert first.contact == "138****5678" and first.status is TicketStatus.WAITING
    assert [t.conversation_id for t in queue.tickets(TicketStatus.WAITING)] == ["c1", "c2"]


def test_tickets_survive_a_new_queue_object(tmp_path):
    url = f"sqlite:///{tmp_path / 'h.db'}"
    HandoffQueue(url).open_ticket("c1", "rest", HandoffReason.NEEDS_PERSONAL_RECORDS, summary="卡号6222021234567890123")
    ticket = HandoffQueue(url).open_ticket_for("c1")
    assert ticket.reason is HandoffReason.NEEDS_PERSONAL_RECORDS
    assert "6222021234567890123" not in ticket.summary
    assert HandoffQueue(url).open_ticket_for("nobody") is None


def test_default_url_is_sqlite_in_data_dir(tmp_path, monkeypatch):
    monkeypatch.delenv("HANDOFF_DB_URL", raising=False)
    import bot.config

    monkeypatch.setattr(bot.config, "DATA_DIR", tmp_path / "var")
    queue = HandoffQueue()
    assert queue.url == f"sqlite:///{tmp_path / 'var' / 'handoff.db'}"
    assert (tmp_path / "var" / "handoff.db").exists()
