import threading
from datetime import UTC, datetime, timedelta

import pytest

from policy_core.handoff import HandoffQueue, HandoffReason, Rating, TicketConflict, TicketStatus


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
    import policy_core.config

    monkeypatch.setattr(policy_core.config, "DATA_DIR", tmp_path / "var")
    queue = HandoffQueue()
    assert queue.url == f"sqlite:///{tmp_path / 'var' / 'handoff.db'}"
    assert (tmp_path / "var" / "handoff.db").exists()


def _queue(tmp_path) -> HandoffQueue:
    return HandoffQueue(f"sqlite:///{tmp_path / 'h.db'}")


def test_take_then_close_records_agent_and_times(tmp_path):
    queue = _queue(tmp_path)
    ticket = queue.open_ticket("c1", "socketio", HandoffReason.ASKED_FOR_HUMAN)
    taken = queue.take(ticket.id, "wang")
    assert taken.status is TicketStatus.TAKEN and taken.agent == "wang" and taken.taken_at is not None
    assert queue.take(ticket.id, "wang").agent == "wang"  # taking one's own ticket again is harmless
    closed = queue.close(ticket.id, "wang")
    assert closed.status is TicketStatus.CLOSED and closed.closed_at >= closed.taken_at
    assert queue.open_ticket_for("c1") is None
    # A new hand-off in the same conversation opens a new ticket.
    assert queue.open_ticket("c1", "socketio", HandoffReason.DISSATISFIED).id != ticket.id


def test_a_taken_ticket_cannot_be_taken_or_closed_by_another_agent(tmp_path):
    queue = _queue(tmp_path)
    ticket = queue.open_ticket("c1", "telegram", HandoffReason.NOT_UNDERSTOOD)
    queue.take(ticket.id, "wang")
    with pytest.raises(TicketConflict):
        queue.take(ticket.id, "li")
    with pytest.raises(TicketConflict):
        queue.close(ticket.id, "li")
    with pytest.raises(KeyError):
        queue.take(999, "li")
    assert queue.ticket(ticket.id).agent == "wang"


def test_only_one_of_many_agents_racing_gets_the_ticket(tmp_path):
    queue = _queue(tmp_path)
    ticket = queue.open_ticket("c1", "rest", HandoffReason.ASKED_FOR_HUMAN)
    barrier = threading.Barrier(8)
    winners, losers = [], []

    def attempt(agent: str) -> None:
        barrier.wait()
        try:
            queue.take(ticket.id, agent)
            winners.append(agent)
        except TicketConflict:
            losers.append(agent)

    threads = [threading.Thread(target=attempt, args=(f"agent{i}",)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(winners) == 1 and len(losers) == 7
    assert queue.ticket(ticket.id).agent == winners[0]


def test_rating_goes_to_the_latest_closed_unrated_ticket(tmp_path):
    queue = _queue(tmp_path)
    assert queue.record_rating("c1", Rating.SATISFIED) is None  # nothing closed yet
    first = queue.open_ticket("c1", "rest", HandoffReason.ASKED_FOR_HUMAN)
    queue.take(first.id, "wang")
    assert queue.record_rating("c1", Rating.SATISFIED) is None  # still open
    queue.close(first.id, "wang")
    rated = queue.record_rating("c1", Rating.UNSATISFIED)
    assert rated.id == first.id and rated.rating is Rating.UNSATISFIED
    assert queue.record_rating("c1", Rating.SATISFIED) is None  # a rating is given once


def test_counts(tmp_path):
    queue = _queue(tmp_path)
    start_of_day = datetime.now(UTC) - timedelta(hours=1)
    ids = [queue.open_ticket(f"c{i}", "rest", HandoffReason.ASKED_FOR_HUMAN).id for i in range(5)]
    for ticket_id in ids[:3]:
        queue.take(ticket_id, "wang")
    for ticket_id in ids[:2]:
        queue.close(ticket_id, "wang")
    queue.record_rating("c0", Rating.SATISFIED)
    counts = queue.counts(start_of_day)
    assert (counts.waiting, counts.taken, counts.closed_today) == (2, 1, 2)
    assert counts.rated == 1 and counts.satisfaction_rate == 1.0
    assert queue.counts(datetime.now(UTC) + timedelta(hours=1)).closed_today == 0
    assert HandoffQueue(f"sqlite:///{tmp_path / 'empty.db'}").counts(start_of_day).satisfaction_rate is None
