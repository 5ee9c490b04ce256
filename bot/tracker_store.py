"""Rasa's SQL tracker store, configured by TRACKER_STORE_URL (default: SQLite file var/tracker.db)."""
from __future__ import annotations

from typing import Any, Optional

from rasa.core.tracker_store import SQLTrackerStore
from sqlalchemy.engine import make_url

from .config import database_url


class EnvSQLTrackerStore(SQLTrackerStore):
    def __init__(self, domain=None, event_broker=None, url: Optional[str] = None, **kwargs: Any) -> None:
        kwargs.pop("host", None)  # Rasa passes the endpoint's `url` as host; we use a full URL instead
        parsed = make_url(url or database_url("TRACKER_STORE_URL", "tracker.db"))
        super().__init__(
            domain=domain,
            dialect=parsed.drivername,
            host=parsed.host,
            port=parsed.port,
            db=parsed.database,
            username=parsed.username,
            password=parsed.password,
            event_broker=event_broker,
            query=dict(parsed.query),
        )
