"""Typed answers to residents' questions, computed from the knowledge base."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Optional, Sequence

from .answerability import AnswerabilityGate, load_gate_settings
from .categories import PersonCategory
from .knowledge_base import DEFAULT_KNOWLEDGE_DIR, KnowledgeBase, PolicyFact, load_knowledge_base
from .regions import NATIONWIDE, city_of
from .routing import RoutingTable, load_routing_table

CHINA_TIME = timezone(timedelta(hours=8))  # no daylight saving in China


def today_in_china() -> date:
    return datetime.now(CHINA_TIME).date()


@dataclass(frozen=True)
class NotCovered:
    """The knowledge base has no rule for this question; the resident is sent to a person or 12345."""

    topic: str
    asked_region: Optional[str] = None
    covered_regions: tuple[str, ...] = ()
    category: Optional[PersonCategory] = None


@dataclass(frozen=True)
class FactAnswer:
    topic: str
    facts: tuple[PolicyFact, ...]


@dataclass
class PolicyService:
    knowledge: KnowledgeBase
    routing: RoutingTable
    gate: AnswerabilityGate
    today: Callable[[], date] = field(default=today_in_china)

    @classmethod
    def load(
        cls,
        directory: Path | str = DEFAULT_KNOWLEDGE_DIR,
        today: Callable[[], date] = today_in_china,
    ) -> PolicyService:
        knowledge = load_knowledge_base(directory)
        return cls(
            knowledge, load_routing_table(directory), AnswerabilityGate(knowledge, load_gate_settings(directory)), today
        )

    def find_facts(
        self,
        topic: str,
        regions: Sequence[Optional[str]] = (),
        category: Optional[PersonCategory] = None,
    ) -> FactAnswer | NotCovered:
        """Facts for a topic, narrowed to the resident's region and category when given."""
        candidates = self.knowledge.by_topic(topic)
        if not candidates:
            return NotCovered(topic)
        cities = [city for city in (city_of(r) for r in regions) if city]
        if cities:
            matching = [f for f in candidates if f.region == NATIONWIDE or f.region in cities]
            if not matching:
                return NotCovered(topic, cities[0], tuple(sorted({f.region for f in candidates})))
        else:
            matching = candidates
        if category is not None:
            matching = [f for f in matching if f.applies_to_category(category)]
            if not matching:
                return NotCovered(topic, cities[0] if cities else None, (), category)
        return FactAnswer(topic, tuple(matching))

    def region_matches(self, fact: PolicyFact, regions: Sequence[Optional[str]]) -> bool:
        cities = [city for city in (city_of(r) for r in regions) if city]
        return not cities or fact.region == NATIONWIDE or fact.region in cities
