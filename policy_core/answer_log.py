"""The answer log: every reply the assistant gave a resident, with its outcome and the resident's 👍/👎.

It feeds the operators' review page (questions not answered, answered with low confidence, or rated 👎)
and the daily figures. Kept in the desk database (HANDOFF_DB_URL, default var/handoff.db) next to the
hand-off tickets. The question is masked (policy_core/privacy.py) before it is written; nothing else a
resident typed is stored.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Iterable, Optional, Sequence

from sqlalchemy import Column, DateTime, Float, Index, Integer, String, Text, select, update
from sqlalchemy.orm import sessionmaker

from .config import database_url
from .db import Base, create_engine, upgrade_schema
from .privacy import mask_personal_data

MAX_QUESTION_CHARS = 500


class AnswerRating(str, enum.Enum):
    UP = "up"
    DOWN = "down"


class AnswerRow(Base):
    __tablename__ = "answer_log"
    id = Column(Integer, primary_key=True)
    created_at = Column(DateTime(timezone=True), nullable=False, index=True)
    conversation_id = Column(String(255), nullable=False, index=True)
    channel = Column(String(64), nullable=False)
    question = Column(Text, nullable=False)  # masked
    outcome = Column(String(32), nullable=False)  # policy_core.replies outcomes: answered, routed, …
    topic = Column(String(128))
    fact_ids = Column(Text)  # comma-separated
    confidence = Column(Float)  # NLU's confidence in its first intent
    subject = Column(String(128))  # routing subject of a question no fact answers (knowledge/routing.yml)
    gate_reason = Column(String(255))
    rating = Column(String(8))
    rated_at = Column(DateTime(timezone=True))
    reviewed_at = Column(DateTime(timezone=True))
    review_action = Column(String(255))  # what the operator did: examples for a fact, a new-fact stub, dismissed
    __table_args__ = (Index("ix_answer_log_review", "reviewed_at", "created_at"),)


@dataclass(frozen=True)
class AnswerRecord:
    id: int
    created_at: datetime
    conversation_id: str
    channel: str
    question: str
    outcome: str
    topic: Optional[str]
    fact_ids: tuple[str, ...]
    confidence: Optional[float]
    subject: Optional[str]
    gate_reason: Optional[str]
    rating: Optional[AnswerRating]
    rated_at: Optional[datetime]
    reviewed_at: Optional[datetime]
    review_action: Optional[str]

    @classmethod
    def from_row(cls, row: AnswerRow) -> AnswerRecord:
        return cls(
            row.id,
            _utc(row.created_at),
            row.conversation_id,
            row.channel,
            row.question,
            row.outcome,
            row.topic,
            tuple(f for f in (row.fact_ids or "").split(",") if f),
            row.confidence,
            row.subject,
            row.gate_reason,
            AnswerRating(row.rating) if row.rating else None,
            _utc(row.rated_at),
            _utc(row.reviewed_at),
            row.review_action,
        )


def _utc(moment: Optional[datetime]) -> Optional[datetime]:
    # SQLite gives naive datetimes back; everything here is stored in UTC.
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


class AnswerLog:
    def __init__(self, url: Optional[str] = None) -> None:
        self.url = url or database_url("HANDOFF_DB_URL", "handoff.db")
        self._engine = create_engine(self.url)
        upgrade_schema(self._engine, Base.metadata)
        self._session = sessionmaker(self._engine, future=True, expire_on_commit=False)

    def record(
        self,
        conversation_id: str,
        channel: str,
        question: str,
        outcome: str,
        topic: Optional[str] = None,
        fact_ids: Sequence[str] = (),
        confidence: Optional[float] = None,
        subject: Optional[str] = None,
        gate_reason: Optional[str] = None,
        at: Optional[datetime] = None,
    ) -> int:
        """Store one reply; returns its id (the answer id that 👍/👎 refer to)."""
        with self._session.begin() as session:
            row = AnswerRow(
                created_at=at or datetime.now(UTC),
                conversation_id=conversation_id[:255],
                channel=(channel or "unknown")[:64],
                question=mask_personal_data(question or "")[:MAX_QUESTION_CHARS],
                outcome=outcome[:32],
                topic=topic,
                fact_ids=",".join(fact_ids) or None,
                confidence=confidence,
                subject=subject,
                gate_reason=(gate_reason or "")[:255] or None,
            )
            session.add(row)
            session.flush()
            return row.id

    def rate(self, answer_id: int, conversation_id: str, rating: AnswerRating) -> Optional[AnswerRecord]:
        """Store 👍/👎 on an answer of this conversation (a later rating replaces an earlier one); None when the
        answer is unknown or belongs to another conversation."""
        with self._session.begin() as session:
            row = session.get(AnswerRow, answer_id)
            if row is None or row.conversation_id != conversation_id:
                return None
            row.rating = AnswerRating(rating).value
            row.rated_at = datetime.now(UTC)
            return AnswerRecord.from_row(row)

    def latest_answer(self, conversation_id: str) -> Optional[AnswerRecord]:
        """The conversation's newest answer that gave a fact (what a 👍 typed as a message refers to)."""
        with self._session() as session:
            row = (
                session.execute(
                    select(AnswerRow)
                    .where(AnswerRow.conversation_id == conversation_id, AnswerRow.fact_ids.is_not(None))
                    .order_by(AnswerRow.id.desc())
                    .limit(1)
                )
                .scalars()
                .first()
            )
            return AnswerRecord.from_row(row) if row else None

    def answer(self, answer_id: int) -> Optional[AnswerRecord]:
        with self._session() as session:
            row = session.get(AnswerRow, answer_id)
            return AnswerRecord.from_row(row) if row else None

    def records(
        self, since: Optional[datetime] = None, until: Optional[datetime] = None, unreviewed_only: bool = False
    ) -> list[AnswerRecord]:
        """Records in time order, optionally in [since, until) and only those no operator has reviewed."""
        query = select(AnswerRow).order_by(AnswerRow.created_at, AnswerRow.id)
        if since is not None:
            query = query.where(AnswerRow.created_at >= since.astimezone(UTC))
        if until is not None:
            query = query.where(AnswerRow.created_at < until.astimezone(UTC))
        if unreviewed_only:
            query = query.where(AnswerRow.reviewed_at.is_(None))
        with self._session() as session:
            return [AnswerRecord.from_row(row) for row in session.execute(query).scalars()]

    def mark_reviewed(self, answer_ids: Iterable[int], action: str) -> int:
        """Take records off the review list, noting what was done with them; returns how many changed."""
        ids = [int(i) for i in answer_ids]
        if not ids:
            return 0
        with self._session.begin() as session:
            result = session.execute(
                update(AnswerRow)
                .where(AnswerRow.id.in_(ids), AnswerRow.reviewed_at.is_(None))
                .values(reviewed_at=datetime.now(UTC), review_action=action[:255])
            )
            return result.rowcount or 0
