"""Call-back contacts: sealed at rest with HANDOFF_CONTACT_KEY, full only for the holding agent, erased
after the retention time (issue 14, finding 9)."""

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import update

from policy_core.contact import REQUEST_CONTACT, ContactVault, find_raw_contact
from policy_core.handoff import HandoffQueue, HandoffReason, TicketRow

KEY = Fernet.generate_key().decode()
PHONE = "13812345678"


@pytest.fixture
def queue(tmp_path, monkeypatch):
    monkeypatch.setenv("HANDOFF_CONTACT_KEY", KEY)
    return HandoffQueue(f"sqlite:///{tmp_path / 'handoff.db'}")


def test_vault_seals_and_opens_only_with_its_key():
    sealed = ContactVault(KEY).seal(PHONE)
    assert PHONE not in sealed and ContactVault(KEY).open(sealed) == PHONE
    assert ContactVault(Fernet.generate_key().decode()).open(sealed) is None
    assert ContactVault(None).seal(PHONE) is None  # no key: nothing kept in full
    with pytest.raises(ValueError, match="Fernet"):
        ContactVault("not-a-key")


def test_raw_contact_is_found_in_a_message():
    assert find_raw_contact(f"我的电话是{PHONE}，转人工") == PHONE
    assert find_raw_contact("邮箱 wang.li@example.com") == "wang.li@example.com"
    assert find_raw_contact("转人工") is None and find_raw_contact(None) is None


def test_the_hand_off_messages_contact_is_sealed_and_shown_only_to_the_holder(queue, tmp_path):
    token = REQUEST_CONTACT.set(PHONE)
    try:
        ticket = queue.open_ticket("call-me", "rest", HandoffReason.ASKED_FOR_HUMAN, contact="138****5678")
    finally:
        REQUEST_CONTACT.reset(token)
    raw = sqlite3.connect(tmp_path / "handoff.db").execute("select * from handoff_tickets").fetchall()
    assert PHONE not in str(raw) and ticket.contact == "138****5678" and ticket.has_full_contact
    assert queue.full_contact(ticket.id, "wang") is None  # waiting: nobody holds it
    queue.take(ticket.id, "wang")
    assert queue.full_contact(ticket.id, "wang") == PHONE
    assert queue.full_contact(ticket.id, "li") is None


def test_a_number_given_before_the_hand_off_is_kept_for_it(queue):
    queue.note_contact("earlier", PHONE)
    ticket = queue.open_ticket("earlier", "rest", HandoffReason.ASKED_FOR_HUMAN, contact=None)
    assert ticket.contact == "138****5678"  # the masked contact is no longer empty
    queue.take(ticket.id, "wang")
    assert queue.full_contact(ticket.id, "wang") == PHONE


def test_contacts_are_erased_after_the_retention_time(queue):
    token = REQUEST_CONTACT.set(PHONE)
    try:
        old = queue.open_ticket("old", "rest", HandoffReason.ASKED_FOR_HUMAN)
        recent = queue.open_ticket("recent", "rest", HandoffReason.ASKED_FOR_HUMAN)
    finally:
        REQUEST_CONTACT.reset(token)
    queue.note_contact("stale-note", PHONE)
    for ticket in (old, recent):
        queue.take(ticket.id, "wang")
        queue.close(ticket.id, "wang")
    with queue._session.begin() as session:
        session.execute(
            update(TicketRow).where(TicketRow.id == old.id).values(closed_at=datetime.now(UTC) - timedelta(days=31))
        )
        session.execute(
            update(TicketRow.__table__.metadata.tables["handoff_contact_notes"]).values(
                noted_at=datetime.now(UTC) - timedelta(days=2)
            )
        )
    assert queue.erase_contacts(timedelta(days=30)) == 2
    assert not queue.ticket(old.id).has_full_contact and queue.ticket(recent.id).has_full_contact
    assert queue.open_ticket("stale-note", "rest", HandoffReason.ASKED_FOR_HUMAN).contact is None


def test_the_tracker_store_notes_a_contact_while_it_masks_it(tmp_path, monkeypatch):
    from rasa.shared.core.events import UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.tracker_store import EnvSQLTrackerStore

    monkeypatch.setenv("HANDOFF_CONTACT_KEY", KEY)
    monkeypatch.setenv("HANDOFF_DB_URL", f"sqlite:///{tmp_path / 'handoff.db'}")
    store = EnvSQLTrackerStore(url=f"sqlite:///{tmp_path / 'tracker.db'}")
    tracker = DialogueStateTracker.from_events("resident-9", [UserUttered(f"我的手机{PHONE}")])
    asyncio.run(store.save(tracker))
    assert PHONE not in str(sqlite3.connect(tmp_path / "tracker.db").execute("select data from events").fetchall())
    queue = HandoffQueue(f"sqlite:///{tmp_path / 'handoff.db'}")
    ticket = queue.open_ticket("resident-9", "rest", HandoffReason.ASKED_FOR_HUMAN)
    queue.take(ticket.id, "wang")
    assert queue.full_contact(ticket.id, "wang") == PHONE
