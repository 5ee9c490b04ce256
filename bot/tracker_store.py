"""Rasa's SQL tracker store, configured by TRACKER_STORE_URL (default: SQLite file var/tracker.db).

Personal data (ID numbers, phone numbers, bank cards, e-mail) in events is masked before it is written.

When the database is unavailable or locked (SQLite waits `?timeout=` seconds, default 5, first):
- a tracker that cannot be written is kept in memory and written as soon as the database answers again
  (on the next read or write of any conversation), so the resident's answered turn is not lost;
- a tracker that cannot be read cannot be answered correctly (its slots are unknown): the resident gets
  a polite "please send it again" with 12345, and nothing is written for that message.
Both cases log one clear ERROR line naming the conversation (never its contents).
"""

from __future__ import annotations

import logging
from typing import Any, Iterator, Optional

from rasa.core.processor import MessageProcessor
from rasa.core.tracker_store import FailSafeTrackerStore, SQLTrackerStore
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from policy_core import wording
from policy_core.config import database_url
from policy_core.contact import find_raw_contact, vault
from policy_core.db import prepare_sqlite
from policy_core.handoff import HandoffQueue
from policy_core.logsafe import log_value
from policy_core.privacy import mask_personal_data

logger = logging.getLogger(__name__)

STORE_UNAVAILABLE_TEXT = wording.STORE_UNAVAILABLE
MAX_PENDING_CONVERSATIONS = 10_000  # bounds the memory an outage can take


class TrackerStoreUnavailable(RasaException):
    """The conversation could not be read from the database."""


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
        url = url or database_url("TRACKER_STORE_URL", "tracker.db")
        prepare_sqlite(url)  # created 0600 before Rasa's engine opens it
        parsed = make_url(url)
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
        # Trackers whose newest events are not in the database yet, by conversation id.
        self.pending: dict[str, DialogueStateTracker] = {}
        self._handoff: Optional[HandoffQueue] = None
        install()

    def _additional_events(self, session, tracker) -> Iterator[Event]:
        for event in super()._additional_events(session, tracker):
            self._note_contact(tracker.sender_id, event)
            yield masked_event(event)

    def _note_contact(self, sender_id: str, event: Event) -> None:
        """A number the resident wrote is masked here; with HANDOFF_CONTACT_KEY a sealed copy is kept for a
        hand-off that may come in a later message (policy_core/contact.py)."""
        if event.type_name != "user" or not vault().enabled:
            return
        contact = find_raw_contact(getattr(event, "text", None))
        if contact is None:
            return
        try:
            if self._handoff is None:
                self._handoff = HandoffQueue()
            self._handoff.note_contact(sender_id, contact)
        except SQLAlchemyError as error:
            logger.warning(
                "contact of conversation %s not kept for a call-back (%s)", log_value(sender_id), type(error).__name__
            )

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self._write_pending()
        try:
            await super().save(tracker)
        except SQLAlchemyError as error:
            self._keep(tracker, error)
        else:
            self.pending.pop(tracker.sender_id, None)

    async def _retrieve(self, sender_id: str, fetch_events_from_all_sessions: bool) -> Optional[DialogueStateTracker]:
        await self._write_pending()
        kept = self.pending.get(sender_id)
        if kept is not None:  # still not written: the kept tracker is the newest state
            return DialogueStateTracker.from_dict(
                sender_id, [e.as_dict() for e in kept.events], self.domain.slots if self.domain else None
            )
        try:
            return await super()._retrieve(sender_id, fetch_events_from_all_sessions)
        except SQLAlchemyError as error:
            logger.error(
                "tracker store unavailable: could not read conversation %s (%s); "
                "the resident was asked to send the message again",
                log_value(sender_id),
                type(error).__name__,
            )
            raise TrackerStoreUnavailable(f"could not read conversation {sender_id}") from error

    def _keep(self, tracker: DialogueStateTracker, error: Exception) -> None:
        if tracker.sender_id not in self.pending and len(self.pending) >= MAX_PENDING_CONVERSATIONS:
            logger.error(
                "tracker store unavailable (%s): %d conversations already waiting in memory; conversation %s NOT kept",
                type(error).__name__,
                len(self.pending),
                log_value(tracker.sender_id),
            )
            return
        self.pending[tracker.sender_id] = tracker
        logger.error(
            "tracker store unavailable (%s): conversation %s kept in memory (%d waiting), "
            "written when the database is back",
            type(error).__name__,
            log_value(tracker.sender_id),
            len(self.pending),
        )

    async def _write_pending(self) -> None:
        for sender_id, tracker in list(self.pending.items()):
            try:
                await super().save(tracker)
            except SQLAlchemyError:
                return  # still unavailable: try again on the next call
            if self.pending.get(sender_id) is tracker:
                del self.pending[sender_id]
            logger.warning("tracker store available again: conversation %s written", log_value(sender_id))


_original_handle_message = MessageProcessor.handle_message
_original_fail_safe_retrieve = FailSafeTrackerStore.retrieve


async def _handle_message_or_apologise(self: MessageProcessor, message: Any) -> Optional[list[dict]]:
    try:
        return await _original_handle_message(self, message)
    except TrackerStoreUnavailable:
        await message.output_channel.send_text_message(message.sender_id, STORE_UNAVAILABLE_TEXT)
        return getattr(message.output_channel, "messages", None)


async def _retrieve_or_raise(self: FailSafeTrackerStore, sender_id: str) -> Optional[DialogueStateTracker]:
    # Rasa's wrapper would answer None, i.e. start the conversation afresh without its slots, and that
    # fresh tracker would later be written over the real one. An unreadable conversation is not answered.
    if isinstance(self._tracker_store, EnvSQLTrackerStore):
        return await self._tracker_store.retrieve(sender_id)
    return await _original_fail_safe_retrieve(self, sender_id)


def install() -> None:
    """Every channel's message goes through MessageProcessor.handle_message: one place for the apology."""
    MessageProcessor.handle_message = _handle_message_or_apologise
    FailSafeTrackerStore.retrieve = _retrieve_or_raise
