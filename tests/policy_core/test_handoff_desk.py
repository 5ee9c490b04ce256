"""Hand-off queue changes of issue 14: China-time day counts, the paged list, moving tickets, idle release."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import update

from policy_core.handoff import HandoffQueue, HandoffReason, TicketConflict, TicketFlood, TicketRow

CHINA = timezone(timedelta(hours=8))


@pytest.fixture
def queue(tmp_path):
    return HandoffQueue(f"sqlite:///{tmp_path / 'handoff.db'}")


def _set(queue, ticket_id, **values):
    with queue._session.begin() as session:
        session.execute(update(TicketRow).where(TicketRow.id == ticket_id).values(**values))


def test_closed_today_counts_from_china_midnight(queue):
    # Closed at 01:30 China time = 17:30 UTC the day before: "today" in China, "yesterday" in UTC.
    early = queue.open_ticket("early-bird", "rest", HandoffReason.ASKED_FOR_HUMAN)
    queue.take(early.id, "wang")
    queue.close(early.id, "wang")
    _set(queue, early.id, closed_at=datetime(2026, 12, 1, 1, 30, tzinfo=CHINA).astimezone(UTC))
    late = queue.open_ticket("yesterday", "rest", HandoffReason.ASKED_FOR_HUMAN)
    queue.take(late.id, "wang")
    queue.close(late.id, "wang")
    _set(queue, late.id, closed_at=datetime(2026, 11, 30, 23, 50, tzinfo=CHINA).astimezone(UTC))
    midnight = datetime(2026, 12, 1, 0, 0, tzinfo=CHINA)
    assert queue.counts(midnight).closed_today == 1


def test_console_midnight_is_china_midnight():
    from bot.console.channel import china_midnight

    # 20:00 UTC on 1 December is 04:00 on 2 December in China.
    assert china_midnight(datetime(2026, 12, 1, 20, 0, tzinfo=UTC)) == datetime(2026, 12, 2, tzinfo=CHINA)


def test_open_tickets_are_paged_longest_waiting_first(queue):
    ids = [queue.open_ticket(f"p-{i}", "rest", HandoffReason.ASKED_FOR_HUMAN).id for i in range(5)]
    _set(queue, ids[3], created_at=datetime(2026, 1, 1, tzinfo=UTC))  # waiting longest
    queue.take(ids[0], "wang")
    queue.close(ids[0], "wang")
    page, total = queue.open_tickets(0, 2)
    assert [t.id for t in page] == [ids[3], ids[1]] and total == 4
    assert [t.id for t in queue.open_tickets(2, 10)[0]] == [ids[2], ids[4]]


def test_ticket_cap_per_client(queue, monkeypatch):
    monkeypatch.setenv("HANDOFF_TICKETS_PER_CLIENT_PER_MINUTE", "2")
    for i in range(2):
        queue.open_ticket(f"cap-{i}", "rest", HandoffReason.ASKED_FOR_HUMAN, client="c-1")
    with pytest.raises(TicketFlood):
        queue.open_ticket("cap-2", "rest", HandoffReason.ASKED_FOR_HUMAN, client="c-1")
    queue.open_ticket("cap-0", "rest", HandoffReason.ASKED_FOR_HUMAN, client="c-1")  # an open one: no new ticket
    queue.open_ticket("cap-3", "rest", HandoffReason.ASKED_FOR_HUMAN, client="c-2")
    queue.open_ticket("cap-4", "rest", HandoffReason.ASKED_FOR_HUMAN)  # no client known: not capped


def test_release_transfer_and_supervisor(queue):
    ticket = queue.open_ticket("move", "rest", HandoffReason.ASKED_FOR_HUMAN)
    with pytest.raises(TicketConflict):
        queue.release(ticket.id, "wang")  # waiting: nothing to release
    queue.take(ticket.id, "wang")
    with pytest.raises(TicketConflict):
        queue.transfer(ticket.id, "li", "li")
    assert queue.transfer(ticket.id, "wang", "li").agent == "li"
    assert queue.transfer(ticket.id, "boss", "wang", supervisor=True).agent == "wang"
    released = queue.release(ticket.id, "boss", supervisor=True)
    assert released.status.value == "waiting" and released.agent is None
    assert queue.transfer(ticket.id, "boss", "li", supervisor=True).agent == "li"  # assign a waiting one
    with pytest.raises(KeyError):
        queue.release(999, "wang")


def test_idle_agents_tickets_return_to_the_queue(queue):
    idle = queue.open_ticket("idle", "rest", HandoffReason.ASKED_FOR_HUMAN)
    busy = queue.open_ticket("busy", "rest", HandoffReason.ASKED_FOR_HUMAN)
    queue.take(idle.id, "wang")
    queue.take(busy.id, "li")
    long_ago = datetime.now(UTC) - timedelta(minutes=30)
    _set(queue, idle.id, agent_seen_at=long_ago)
    _set(queue, busy.id, agent_seen_at=long_ago)
    queue.touch_agent("li")  # li is at the console
    released = queue.release_idle(timedelta(minutes=15))
    assert [t.id for t in released] == [idle.id]
    assert queue.ticket(idle.id).status.value == "waiting" and queue.ticket(busy.id).agent == "li"
    assert queue.release_idle(timedelta(minutes=15)) == []


def test_an_old_database_gets_the_new_columns(tmp_path):
    import sqlite3

    path = tmp_path / "old.db"
    with sqlite3.connect(path) as db:  # the table as the version before issue 14 created it
        db.execute(
            "CREATE TABLE handoff_tickets (id INTEGER PRIMARY KEY, conversation_id VARCHAR(255) NOT NULL, "
            "channel VARCHAR(64) NOT NULL, reason VARCHAR(64) NOT NULL, status VARCHAR(16) NOT NULL, "
            "agent VARCHAR(128), contact VARCHAR(255), summary TEXT, created_at DATETIME NOT NULL, "
            "updated_at DATETIME NOT NULL, after_hours BOOLEAN NOT NULL, taken_at DATETIME, "
            "closed_at DATETIME, rating VARCHAR(16))"
        )
    queue = HandoffQueue(f"sqlite:///{path}")
    ticket = queue.open_ticket("old-db", "rest", HandoffReason.ASKED_FOR_HUMAN, client="c-1")
    assert queue.open_tickets()[0][0].id == ticket.id
