"""Hand-off tickets: conversations waiting for (or held by) a human agent, stored through SQLAlchemy.

SQLite by default (var/handoff.db); any SQLAlchemy URL via HANDOFF_DB_URL (e.g. PostgreSQL).
Contact data and summaries are masked before they are written.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Optional

from sqlalchemy import Boolean, Column, DateTime, Integer, String, Text, create_engine, func, select, update
from sqlalchemy.orm import declarative_base, sessionmaker

from .privacy import mask_personal_data

from .config import database_url
from .wording import HANDOFF_REASON_LABELS

Base = declarative_base()


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

    @classmethod
    def from_row(cls, row: TicketRow) -> "Ticket":
        return cls(row.id, row.conversation_id, row.channel, HandoffReason(row.reason),
                   TicketStatus(row.status), row.agent, row.contact, row.summary, _utc(row.created_at),
                   bool(row.after_hours), _utc(row.taken_at), _utc(row.closed_at),
                   Rating(row.rating) if row.rating else None)


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
        return moment.replace(tzinfo=timezone.utc)
    return moment


class HandoffQueue:
    def __init__(self, url: Optional[str] = None) -> None:
        self.url = url or database_url("HANDOFF_DB_URL", "handoff.db")
        self._engine = create_engine(self.url, future=True, pool_pre_ping=True)
        Base.metadata.create_all(self._engine)
        self._session = sessionmaker(self._engine, future=True, expire_on_commit=False)

    def open_ticket(
        self,
        conversation_id: str,
        channel: str,
        reason: HandoffReason,
        contact: Optional[str] = None,
        summary: Optional[str] = None,
        after_hours: bool = False,
    ) -> Ticket:
        """Queue the conversation for a human; a conversation has at most one open ticket."""
        now = datetime.now(timezone.utc)
        with self._session.begin() as session:
            existing = session.execute(
                select(TicketRow).where(
                    TicketRow.conversation_id == conversation_id,
                    TicketRow.status != TicketStatus.CLOSED.value,
                )
            ).scalars().first()
            if existing is not None:
                existing.updated_at = now
                return Ticket.from_row(existing)
            row = TicketRow(
                conversation_id=conversation_id,
                channel=channel or "unknown",
                reason=HandoffReason(reason).value,
                status=TicketStatus.WAITING.value,
                contact=mask_personal_data(contact) if contact else None,
                summary=mask_personal_data(summary)[:2000] if summary else None,
                after_hours=after_hours,
                created_at=now,
                updated_at=now,
            )
            session.add(row)
            session.flush()
            return Ticket.from_row(row)

    def open_ticket_for(self, conversation_id: str) -> Optional[Ticket]:
        with self._session() as session:
            row = session.execute(
                select(TicketRow).where(
                    TicketRow.conversation_id == conversation_id,
                    TicketRow.status != TicketStatus.CLOSED.value,
                ).order_by(TicketRow.id.desc())
            ).scalars().first()
            return Ticket.from_row(row) if row else None

    def tickets(self, status: Optional[TicketStatus] = None) -> list[Ticket]:
        with self._session() as session:
            query = select(TicketRow).order_by(TicketRow.id)
            if status is not None:
                query = query.where(TicketRow.status == status.value)
            return [Ticket.from_row(row) for row in session.execute(query).scalars()]

    def ticket(self, ticket_id: int) -> Optional[Ticket]:
        with self._session() as session:
            row = session.get(TicketRow, ticket_id)
            return Ticket.from_row(row) if row else None

    def take(self, ticket_id: int, agent: str) -> Ticket:
        """Give a waiting ticket to `agent`. One atomic UPDATE, so two agents can never both get it."""
        now = datetime.now(timezone.utc)
        with self._session.begin() as session:
            taken = session.execute(
                update(TicketRow)
                .where(TicketRow.id == ticket_id, TicketRow.status == TicketStatus.WAITING.value)
                .values(status=TicketStatus.TAKEN.value, agent=agent, taken_at=now, updated_at=now)
            ).rowcount
        ticket = self.ticket(ticket_id)
        if ticket is None:
            raise KeyError(ticket_id)
        if not taken and ticket.agent != agent:
            raise TicketConflict(f"工单 {ticket_id} 已由 {ticket.agent or '他人'} 处理或已关闭")
        return ticket

    def close(self, ticket_id: int, agent: str) -> Ticket:
        """Close a ticket the agent holds."""
        now = datetime.now(timezone.utc)
        with self._session.begin() as session:
            closed = session.execute(
                update(TicketRow)
                .where(TicketRow.id == ticket_id, TicketRow.status == TicketStatus.TAKEN.value,
                       TicketRow.agent == agent)
                .values(status=TicketStatus.CLOSED.value, closed_at=now, updated_at=now)
            ).rowcount
        ticket = self.ticket(ticket_id)
        if ticket is None:
            raise KeyError(ticket_id)
        if not closed:
            raise TicketConflict(f"工单 {ticket_id} 不在您名下，无法关闭")
        return ticket

    def record_rating(self, conversation_id: str, rating: Rating) -> Optional[Ticket]:
        """Store the resident's rating on the conversation's latest closed, unrated ticket."""
        with self._session.begin() as session:
            row = session.execute(
                select(TicketRow)
                .where(TicketRow.conversation_id == conversation_id,
                       TicketRow.status == TicketStatus.CLOSED.value, TicketRow.rating.is_(None))
                .order_by(TicketRow.id.desc())
            ).scalars().first()
            if row is None:
                return None
            row.rating = Rating(rating).value
            row.updated_at = datetime.now(timezone.utc)
            return Ticket.from_row(row)

    def counts(self, since: datetime) -> QueueCounts:
        """Waiting and taken now; closed since `since` (e.g. the start of today); ratings of all closed."""
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
