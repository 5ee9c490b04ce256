"""What the assistant says for a policy topic, given what the resident has told us so far.

Plain data in (topic, slot texts), a `Reply` out; the Rasa actions only translate it into events.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

from .answers import (
    ArrivalAnswer,
    EligibilityAnswer,
    FactAnswer,
    NotCovered,
    PolicyService,
    ReceiptDescription,
)
from .categories import PersonCategory, parse_person_category
from .months import MonthParseError, parse_month
from .render import (
    render_arrival,
    render_eligibility,
    render_fact_answer,
    render_not_covered,
    render_verdict,
)

ASK_PERSON_CATEGORY = "person_category"
ASK_ARRIVAL_MONTH = "arrival_month"
RECEIPT_TOPICS = {
    "reimburse_photocopy": ReceiptDescription(is_original=False),
    "reimburse_settled_receipt": ReceiptDescription(already_settled=True),
    "sanfutie": ReceiptDescription(service="sanfutie"),
    "village_clinic": ReceiptDescription(service="village_clinic"),
}
COMPUTED_TOPICS = {"account_arrival", "account_eligibility", *RECEIPT_TOPICS}


@dataclass(frozen=True)
class Reply:
    topic: str
    text: Optional[str] = None
    ask: Optional[str] = None  # slot the resident must tell us first
    bad_month: bool = False  # the month they gave could not be understood
    person_category: Optional[str] = None  # normalized values to remember
    arrival_month: Optional[str] = None
    offer_handoff: bool = False  # answer, then offer a human
    handoff_reason: Optional[str] = None  # answer, then hand off
    covered: bool = True


def is_policy_topic(service: PolicyService, topic: Optional[str]) -> bool:
    return bool(topic) and (topic in service.knowledge.topics or topic in COMPUTED_TOPICS)


def reply_to(
    service: PolicyService,
    topic: str,
    category_text: Optional[str] = None,
    month_text: Optional[str] = None,
    regions: Sequence[Optional[str]] = (),
) -> Reply:
    """Answer `topic`, or say what must be asked first."""
    category = parse_person_category(category_text)
    remembered = {"person_category": category.value if category else None}
    coverage = service.find_facts(topic, regions)
    if isinstance(coverage, NotCovered) and coverage.asked_region:
        # Say we have no rule for their region before asking anything else.
        return _from_result(topic, coverage, remembered)
    if category is not None and topic.startswith("account_") and topic != "account_eligibility":
        eligibility = service.account_eligibility(category, regions)
        if isinstance(eligibility, EligibilityAnswer) and not eligibility.has_account:
            return Reply(topic, render_eligibility(eligibility), **remembered)

    if topic == "account_eligibility":
        if category is None:
            return Reply(topic, ask=ASK_PERSON_CATEGORY)
        return _from_result(topic, service.account_eligibility(category, regions), remembered)

    if topic == "account_arrival":
        return _arrival(service, category, month_text, regions, remembered)

    if topic in RECEIPT_TOPICS:
        receipt = RECEIPT_TOPICS[topic]
        described = ReceiptDescription(receipt.is_original, receipt.already_settled, receipt.service,
                                       tuple(r for r in regions if r))
        return _from_result(topic, service.reimbursement_verdict(described), remembered)

    found = service.find_facts(topic, regions, category)
    if isinstance(found, NotCovered) and found.category is not None:
        found = service.find_facts(topic, regions)  # category-specific facts missing: answer for all
    return _from_result(topic, found, remembered)


def understood_category(message_text: Optional[str], slot_value: Optional[str],
                        entity_values: Sequence[str] = ()) -> Optional[str]:
    """The category the resident means now: this message's entities, else its wording, else what they said before."""
    from_entities = {c for c in (parse_person_category(v) for v in entity_values) if c is not None}
    if len(from_entities) == 1:
        return from_entities.pop().value
    category = parse_person_category(message_text)
    if category is not None:
        return category.value
    return None if from_entities else slot_value


def understood_month(message_text: Optional[str], slot_value: Optional[str], from_entity: bool,
                     service: PolicyService) -> Optional[str]:
    """Like `understood_category`, for the month."""
    if from_entity or not message_text:
        return slot_value
    try:
        return str(parse_month(message_text, service.today()))
    except MonthParseError:
        return slot_value


def _arrival(service, category, month_text, regions, remembered) -> Reply:
    if category is None:
        return Reply("account_arrival", ask=ASK_PERSON_CATEGORY)
    if category not in (PersonCategory.IN_SERVICE, PersonCategory.RETIRED):
        return _from_result("account_arrival", service.account_eligibility(category, regions), remembered)
    if not month_text:
        return Reply("account_arrival", ask=ASK_ARRIVAL_MONTH, **remembered)
    try:
        month = parse_month(month_text, service.today())
    except MonthParseError:
        return Reply("account_arrival", ask=ASK_ARRIVAL_MONTH, bad_month=True, **remembered)
    result = service.arrival_date(category, month, regions)
    return _from_result("account_arrival", result, {**remembered, "arrival_month": str(month)})


def _from_result(topic: str, result, remembered: dict) -> Reply:
    if isinstance(result, NotCovered):
        return Reply(topic, render_not_covered(result), covered=False, offer_handoff=True, **remembered)
    if isinstance(result, ArrivalAnswer):
        return Reply(topic, render_arrival(result), **remembered)
    if isinstance(result, EligibilityAnswer):
        return Reply(topic, render_eligibility(result), **remembered)
    if isinstance(result, FactAnswer):
        handoff = next((f.handoff for f in result.facts if f.handoff), None)
        offer = any(f.offer_handoff for f in result.facts)
        return Reply(topic, render_fact_answer(result), handoff_reason=handoff,
                     offer_handoff=offer and not handoff, **remembered)
    return Reply(topic, render_verdict(result), **remembered)
