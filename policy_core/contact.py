"""A resident's contact for a call-back, kept encrypted at rest (Fernet, key from HANDOFF_CONTACT_KEY).

The number (or e-mail address) a resident gave in the hand-off message or in an earlier message of the
conversation is sealed with the key and stored with the ticket; everywhere else it stays masked. Only
the agent who holds the ticket sees it in full. It is erased HANDOFF_CONTACT_RETENTION_DAYS (default 30)
days after the ticket is closed; numbers noted from earlier messages are erased after one day if no
ticket used them. Without HANDOFF_CONTACT_KEY nothing is sealed: only the masked contact is kept.

Make a key with `python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`
and keep it in the secret store, like the other secrets; changing it makes sealed contacts unreadable.
"""

from __future__ import annotations

import os
from contextvars import ContextVar
from functools import lru_cache
from typing import Optional

from cryptography.fernet import Fernet, InvalidToken

from .privacy import _EMAIL, _MOBILE

# The contact in the message being handled (the hand-off message itself, not yet stored), set by the action
# server's guard from the request's tracker; earlier messages' contacts are noted by the tracker store.
REQUEST_CONTACT: ContextVar[Optional[str]] = ContextVar("handoff_request_contact", default=None)


def find_raw_contact(text: Optional[str]) -> Optional[str]:
    """The last phone number or e-mail address in `text`, unmasked (only to be sealed)."""
    for pattern in (_MOBILE, _EMAIL):
        matches = list(pattern.finditer(text or ""))
        if matches:
            return matches[-1].group(0)
    return None


def retention_days() -> float:
    return float(os.environ.get("HANDOFF_CONTACT_RETENTION_DAYS", "30"))


class ContactVault:
    def __init__(self, key: Optional[str]) -> None:
        try:
            self._fernet = Fernet(key.encode()) if key else None
        except (ValueError, TypeError) as error:
            raise ValueError(
                "HANDOFF_CONTACT_KEY must be a Fernet key (32 bytes, url-safe base64); "
                "make one with cryptography.fernet.Fernet.generate_key()"
            ) from error

    @property
    def enabled(self) -> bool:
        return self._fernet is not None

    def seal(self, contact: Optional[str]) -> Optional[str]:
        if not contact or self._fernet is None:
            return None
        return self._fernet.encrypt(contact.encode("utf-8")).decode("ascii")

    def open(self, sealed: Optional[str]) -> Optional[str]:
        if not sealed or self._fernet is None:
            return None
        try:
            return self._fernet.decrypt(sealed.encode("ascii")).decode("utf-8")
        except InvalidToken:  # another key: unreadable, as if erased
            return None


@lru_cache(maxsize=4)
def _vault(key: Optional[str]) -> ContactVault:
    return ContactVault(key)


def vault() -> ContactVault:
    return _vault(os.environ.get("HANDOFF_CONTACT_KEY", "").strip() or None)
