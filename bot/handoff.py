"""Hand-off tickets: conversations waiting for (or held by) a human agent, stored through SQLAlchemy.

SQLite by default (var/handoff.db); any SQLAlchemy URL via HANDOFF_DB_URL (e.g. PostgreSQL).
Contact data and summaries are masked before they are written.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Optional

from sqlalchemy import Column, DateTime, Integer, String, Text, create_engine, select
from sqlalchemy.orm import declarative_base, sessionmaker

from actions.policy_core.privacy import mask_personal_data

from .config import database_url

Base = declarative_base()


class HandoffReason(str, enum.Enum):
    ASKED_FOR_HUMAN = "asked_for_human"
    NOT_UNDERSTOOD = "not_understood"
    DISSATISFIED = "dissatisfied"
    OUT_OF_SCOPE = "out_of_scope"
    NEEDS_PERSONAL_RECORDS = "needs_personal_records"

    @property
    def label(self) -> str:
        return {
            "asked_for_human": "您要求人工服务",
            "not_understood": "我没能理解您的问题",
            "dissatisfied": "您对回答不满意",
            "out_of_scope": "问题超出我的服务范围",
            "needs_personal_records": "需要查询您的个人记录",
        }[self.value]


class TicketStatus(str, enum.Enum):
    WAITING = "waiting"
    TAKEN = "taken"
    CLOSED = "closed"


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

    @classmethod
    def from_row(cls, row: TicketRow) -> "Ticket":
        return cls(row.id, row.conversation_id, row.channel, HandoffReason(row.reason),
                   TicketStatus(row.status), row.agent, row.contact, row.summary, row.created_at)


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
