"""Mask personal data (ID numbers, bank cards, mobile numbers, e-mail) before it is stored or logged."""

from __future__ import annotations

import re

_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[\dXx])(?![0-9A-Za-z])")
_BANK_CARD = re.compile(r"(?<!\d)\d(?:[ -]?\d){11,18}(?!\d)")
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[ -]?)?(1[3-9]\d)[ -]?\d{4}[ -]?(\d{4})(?!\d)")
_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*(@[A-Za-z0-9.-]+\.[A-Za-z]{2,})")


def mask_personal_data(text: str) -> str:
    """Return `text` with personal identifiers masked; other text is unchanged."""
    if not text:
        return text
    masked = _ID_NUMBER.sub(lambda m: f"{m.group(1)}********{m.group(2)[-4:]}", text)
    masked = _MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(2)}", masked)
    masked = _BANK_CARD.sub(lambda m: "****" + re.sub(r"\D", "", m.group(0))[-4:], masked)
    return _EMAIL.sub(lambda m: f"{m.group(1)}***{m.group(2)}", masked)


def find_contact(texts: list[str]) -> str | None:
    """The latest phone number or e-mail address a resident wrote, already masked."""
    for text in reversed(texts):
        for pattern in (_MOBILE, _EMAIL):
            match = pattern.search(text or "")
            if match:
                return mask_personal_data(match.group(0))
    return None
