"""Rasa's SQL tracker store, configured by TRACKER_STORE_URL (default: SQLite file var/tracker.db).

Personal data (ID numbers, phone numbers, bank cards, e-mail) in events is masked before it is written.
"""
from __future__ import annotations

from typing import Any, Iterator, Optional

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import Event
from sqlalchemy.engine import make_url

from actions.policy_core.privacy import mask_personal_data

from .config import database_url


def _mask(value: Any) -> Any:
    if isinstance(value, str):
        return mask_personal_data(value)
    if isinstance(value, dict):
        return {key: _mask(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_mask(item) for item in value]
    return value


def masked_event(event: Event) -> Event:
    data = event.as_dict()
    masked = _mask(data)
    return event if masked == data else Event.from_parameters(masked)


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

    def _additional_events(self, session, tracker) -> Iterator[Event]:
        for event in super()._additional_events(session, tracker):
            yield masked_event(event)
