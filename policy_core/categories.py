"""Person categories (参保人员类别) and how residents write them."""

from __future__ import annotations

from enum import Enum
from typing import Optional


class PersonCategory(str, Enum):
    IN_SERVICE = "in_service"
    RETIRED = "retired"
    FLEXIBLE_EMPLOYMENT = "flexible_employment"
    TALENT_AGENCY = "talent_agency"
    RETIRED_CADRE = "retired_cadre"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    PersonCategory.IN_SERVICE: "在职职工",
    PersonCategory.RETIRED: "退休人员",
    PersonCategory.FLEXIBLE_EMPLOYMENT: "灵活就业参保人员",
    PersonCategory.TALENT_AGENCY: "人才参保人员",
    PersonCategory.RETIRED_CADRE: "离休人员",
}

# "职工" alone is not here: 职工医保 covers retirees too. "离退休" is ambiguous and returns None.
_ALIASES: list[tuple[str, PersonCategory]] = [
    ("离休", PersonCategory.RETIRED_CADRE),
    ("灵活就业", PersonCategory.FLEXIBLE_EMPLOYMENT),
    ("自由职业", PersonCategory.FLEXIBLE_EMPLOYMENT),
    ("人才", PersonCategory.TALENT_AGENCY),
    ("退休", PersonCategory.RETIRED),
    ("退了休", PersonCategory.RETIRED),
    ("退的休", PersonCategory.RETIRED),
    ("在职", PersonCategory.IN_SERVICE),
    ("在岗", PersonCategory.IN_SERVICE),
    ("上班", PersonCategory.IN_SERVICE),
]


def parse_person_category(text: Optional[str]) -> Optional[PersonCategory]:
    """Canonical key ("retired") or Chinese wording ("我退休了") → category; None if unknown or ambiguous."""
    if not text:
        return None
    value = str(text).strip()
    try:
        return PersonCategory(value)
    except ValueError:
        pass
    if "离退休" in value:
        return None
    found = {category for alias, category in _ALIASES if alias in value}
    # A sentence naming two categories ("在职和退休有什么区别") is not an answer.
    return found.pop() if len(found) == 1 else None
