"""Who handles what (knowledge/routing.yml): the agency and hotline for a question the assistant cannot answer."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import yaml

from .knowledge_base import DEFAULT_KNOWLEDGE_DIR, ROUTE_IDS, KnowledgeBaseError

ROUTING_FILE = "routing.yml"
FALLBACK_AGENCY = "other"
# Catch-all subjects (medical_insurance_general …) hold the general words of each agency.
GENERAL_SUFFIX = "_general"


@dataclass(frozen=True)
class Agency:
    id: str
    name: str
    hotline: Optional[str] = None
    hotline_name: Optional[str] = None
    source_title: Optional[str] = None
    source_url: Optional[str] = None
    english_terms: tuple[str, ...] = ()


@dataclass(frozen=True)
class Subject:
    id: str
    name: str
    agency: str
    terms: tuple[str, ...]


@dataclass(frozen=True)
class Route:
    """Where a resident should go: the subject we recognized (None: not recognized) and its agency."""

    agency: Agency
    subject: Optional[Subject] = None
    in_domain: bool = True


@dataclass(frozen=True)
class RoutingTable:
    agencies: dict[str, Agency]
    subjects: tuple[Subject, ...]

    def agency(self, agency_id: Optional[str]) -> Agency:
        return self.agencies.get(agency_id or FALLBACK_AGENCY, self.agencies[FALLBACK_AGENCY])

    def match(self, text: str) -> Optional[Subject]:
        """The subject with the most evidence: its longest term found, then the length of all its terms found
        (a term inside a longer found term counts once); ties go to file order."""
        best: Optional[tuple[tuple[int, int], Subject]] = None
        for subject in self.subjects:
            found = [term for term in subject.terms if term in text]
            found = [t for t in found if not any(t != other and t in other for other in found)]
            if not found:
                continue
            score = (max(map(len, found)), sum(map(len, found)))
            if best is None or score > best[0]:
                best = (score, subject)
        return best[1] if best else None

    def names_no_specific_subject(self, text: str) -> bool:
        """Only general words (医保, 社保) or none: a follow-up may carry the subject of the conversation."""
        subject = self.match(text)
        return subject is None or subject.id.endswith(GENERAL_SUFFIX)

    def route_english(self, text: str) -> Route:
        lowered = text.lower()
        # The longest term named wins ("an appointment at a hospital" is about booking, not medical insurance).
        found = [(len(t), a) for a in self.agencies.values() for t in a.english_terms if t in lowered]
        if found:
            return Route(max(found, key=lambda pair: pair[0])[1])
        # A Chinese term in an English question ("April's 医保 account") names the subject.
        subject = self.match(text)
        if subject is not None:
            return Route(self.agency(subject.agency), subject)
        return Route(self.agency(FALLBACK_AGENCY), None, in_domain=False)

    def route(self, text: str) -> Route:
        subject = self.match(text)
        if subject is None:
            return Route(self.agency(FALLBACK_AGENCY), None, in_domain=False)
        return Route(self.agency(subject.agency), subject)


def load_routing_table(directory: Path | str = DEFAULT_KNOWLEDGE_DIR) -> RoutingTable:
    path = Path(directory) / ROUTING_FILE
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise KnowledgeBaseError(ROUTING_FILE, "-", f"cannot be read: {error}") from error
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("agencies"), list)
        or not isinstance(data.get("subjects"), list)
    ):
        raise KnowledgeBaseError(ROUTING_FILE, "-", "needs 'agencies' and 'subjects' lists")
    agencies = {}
    for raw in data["agencies"]:
        agency = _agency(raw)
        agencies[agency.id] = agency
    missing = set(ROUTE_IDS) - set(agencies)
    if missing:
        raise KnowledgeBaseError(ROUTING_FILE, "-", f"agencies missing: {sorted(missing)}")
    subjects = []
    seen: set[str] = set()
    for index, raw in enumerate(data["subjects"]):
        entry = raw.get("id", f"#{index}") if isinstance(raw, dict) else f"#{index}"
        if not isinstance(raw, dict) or not raw.get("id") or not raw.get("name") or not raw.get("terms"):
            raise KnowledgeBaseError(ROUTING_FILE, entry, "a subject needs id, name, agency and terms")
        if raw.get("agency") not in agencies:
            raise KnowledgeBaseError(ROUTING_FILE, entry, f"unknown agency {raw.get('agency')!r}")
        if raw["id"] in seen:
            raise KnowledgeBaseError(ROUTING_FILE, entry, "duplicate subject id")
        seen.add(raw["id"])
        subjects.append(Subject(raw["id"], str(raw["name"]), raw["agency"], tuple(str(t) for t in raw["terms"])))
    return RoutingTable(agencies, tuple(subjects))


def _agency(raw: Any) -> Agency:
    entry = raw.get("id", "?") if isinstance(raw, dict) else "?"
    if not isinstance(raw, dict) or not raw.get("id") or not raw.get("name"):
        raise KnowledgeBaseError(ROUTING_FILE, entry, "an agency needs id and name")
    source = raw.get("source") or {}
    hotline = str(raw["hotline"]) if raw.get("hotline") else None
    if hotline and not (source.get("url") or source.get("seed") or source.get("law")):
        raise KnowledgeBaseError(ROUTING_FILE, entry, "a hotline number needs a source (url, seed or law)")
    return Agency(
        raw["id"],
        str(raw["name"]),
        hotline,
        raw.get("hotline_name"),
        source.get("title"),
        source.get("url"),
        tuple(str(t).lower() for t in raw.get("english_terms") or ()),
    )
