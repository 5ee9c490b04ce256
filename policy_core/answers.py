"""Typed answers to residents' questions, computed from the knowledge base."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Callable, Optional, Sequence, Union

from rapidfuzz import fuzz

from .categories import PersonCategory
from .knowledge_base import (
    ArrivalRule,
    EligibilityRule,
    KnowledgeBase,
    PolicyFact,
    ReimbursementRule,
)
from .months import YearMonth
from .regions import NATIONWIDE, city_of

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


@dataclass(frozen=True)
class ArrivalAnswer:
    category: PersonCategory
    contribution_month: YearMonth
    arrival_date: date
    fact: PolicyFact


@dataclass(frozen=True)
class EligibilityAnswer:
    category: PersonCategory
    has_account: bool
    fact: PolicyFact


@dataclass(frozen=True)
class ReceiptDescription:
    """What a resident told us about a receipt or a treatment they want reimbursed."""

    is_original: bool = True
    already_settled: bool = False
    service: Optional[str] = None  # "sanfutie" | "village_clinic"
    regions: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReimbursementVerdict:
    verdict: str
    reason: str
    next_steps: tuple[str, ...]
    fact: PolicyFact


@dataclass(frozen=True)
class SearchHit:
    fact: PolicyFact
    score: float


Answer = Union[FactAnswer, ArrivalAnswer, EligibilityAnswer, ReimbursementVerdict, NotCovered]
_PUNCTUATION = re.compile(r"[\s，。！？、,.!?;；:：~～…\"'“”‘’（）()]+")


@dataclass
class PolicyService:
    knowledge: KnowledgeBase
    today: Callable[[], date] = field(default=today_in_china)

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

    def account_eligibility(
        self, category: PersonCategory, regions: Sequence[Optional[str]] = ()
    ) -> EligibilityAnswer | NotCovered:
        found = self.find_facts("account_eligibility", regions, category)
        if isinstance(found, NotCovered):
            return found
        fact = found.facts[0]
        assert isinstance(fact.rule, EligibilityRule), fact.id
        return EligibilityAnswer(category, fact.rule.has_account, fact)

    def arrival_date(
        self,
        category: PersonCategory,
        month: YearMonth,
        regions: Sequence[Optional[str]] = (),
    ) -> ArrivalAnswer | EligibilityAnswer | NotCovered:
        """When a month's personal-account money arrives; categories without an account get that answer."""
        eligibility = self.account_eligibility(category, regions)
        if isinstance(eligibility, NotCovered):
            return eligibility
        if not eligibility.has_account:
            return eligibility
        found = self.find_facts("account_arrival", regions, category)
        if isinstance(found, NotCovered):
            return found
        fact = found.facts[0]
        rule = fact.rule
        assert isinstance(rule, ArrivalRule), fact.id
        arrival_month = month.plus_months(rule.months_after)
        return ArrivalAnswer(
            category, month, date(arrival_month.year, arrival_month.month, rule.day_of_month), fact
        )

    def reimbursement_verdict(self, receipt: ReceiptDescription) -> ReimbursementVerdict | NotCovered:
        if receipt.already_settled:
            topic = "reimburse_settled_receipt"
        elif not receipt.is_original:
            topic = "reimburse_photocopy"
        elif receipt.service in ("sanfutie", "village_clinic"):
            topic = receipt.service
        else:
            return NotCovered("reimbursement")
        found = self.find_facts(topic, receipt.regions)
        if isinstance(found, NotCovered):
            return found
        fact = found.facts[0]
        rule = fact.rule
        assert isinstance(rule, ReimbursementRule), fact.id
        return ReimbursementVerdict(rule.verdict, rule.reason, rule.next_steps, fact)

    def search(self, text: str, limit: int = 3, min_score: float = 50.0) -> list[SearchHit]:
        """Best-matching facts for free text, one per topic, for "did you mean" buttons."""
        query = _PUNCTUATION.sub("", text or "")
        if len(query) < 2:
            return []
        best: dict[str, SearchHit] = {}
        for fact in self.knowledge.facts:
            score = max(
                fuzz.partial_ratio(query, _PUNCTUATION.sub("", phrase))
                if len(query) <= len(phrase) * 2
                else fuzz.ratio(query, _PUNCTUATION.sub("", phrase))
                for phrase in (fact.title, *fact.questions)
            )
            if score >= min_score and (fact.topic not in best or score > best[fact.topic].score):
                best[fact.topic] = SearchHit(fact, score)
        return sorted(best.values(), key=lambda hit: -hit.score)[:limit]
