"""Logged-in agent sessions, kept in the hand-off database so every Rasa process accepts them."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from typing import Optional

from sqlalchemy import Column, DateTime, String, delete
from sqlalchemy.orm import sessionmaker

from policy_core.config import database_url
from policy_core.db import Base, create_engine  # one declarative base for the desk database

SESSION_LIFETIME = timedelta(hours=12)


class SessionRow(Base):
    __tablename__ = "console_sessions"
    # Only a hash of the cookie value is stored: a copy of the database does not log anyone in.
    token_hash = Column(String(64), primary_key=True)
    agent = Column(String(64), nullable=False, index=True)
    expires_at = Column(DateTime(timezone=True), nullable=False)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class SessionStore:
    def __init__(self, url: Optional[str] = None) -> None:
        engine = create_engine(url or database_url("HANDOFF_DB_URL", "handoff.db"))
        Base.metadata.create_all(engine)
        self._session = sessionmaker(engine, future=True)

    def create(self, agent: str) -> str:
        token = secrets.token_urlsafe(32)
        now = datetime.now(UTC)
        with self._session.begin() as session:
            session.execute(delete(SessionRow).where(SessionRow.expires_at < now))
            session.add(SessionRow(token_hash=_hash(token), agent=agent, expires_at=now + SESSION_LIFETIME))
        return token

    def agent_for(self, token: Optional[str]) -> Optional[str]:
        if not token:
            return None
        with self._session() as session:
            row = session.get(SessionRow, _hash(token))
            if row is None or _aware(row.expires_at) < datetime.now(UTC):
                return None
            return row.agent

    def end(self, token: Optional[str]) -> None:
        if token:
            with self._session.begin() as session:
                session.execute(delete(SessionRow).where(SessionRow.token_hash == _hash(token)))

    def end_agent(self, agent: str) -> int:
        """End every session of `agent` (password changed, account removed or disabled); how many."""
        with self._session.begin() as session:
            return session.execute(delete(SessionRow).where(SessionRow.agent == agent)).rowcount
