"""Hand-off tickets: conversations waiting for (or held by) a human agent, stored through SQLAlchemy.

SQLite by default (var/handoff.db); any SQLAlchemy URL via HANDOFF_DB_URL (e.g. PostgreSQL).
Contact data and summaries are masked before they are written.

Flood resistance: at most HANDOFF_TICKETS_PER_CLIENT_PER_MINUTE (default 10; 0 = off) new tickets per client
(the channel's tag of the resident's network address, see bot/client.py) and minute; the open-ticket list
is read from one indexed query, a page at a time, longest waiting first.
"""

from __future__ import annotations

import enum
import json
import math
import os
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Optional

from sqlalchemy import Boolean, Column, DateTime, Index, Integer, String, Text, delete, func, select, update
from sqlalchemy.orm import sessionmaker

from .config import database_url
from .contact import REQUEST_CONTACT, vault
from .db import Base, create_engine, upgrade_schema
from .privacy import mask_personal_data
from .wording import HANDOFF_REASON_LABELS


class HandoffReason(str, enum.Enum):
    ASKED_FOR_HUMAN = "asked_for_human"
    NOT_UNDERSTOOD = "not_understood"
    DISSATISFIED = "dissatisfied"
    OUT_OF_SCOPE = "out_of_scope"
    NEEDS_PERSONAL_RECORDS = "needs_personal_records"

    @property
    def label(self) -> str:
        return HANDOFF_REASON_LABELS[self.value]


class TicketStatus(str, enum.Enum):
    WAITING = "waiting"
    TAKEN = "taken"
    CLOSED = "closed"


class Rating(str, enum.Enum):
    SATISFIED = "satisfied"
    UNSATISFIED = "unsatisfied"


class TicketConflict(Exception):
    """The ticket is not in a state that allows this step (e.g. another agent took it)."""


class TicketFlood(Exception):
    """Too many new tickets from one client address in the last minute: this one was not opened."""


# The client tag of the request being handled, set by the action server's guard (bot/action_server.py) from
# the tracker's latest message: open_ticket uses it when no `client` is passed.
REQUEST_CLIENT: ContextVar[Optional[str]] = ContextVar("handoff_request_client", default=None)


def tickets_per_client_per_minute() -> int:
    return int(os.environ.get("HANDOFF_TICKETS_PER_CLIENT_PER_MINUTE", "10"))


class TicketRow(Base):
    __tablename__ = "handoff_tickets"
    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(255), nullable=False, index=True)
    channel = Column(String(64), nullable=False)
    reason = Column(String(64), nullable=False)
    status = Column(String(16), nullable=False, default=TicketStatus.WAITING.value, index=True)
    agent = Column(String(128))
    contact = Column(String(255))
    summary = Column(Text)
    created_at = Column(DateTime(timezone=True), nullable=False)
    updated_at = Column(DateTime(timezone=True), nullable=False)
    # Opened outside service hours: the resident left a message for the next shift.
    after_hours = Column(Boolean, nullable=False, default=False)
    taken_at = Column(DateTime(timezone=True))
    closed_at = Column(DateTime(timezone=True))
    rating = Column(String(16))
    client = Column(String(64), index=True)  # tag of the resident's network address (never the address)
    agent_seen_at = Column(DateTime(timezone=True))  # the holding agent's last console activity
    contact_sealed = Column(Text)  # the full contact, encrypted (policy_core/contact.py); erased after closing
    __table_args__ = (Index("ix_handoff_tickets_status_created", "status", "created_at"),)


class ContactNoteRow(Base):
    """The latest contact a resident wrote in a conversation (sealed), for a hand-off that comes later."""

    __tablename__ = "handoff_contact_notes"
    conversation_id = Column(String(255), primary_key=True)
    sealed = Column(Text, nullable=False)
    noted_at = Column(DateTime(timezone=True), nullable=False, index=True)


NOTE_LIFETIME = timedelta(days=1)


class ReplyState(str, enum.Enum):
    """Where an agent's reply is: stored for a resident who is not connected (sent when they come back),
    pushed to an open page that has not confirmed it yet, or confirmed delivered."""

    WAITING = "waiting"
    SENT = "sent"
    DELIVERED = "delivered"

    @property
    def label(self) -> str:
        return {"waiting": "等待居民上线", "sent": "已发送", "delivered": "已送达"}[self.value]


class ReplyRow(Base):
    """Agents' replies until the resident's page or channel confirms them (guaranteed delivery)."""

    __tablename__ = "handoff_replies"
    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(255), nullable=False)
    ticket_id = Column(Integer, nullable=False, index=True)
    text = Column(Text, nullable=False)
    # JSON list of {"title", "payload"}: the rating question after closing carries its buttons
    buttons = Column(Text)
    state = Column(String(16), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False)
    delivered_at = Column(DateTime(timezone=True))
    # The agent's display name, shown to the resident beside a staff reply; empty for system messages.
    sender_name = Column(String(128))
    __table_args__ = (Index("ix_handoff_replies_conversation_state", "conversation_id", "state"),)


class NoteRow(Base):
    """Agents' private notes on a ticket (never shown to the resident), masked like everything stored."""

    __tablename__ = "handoff_notes"
    id = Column(Integer, primary_key=True)
    ticket_id = Column(Integer, nullable=False, index=True)
    agent = Column(String(128), nullable=False)
    text = Column(Text, nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False)


@dataclass(frozen=True)
class Note:
    id: int
    ticket_id: int
    agent: str
    text: str
    created_at: datetime


@dataclass(frozen=True)
class PendingReply:
    id: int
    conversation_id: str
    ticket_id: int
    text: str
    state: ReplyState
    buttons: tuple[dict[str, str], ...] = ()
    sender_name: Optional[str] = None  # an agent's display name; None for system messages
    created_at: Optional[datetime] = None


@dataclass(frozen=True)
class QueueStatus:
    """Where a resident's conversation stands in the hand-off queue, as the web chat shows it."""

    state: str  # waiting, taken, none
    position: Optional[int] = None  # tickets ahead of this one
    wait_minutes: Optional[int] = None  # rough estimate from the recent pace of the queue
    agent: Optional[str] = None
    after_hours: bool = False


QUEUE_PACE_SAMPLE = 20  # recent takes the wait estimate is computed from
QUEUE_PACE_WINDOW = timedelta(hours=8)


@dataclass(frozen=True)
class Ticket:
    id: int
    conversation_id: str
    channel: str
    reason: HandoffReason
    status: TicketStatus
    agent: Optional[str]
    contact: Optional[str]
    summary: Optional[str]
    created_at: datetime
    after_hours: bool = False
    taken_at: Optional[datetime] = None
    closed_at: Optional[datetime] = None
    rating: Optional[Rating] = None
    updated_at: Optional[datetime] = None
    has_full_contact: bool = False

    @classmethod
    def from_row(cls, row: TicketRow) -> Ticket:
        return cls(
            row.id,
            row.conversation_id,
            row.channel,
            HandoffReason(row.reason),
            TicketStatus(row.status),
            row.agent,
            row.contact,
            row.summary,
            _utc(row.created_at),
            bool(row.after_hours),
            _utc(row.taken_at),
            _utc(row.closed_at),
            Rating(row.rating) if row.rating else None,
            _utc(row.updated_at),
            bool(row.contact_sealed),
        )


@dataclass(frozen=True)
class QueueCounts:
    waiting: int
    taken: int
    closed_today: int
    rated: int
    satisfied: int

    @property
    def satisfaction_rate(self) -> Optional[float]:
        return self.satisfied / self.rated if self.rated else None


def _utc(moment: Optional[datetime]) -> Optional[datetime]:
    # SQLite gives naive datetimes back; everything here is stored in UTC.
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


class HandoffQueue:
    def __init__(self, url: Optional[str] = None) -> None:
        self.url = url or database_url("HANDOFF_DB_URL", "handoff.db")
        self._engine = create_engine(self.url)
        upgrade_schema(self._engine, Base.metadata)
        self._session = sessionmaker(self._engine, future=True, expire_on_commit=False)

    def open_ticket(
        self,
        conversation_id: str,
        channel: str,
        reason: HandoffReason,
        contact: Optional[str] = None,
        summary: Optional[str] = None,
        after_hours: bool = False,
        client: Optional[str] = None,
    ) -> Ticket:
        """Queue the conversation for a human; a conversation has at most one open ticket.

        TicketFlood when `client` (default: REQUEST_CLIENT) opened too many tickets in the last minute."""
        now = datetime.now(UTC)
        client = client or REQUEST_CLIENT.get() or None
        client = client[:64] if client else None
        with self._session.begin() as session:
            existing = (
                session.execute(
                    select(TicketRow).where(
                        TicketRow.conversation_id == conversation_id,
                        TicketRow.status != TicketStatus.CLOSED.value,
                    )
                )
                .scalars()
                .first()
            )
            sealed = vault().seal(REQUEST_CONTACT.get())
            if sealed is None:
                note = session.get(ContactNoteRow, conversation_id)
                if note is not None and _utc(note.noted_at) >= now - NOTE_LIFETIME:
                    sealed = note.sealed
            if existing is not None:
                existing.updated_at = now
                existing.contact_sealed = sealed or existing.contact_sealed
                return Ticket.from_row(existing)
            cap = tickets_per_client_per_minute()
            if client and cap > 0:
                recent = session.execute(
                    select(func.count(TicketRow.id)).where(
                        TicketRow.client == client, TicketRow.created_at >= now - timedelta(minutes=1)
                    )
                ).scalar_one()
                if recent >= cap:
                    raise TicketFlood(f"{recent} tickets from one client in the last minute")
            row = TicketRow(
                conversation_id=conversation_id,
                channel=channel or "unknown",
                reason=HandoffReason(reason).value,
                status=TicketStatus.WAITING.value,
                contact=mask_personal_data(contact or vault().open(sealed) or "") or None,
                summary=mask_personal_data(summary)[:2000] if summary else None,
                after_hours=after_hours,
                created_at=now,
                updated_at=now,
                client=client,
                contact_sealed=sealed,
            )
            session.add(row)
            session.flush()
            return Ticket.from_row(row)

    def open_ticket_for(self, conversation_id: str) -> Optional[Ticket]:
        with self._session() as session:
            row = _open_row(session, conversation_id)
            return Ticket.from_row(row) if row else None

    def tickets(self, status: Optional[TicketStatus] = None) -> list[Ticket]:
        with self._session() as session:
            query = select(TicketRow).order_by(TicketRow.id)
            if status is not None:
                query = query.where(TicketRow.status == status.value)
            return [Ticket.from_row(row) for row in session.execute(query).scalars()]

    def open_tickets(self, offset: int = 0, limit: int = 50) -> tuple[list[Ticket], int]:
        """A page of waiting and taken tickets, longest waiting first, and how many there are in all.

        One query on the (status, created_at) index: no conversation is read."""
        open_statuses = (TicketStatus.WAITING.value, TicketStatus.TAKEN.value)
        with self._session() as session:
            rows = (
                session.execute(
                    select(TicketRow)
                    .where(TicketRow.status.in_(open_statuses))
                    .order_by(TicketRow.created_at, TicketRow.id)
                    .offset(max(0, offset))
                    .limit(max(1, limit))
                )
                .scalars()
                .all()
            )
            total = session.execute(
                select(func.count(TicketRow.id)).where(TicketRow.status.in_(open_statuses))
            ).scalar_one()
            return [Ticket.from_row(row) for row in rows], total

    def ticket(self, ticket_id: int) -> Optional[Ticket]:
        with self._session() as session:
            row = session.get(TicketRow, ticket_id)
            return Ticket.from_row(row) if row else None

    def take(self, ticket_id: int, agent: str) -> Ticket:
        """Give a waiting ticket to `agent`. One atomic UPDATE, so two agents can never both get it."""
        now = datetime.now(UTC)
        with self._session.begin() as session:
            taken = session.execute(
                update(TicketRow)
                .where(TicketRow.id == ticket_id, TicketRow.status == TicketStatus.WAITING.value)
                .values(status=TicketStatus.TAKEN.value, agent=agent, taken_at=now, updated_at=now, agent_seen_at=now)
            ).rowcount
        ticket = self.ticket(ticket_id)
        if ticket is None:
            raise KeyError(ticket_id)
        if not taken and ticket.agent != agent:
            raise TicketConflict(f"工单 {ticket_id} 已由 {ticket.agent or '他人'} 处理或已关闭")
        return ticket

    def close(self, ticket_id: int, agent: str) -> Ticket:
        """Close a ticket the agent holds."""
        now = datetime.now(UTC)
        with self._session.begin() as session:
            closed = session.execute(
                update(TicketRow)
                .where(
                    TicketRow.id == ticket_id, TicketRow.status == TicketStatus.TAKEN.value, TicketRow.agent == agent
                )
                .values(status=TicketStatus.CLOSED.value, closed_at=now, updated_at=now)
            ).rowcount
        ticket = self.ticket(ticket_id)
        if ticket is None:
            raise KeyError(ticket_id)
        if not closed:
            raise TicketConflict(f"工单 {ticket_id} 不在您名下，无法关闭")
        return ticket

    def release(self, ticket_id: int, by: str, supervisor: bool = False) -> Ticket:
        """Put a taken ticket back in the queue: its holder, or a supervisor, may."""
        return self._move(ticket_id, by, None, supervisor)

    def transfer(self, ticket_id: int, by: str, to: str, supervisor: bool = False) -> Ticket:
        """Give a taken ticket to agent `to`: its holder, or a supervisor, may (a supervisor also a waiting one)."""
        return self._move(ticket_id, by, to, supervisor)

    def _move(self, ticket_id: int, by: str, to: Optional[str], supervisor: bool) -> Ticket:
        now = datetime.now(UTC)
        allowed = [TicketStatus.TAKEN.value] + ([TicketStatus.WAITING.value] if supervisor and to else [])
        conditions = [TicketRow.id == ticket_id, TicketRow.status.in_(allowed)]
        if not supervisor:
            conditions.append(TicketRow.agent == by)
        values = (
            {"status": TicketStatus.TAKEN.value, "agent": to, "taken_at": now, "agent_seen_at": now}
            if to
            else {"status": TicketStatus.WAITING.value, "agent": None, "taken_at": None, "agent_seen_at": None}
        )
        with self._session.begin() as session:
            moved = session.execute(update(TicketRow).where(*conditions).values(updated_at=now, **values)).rowcount
        ticket = self.ticket(ticket_id)
        if ticket is None:
            raise KeyError(ticket_id)
        if not moved:
            raise TicketConflict(f"工单 {ticket_id} 不在您名下或已关闭，无法{'转交' if to else '释放'}")
        return ticket

    def touch_agent(self, agent: str, every: timedelta = timedelta(seconds=30)) -> None:
        """The agent is active in the console: their tickets are not idle (written at most every `every`)."""
        now = datetime.now(UTC)
        with self._session.begin() as session:
            session.execute(
                update(TicketRow)
                .where(
                    TicketRow.agent == agent,
                    TicketRow.status == TicketStatus.TAKEN.value,
                    (TicketRow.agent_seen_at.is_(None)) | (TicketRow.agent_seen_at < now - every),
                )
                .values(agent_seen_at=now)
                .execution_options(synchronize_session=False)
            )

    def release_idle(self, idle: timedelta) -> list[Ticket]:
        """Return to the queue every taken ticket whose agent has not been active for `idle`."""
        now = datetime.now(UTC)
        released = []
        with self._session.begin() as session:
            rows = (
                session.execute(
                    select(TicketRow).where(
                        TicketRow.status == TicketStatus.TAKEN.value,
                        func.coalesce(TicketRow.agent_seen_at, TicketRow.taken_at) < now - idle,
                    )
                )
                .scalars()
                .all()
            )
            for row in rows:
                # Only if still idle and taken: an agent acting at this moment keeps the ticket.
                if session.execute(
                    update(TicketRow)
                    .where(
                        TicketRow.id == row.id,
                        TicketRow.status == TicketStatus.TAKEN.value,
                        TicketRow.agent == row.agent,
                        func.coalesce(TicketRow.agent_seen_at, TicketRow.taken_at) < now - idle,
                    )
                    .values(
                        status=TicketStatus.WAITING.value, agent=None, taken_at=None, agent_seen_at=None, updated_at=now
                    )
                    .execution_options(synchronize_session=False)
                ).rowcount:
                    released.append(row.id)
        return [ticket for ticket in (self.ticket(i) for i in released) if ticket]

    def note_contact(self, conversation_id: str, contact: str) -> None:
        """Keep the contact a resident just wrote (sealed), in case the conversation is handed off later."""
        sealed = vault().seal(contact)
        if sealed is None:
            return
        now = datetime.now(UTC)
        with self._session.begin() as session:
            note = session.get(ContactNoteRow, conversation_id)
            if note is None:
                session.add(ContactNoteRow(conversation_id=conversation_id, sealed=sealed, noted_at=now))
            else:
                note.sealed, note.noted_at = sealed, now

    def full_contact(self, ticket_id: int, agent: str) -> Optional[str]:
        """The unmasked contact, for the agent who holds the ticket only."""
        with self._session() as session:
            row = session.get(TicketRow, ticket_id)
            if row is None or row.status != TicketStatus.TAKEN.value or row.agent != agent:
                return None
            return vault().open(row.contact_sealed)

    def erase_contacts(self, retention: timedelta) -> int:
        """Erase sealed contacts of tickets closed more than `retention` ago, and old notes; how many."""
        now = datetime.now(UTC)
        with self._session.begin() as session:
            erased = session.execute(
                update(TicketRow)
                .where(
                    TicketRow.status == TicketStatus.CLOSED.value,
                    TicketRow.contact_sealed.is_not(None),
                    TicketRow.closed_at < now - retention,
                )
                .values(contact_sealed=None)
                .execution_options(synchronize_session=False)
            ).rowcount
            erased += session.execute(
                delete(ContactNoteRow)
                .where(ContactNoteRow.noted_at < now - NOTE_LIFETIME)
                .execution_options(synchronize_session=False)
            ).rowcount
        return erased

    def add_reply(
        self,
        conversation_id: str,
        ticket_id: int,
        text: str,
        buttons: Optional[list[dict[str, str]]] = None,
        sender_name: Optional[str] = None,
    ) -> int:
        """Keep a message for the resident until their side confirms it: an agent's reply, a system message
        about the ticket, or the rating question after closing (with its buttons)."""
        with self._session.begin() as session:
            row = ReplyRow(
                conversation_id=conversation_id,
                ticket_id=ticket_id,
                text=text,
                buttons=json.dumps(
                    [{"title": b["title"], "payload": b["payload"]} for b in buttons], ensure_ascii=False
                )
                if buttons
                else None,
                state=ReplyState.WAITING.value,
                created_at=datetime.now(UTC),
                sender_name=(sender_name or "")[:128] or None,
            )
            session.add(row)
            session.flush()
            return row.id

    def mark_reply(self, reply_id: int, state: ReplyState, conversation_id: Optional[str] = None) -> bool:
        """Move a reply on (never back from delivered); with `conversation_id`, only a reply of that conversation."""
        conditions = [ReplyRow.id == reply_id, ReplyRow.state != ReplyState.DELIVERED.value]
        if conversation_id is not None:
            conditions.append(ReplyRow.conversation_id == conversation_id)
        values = {"state": ReplyState(state).value}
        if state is ReplyState.DELIVERED:
            values["delivered_at"] = datetime.now(UTC)
        with self._session.begin() as session:
            return bool(
                session.execute(
                    update(ReplyRow).where(*conditions).values(**values).execution_options(synchronize_session=False)
                ).rowcount
            )

    def drop_reply(self, reply_id: int) -> None:
        with self._session.begin() as session:
            session.execute(delete(ReplyRow).where(ReplyRow.id == reply_id))

    def undelivered_replies(self, conversation_id: str) -> list[PendingReply]:
        with self._session() as session:
            rows = (
                session.execute(
                    select(ReplyRow)
                    .where(
                        ReplyRow.conversation_id == conversation_id,
                        ReplyRow.state != ReplyState.DELIVERED.value,
                    )
                    .order_by(ReplyRow.id)
                )
                .scalars()
                .all()
            )
            return [
                PendingReply(
                    r.id,
                    r.conversation_id,
                    r.ticket_id,
                    r.text,
                    ReplyState(r.state),
                    _buttons(r.buttons),
                    r.sender_name,
                    _utc(r.created_at),
                )
                for r in rows
            ]

    def reply_states(self, ticket_id: int) -> dict[int, ReplyState]:
        with self._session() as session:
            rows = session.execute(select(ReplyRow.id, ReplyRow.state).where(ReplyRow.ticket_id == ticket_id))
            return {reply_id: ReplyState(state) for reply_id, state in rows}

    def add_note(self, ticket_id: int, agent: str, text: str) -> Note:
        with self._session.begin() as session:
            if session.get(TicketRow, ticket_id) is None:
                raise KeyError(ticket_id)
            row = NoteRow(
                ticket_id=ticket_id, agent=agent, text=mask_personal_data(text)[:2000], created_at=datetime.now(UTC)
            )
            session.add(row)
            session.flush()
            return Note(row.id, row.ticket_id, row.agent, row.text, _utc(row.created_at))

    def notes(self, ticket_id: int) -> list[Note]:
        with self._session() as session:
            rows = session.execute(select(NoteRow).where(NoteRow.ticket_id == ticket_id).order_by(NoteRow.id)).scalars()
            return [Note(r.id, r.ticket_id, r.agent, r.text, _utc(r.created_at)) for r in rows]

    def closed_tickets(self, search: str = "", offset: int = 0, limit: int = 50) -> tuple[list[Ticket], int]:
        """Closed tickets, most recently closed first; `search` matches conversation, agent or summary."""
        conditions = [TicketRow.status == TicketStatus.CLOSED.value]
        if search:
            pattern = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            conditions.append(
                TicketRow.conversation_id.like(pattern, escape="\\")
                | TicketRow.agent.like(pattern, escape="\\")
                | TicketRow.summary.like(pattern, escape="\\")
            )
        with self._session() as session:
            rows = (
                session.execute(
                    select(TicketRow)
                    .where(*conditions)
                    .order_by(TicketRow.closed_at.desc(), TicketRow.id.desc())
                    .offset(max(0, offset))
                    .limit(max(1, limit))
                )
                .scalars()
                .all()
            )
            total = session.execute(select(func.count(TicketRow.id)).where(*conditions)).scalar_one()
            return [Ticket.from_row(row) for row in rows], total

    def record_rating(self, conversation_id: str, rating: Rating) -> Optional[Ticket]:
        """Store the resident's rating on the conversation's latest closed, unrated ticket."""
        with self._session.begin() as session:
            row = (
                session.execute(
                    select(TicketRow)
                    .where(
                        TicketRow.conversation_id == conversation_id,
                        TicketRow.status == TicketStatus.CLOSED.value,
                        TicketRow.rating.is_(None),
                    )
                    .order_by(TicketRow.id.desc())
                )
                .scalars()
                .first()
            )
            if row is None:
                return None
            row.rating = Rating(rating).value
            row.updated_at = datetime.now(UTC)
            return Ticket.from_row(row)

    def queue_status(self, conversation_id: str, now: Optional[datetime] = None) -> QueueStatus:
        """The conversation's open ticket: how many wait ahead of it and a rough wait, or who holds it.

        The wait is (position + 1) times the median gap between the queue's recent takes: how fast agents
        have been picking up tickets lately. None when there were too few recent takes to tell."""
        now = now or datetime.now(UTC)
        with self._session() as session:
            row = _open_row(session, conversation_id)
            if row is None:
                return QueueStatus("none")
            if row.status == TicketStatus.TAKEN.value:
                return QueueStatus("taken", agent=row.agent, after_hours=bool(row.after_hours))
            ahead = session.execute(
                select(func.count(TicketRow.id)).where(
                    TicketRow.status == TicketStatus.WAITING.value,
                    TicketRow.created_at < row.created_at,
                )
            ).scalar_one()
            takes = sorted(
                _utc(moment)
                for moment in session.execute(
                    select(TicketRow.taken_at)
                    .where(TicketRow.taken_at.is_not(None), TicketRow.taken_at >= now - QUEUE_PACE_WINDOW)
                    .order_by(TicketRow.taken_at.desc())
                    .limit(QUEUE_PACE_SAMPLE)
                ).scalars()
            )
            gaps = sorted((later - earlier).total_seconds() for earlier, later in zip(takes, takes[1:]))
            minutes = None
            if len(gaps) >= 2:
                median = gaps[len(gaps) // 2]
                minutes = max(1, math.ceil(median * (ahead + 1) / 60))
            return QueueStatus("waiting", ahead, minutes, after_hours=bool(row.after_hours))

    def counts(self, since: datetime) -> QueueCounts:
        """Waiting and taken now; closed since `since` (e.g. China-time midnight); ratings of all closed."""
        # SQLite keeps no time zone: every moment is stored and compared in UTC, `since` too.
        since = (since if since.tzinfo else since.replace(tzinfo=UTC)).astimezone(UTC)
        with self._session() as session:

            def count(*conditions) -> int:
                return session.execute(select(func.count(TicketRow.id)).where(*conditions)).scalar_one()

            closed = TicketRow.status == TicketStatus.CLOSED.value
            return QueueCounts(
                waiting=count(TicketRow.status == TicketStatus.WAITING.value),
                taken=count(TicketRow.status == TicketStatus.TAKEN.value),
                closed_today=count(closed, TicketRow.closed_at >= since),
                rated=count(closed, TicketRow.rating.is_not(None)),
                satisfied=count(closed, TicketRow.rating == Rating.SATISFIED.value),
            )


def _open_row(session, conversation_id: str) -> Optional[TicketRow]:
    """The conversation's newest ticket that is not closed (at most one is open)."""
    return (
        session.execute(
            select(TicketRow)
            .where(TicketRow.conversation_id == conversation_id, TicketRow.status != TicketStatus.CLOSED.value)
            .order_by(TicketRow.id.desc())
        )
        .scalars()
        .first()
    )


def _buttons(stored: Optional[str]) -> tuple[dict[str, str], ...]:
    try:
        value = json.loads(stored) if stored else []
    except ValueError:
        return ()
    return tuple(
        {"title": str(b["title"]), "payload": str(b["payload"])}
        for b in value
        if isinstance(b, dict) and "title" in b and "payload" in b
    )
