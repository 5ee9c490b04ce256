"""What the assistant says to one resident message: plain data in (text, NLU ranking, what we remember),
finished messages out. The Rasa actions only translate a `Reply` into events."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Optional

from . import wording
from .answerability import names_thing
from .answers import NotCovered, PolicyService
from .categories import PersonCategory, parse_person_category
from .knowledge_base import ArrivalRule, EligibilityRule, LawRule, PolicyFact, ReimbursementRule
from .months import MonthParseError, YearMonth, parse_month
from .normalize import is_english, normalize_text
from .routing import Route
from .rules import (
    combined_unemployment_months,
    double_pay_months,
    format_years,
    injury_claim_deadline,
    injury_lump_sum,
    late_fee,
    pension_years,
    severance_months,
    unemployment_period,
    unlawful_dismissal_months,
)
from .understanding import (
    accident_date,
    amount_mentioned,
    asks_for_a_human,
    asks_for_someone_elses_records,
    asks_for_someone_elses_records_english,
    categories_mentioned,
    days_mentioned,
    disability_grade_mentioned,
    english_months_in_chinese,
    months_mentioned,
    service_years_mentioned,
    unclaimed_months_mentioned,
    wage_mentioned,
    years_mentioned,
)

FOLLOW_UP_INTENT = "inform"
NOT_UNDERSTOOD_INTENTS = ("nlu_fallback", "gibberish")
OUT_OF_SCOPE_INTENT = "out_of_scope"
UNSURE_OUT_OF_SCOPE = 0.3
# A reply that only tells a category or a month ("我已经退了", "那退休的呢") is short; a longer message is a question.
MAX_SLOT_REPLY_LENGTH = 12
# The account itself, not any money (灵活就业人员医保钱怎么交 asks how to pay), and not a pension or
# housing-fund account (灵活就业养老保险个人账户怎么算).
_ACCOUNT_WORDS = ("账户", "帐户", "存折", "个账", "个帐", "折子")
_OTHER_SCHEMES = re.compile(r"养老保险|养老金|公积金|失业|工伤|生育")
_EARLIER_CATEGORY = re.compile(
    r"(?:以前|之前|原来|过去|曾经|那时)(?:候)?.{0,3}(?:在职|上班|单位|工作|职工|有(?:医保)?(?:存折|个人账户|账户))"
)

# Outcomes, for the review of what residents asked.
ANSWERED = "answered"
ROUTED = "routed"
DECLINED = "declined"
CHITCHAT = "chitchat"
NOT_UNDERSTOOD = "not_understood"
OUT_OF_DOMAIN = "out_of_domain"


@dataclass(frozen=True)
class Question:
    text: str
    intent: Optional[str] = None
    ranking: tuple[tuple[str, float], ...] = ()
    entity_categories: tuple[str, ...] = ()
    entity_month: bool = False
    regions: tuple[Optional[str], ...] = ()
    last_topic: Optional[str] = None
    person_category: Optional[str] = None
    arrival_month: Optional[str] = None
    previous_intent: Optional[str] = None
    previous_confidence: float = 0.0


@dataclass(frozen=True)
class Reply:
    messages: tuple[wording.Message, ...]
    outcome: str
    topic: Optional[str] = None
    person_category: Optional[str] = None
    arrival_month: Optional[str] = None
    offer_handoff: bool = False
    handoff_reason: Optional[str] = None
    agency: Optional[str] = None
    gate_reason: str = ""
    fact_ids: tuple[str, ...] = field(default=())
    subject: Optional[str] = None  # the routing subject of a question no fact answers (for the review page)


def _records_agency(service: PolicyService, route: Route, medical: bool):
    """Where a person's own records are kept: the subject's agency, else the medical or social-insurance one."""
    if route.agency.id != "other":
        return route.agency
    return service.routing.agency("medical_security" if medical else "hrss")


def respond(service: PolicyService, question: Question) -> Reply:
    if question.text.startswith("/") and question.intent:
        return _payload(service, question)
    text = normalize_text(question.text)
    if not text:
        return Reply((wording.NOT_UNDERSTOOD,), NOT_UNDERSTOOD)
    if is_english(text):
        if asks_for_someone_elses_records_english(text):
            agency = _records_agency(service, service.routing.route_english(text), "medical" in text.lower())
            return Reply((wording.english_other_persons_records(agency),), DECLINED, agency=agency.id)
        facts = _english_facts_for_category(service.gate.english_facts(text), text)
        if facts:
            agency = service.routing.agency(facts[0].route or "other")
            return Reply(
                (_english_arrival(service, facts, text, agency) or wording.english_answer(facts, agency),),
                ANSWERED,
                facts[0].topic,
                agency=agency.id,
                gate_reason="English terms named",
                fact_ids=tuple(f.id for f in facts),
            )
        route = service.routing.route_english(text)
        agencies = [route.agency] + [a for a in service.routing.agencies.values() if a.id != route.agency.id]
        return Reply(
            (wording.english_reply(agencies),), ROUTED if route.in_domain else OUT_OF_DOMAIN, agency=route.agency.id
        )
    if asks_for_a_human(text):
        return Reply((), ROUTED, handoff_reason="asked_for_human")
    if asks_for_someone_elses_records(text):
        agency = _records_agency(service, service.routing.route(text), "医保" in text)
        return Reply((wording.other_persons_records(agency),), DECLINED, agency=agency.id)

    decision = service.gate.decide(text, question.ranking)
    no_specific_subject = service.routing.names_no_specific_subject(text)
    if not decision.topic and question.last_topic and no_specific_subject:
        decision = service.gate.decide_in_context(
            text, question.ranking, question.last_topic, names_general_subject=service.routing.match(text) is not None
        )
    if decision.topic:
        return _answer(service, decision.topic, text, question, decision.reason)
    without_account = _without_account(service, text, question)
    if without_account is not None:
        return without_account

    # A short reply to what we asked ("我已经退了", "十一月") continues the topic, whatever NLU made of it.
    short_reply = no_specific_subject and len(text) <= MAX_SLOT_REPLY_LENGTH
    if question.intent == FOLLOW_UP_INTENT or (
        (question.intent in NOT_UNDERSTOOD_INTENTS or short_reply) and _fills_slot(question, text, service)
    ):
        if question.last_topic and service.knowledge.by_topic(question.last_topic):
            return _answer(service, question.last_topic, text, question, "follow-up")

    route = service.routing.route(text)
    if question.intent in wording.CHITCHAT and route.subject is None:
        return Reply((wording.CHITCHAT[question.intent],), CHITCHAT)
    if route.subject is not None:
        return Reply(
            (wording.routed(route),),
            ROUTED,
            offer_handoff=True,
            agency=route.agency.id,
            gate_reason=decision.reason,
            subject=route.subject.name,
        )
    if question.intent == OUT_OF_SCOPE_INTENT:
        return Reply((wording.OUT_OF_DOMAIN,), OUT_OF_DOMAIN, agency="other", gate_reason=decision.reason)
    if question.intent in NOT_UNDERSTOOD_INTENTS and question.previous_intent in NOT_UNDERSTOOD_INTENTS:
        return Reply((), NOT_UNDERSTOOD, handoff_reason="not_understood", gate_reason=decision.reason)
    if question.intent in NOT_UNDERSTOOD_INTENTS or question.intent is None:
        return Reply((wording.NOT_UNDERSTOOD,), NOT_UNDERSTOOD, gate_reason=decision.reason)
    # NLU named a policy topic the question is not about, or a conversation intent with policy words.
    return Reply(
        (wording.routed(Route(service.routing.agency("other"))),),
        ROUTED,
        offer_handoff=True,
        agency="other",
        gate_reason=decision.reason,
    )


def _without_account(service: PolicyService, text: str, question: Question) -> Optional[Reply]:
    """A personal-account question about a category that has no personal account ("灵活就业的个人账户去哪领",
    "离休干部的个人账户是不是划得更多") is answered by correcting that premise, whatever else it asks. Not when
    the resident tells a category they were in before ("以前在职时的个人账户"): the old balance is another question."""
    if _EARLIER_CATEGORY.search(text):
        return None
    if not any(word in text for word in _ACCOUNT_WORDS) or _OTHER_SCHEMES.search(text):
        return None
    categories = categories_mentioned(text)
    facts = [f for f in (_eligibility(service, c, question.regions) for c in categories) if f is not None]
    if not any(not f.rule.has_account for f in facts) or not any(names_thing(f, text) for f in facts):
        return None
    topic = facts[0].topic
    return _reply(topic, (wording.fact_answer(facts, None),), ANSWERED, categories, why="category without an account")


def _payload(service: PolicyService, question: Question) -> Reply:
    """A button or command sends its intent ("/account_arrival", '/inform{"person_category": "retired"}'):
    the resident chose it, so it is answered as chosen."""
    intent = question.intent
    if service.knowledge.by_topic(intent):
        return _answer(service, intent, "", question, "chosen by button")
    if intent == FOLLOW_UP_INTENT and question.last_topic and service.knowledge.by_topic(question.last_topic):
        return _answer(service, question.last_topic, "", question, "follow-up by button")
    if intent in wording.CHITCHAT:
        return Reply((wording.CHITCHAT[intent],), CHITCHAT)
    return Reply((wording.ASK_TOPIC,), CHITCHAT)


def _missed(intent: Optional[str], confidence: float) -> bool:
    """Not understood: NLU said so, or it could only guess "out of scope" (noise such as "嘀嘀嘀 mnbvc")."""
    return (
        intent is None
        or intent in NOT_UNDERSTOOD_INTENTS
        or (intent == OUT_OF_SCOPE_INTENT and confidence < UNSURE_OUT_OF_SCOPE)
    )


def _fills_slot(question: Question, text: str, service: PolicyService) -> bool:
    """The message tells a category or a month ("退休", "三月份"), as a reply to what we asked."""
    return (
        bool(question.entity_categories)
        or question.entity_month
        or bool(categories_mentioned(text))
        or months_mentioned(text, service.today()).contribution is not None
    )


# --- answering one topic --------------------------------------------------------------------------------
def _answer(service: PolicyService, topic: str, text: str, question: Question, why: str) -> Reply:
    categories = _categories(text, question)
    found = service.find_facts(topic, question.regions)
    if isinstance(found, NotCovered):
        agency = service.routing.agency(_route_of(service, topic))
        message = wording.region_not_covered(found.asked_region or "您所在地区", found.covered_regions, agency)
        return _reply(topic, (message,), ROUTED, categories, offer_handoff=True, agency=agency.id, why=why)
    facts = list(found.facts)
    # A category without a personal account gets that answer to any personal-account question.
    if len(categories) == 1 and any(f.needs_account for f in facts):
        without = _eligibility(service, categories[0], question.regions)
        if without is not None and not without.rule.has_account:
            return _reply(topic, (wording.fact_answer([without], None),), ANSWERED, categories, why=why)
    rule = facts[0].rule
    if isinstance(rule, ArrivalRule):
        return _arrival(service, topic, facts, text, question, categories, why)
    if isinstance(rule, EligibilityRule):
        return _eligibility_answer(topic, facts, categories, why)
    if isinstance(rule, ReimbursementRule):
        fact = facts[0]
        message = wording.verdict_answer(fact, rule.verdict, rule.reason, rule.next_steps)
        return _reply(topic, (message,), ANSWERED, categories, why=why)
    if isinstance(rule, LawRule):
        return _law_rule(service, topic, facts[0], rule, text, categories, why)
    if categories:
        narrowed = [f for f in facts if any(f.applies_to_category(c) for c in categories)]
        facts = narrowed or facts
    agency = service.routing.agency(facts[0].route) if facts[0].route else None
    messages = [wording.fact_answer(facts, agency)]
    # Two people, one of a category without a personal account ("我在职，我老婆是人才中心参保的"): say that first.
    if len(categories) > 1 and any(f.needs_account for f in facts):
        without = [
            e
            for e in (_eligibility(service, c, question.regions) for c in categories)
            if e is not None and not e.rule.has_account
        ]
        if without:
            messages.insert(0, wording.fact_answer(without, None))
    handoff = next((f.handoff for f in facts if f.handoff), None)
    offer = any(f.offer_handoff for f in facts) and not handoff
    if offer:
        messages.append(wording.PERSONAL_RECORDS_OFFER)
    return _reply(topic, tuple(messages), ANSWERED, categories, offer_handoff=offer, handoff_reason=handoff, why=why)


def _categories(text: str, question: Question) -> list[PersonCategory]:
    from_entities = [c for c in (parse_person_category(v) for v in question.entity_categories) if c]
    found = categories_mentioned(text)
    for category in from_entities:
        if category not in found and len(from_entities) == 1 and not found:
            found.append(category)
    if not found and question.person_category:
        remembered = parse_person_category(question.person_category)
        if remembered:
            found = [remembered]
    return found


def _route_of(service: PolicyService, topic: str) -> str:
    facts = service.knowledge.by_topic(topic)
    return next((f.route for f in facts if f.route), "medical_security")


def _eligibility(service: PolicyService, category: PersonCategory, regions) -> Optional[PolicyFact]:
    for fact in service.knowledge.rule_facts(EligibilityRule):
        if fact.applies_to_category(category) and (not regions or service.region_matches(fact, regions)):
            return fact
    return None


def _eligibility_answer(topic, facts, categories, why) -> Reply:
    if categories:
        chosen = [f for f in facts if any(f.applies_to_category(c) for c in categories)]
        if chosen:
            return _reply(topic, (wording.fact_answer(chosen, None),), ANSWERED, categories, why=why)
    with_account = [c for c in PersonCategory for f in facts if f.applies_to_category(c) and f.rule.has_account]
    without = [c for c in PersonCategory for f in facts if f.applies_to_category(c) and not f.rule.has_account]
    return _reply(topic, (wording.eligibility_overview(with_account, without, facts),), ANSWERED, categories, why=why)


def _arrival(service, topic, facts, text, question, categories, why) -> Reply:
    today = service.today()
    mentioned = months_mentioned(text, today)
    month = mentioned.contribution
    assumed_year = month is not None and not _names_year(text)
    if month is None and question.arrival_month and not question.entity_month:
        month = _slot_month(question.arrival_month, today)
        assumed_year = False
    if month is None and question.entity_month:
        month = _slot_month(question.arrival_month, today)
    by_category = {c: f for f in facts for c in PersonCategory if f.applies_to_category(c)}
    wanted = [c for c in categories if c in by_category]
    others = [c for c in categories if c not in by_category]
    if others and not wanted:
        fact = _eligibility(service, others[0], question.regions)
        if fact is not None:
            return _reply(topic, (wording.fact_answer([fact], None),), ANSWERED, categories, why=why)
    if not wanted:
        wanted = list(by_category)  # answer first: the rule for everyone it covers
    # Two people, one of them in a category without a personal account: that one hears so.
    without_account = [
        fact
        for fact in (_eligibility(service, c, question.regions) for c in others)
        if fact is not None and not fact.rule.has_account
    ]
    extra = tuple(wording.fact_answer([fact], None) for fact in without_account)
    if month is None:
        pairs = [(c, by_category[c]) for c in wanted]
        messages = [wording.arrival_rules(pairs, ask_month=True), *extra]
        if len(wanted) > 1 and not categories:
            messages.append(wording.ASK_PERSON_CATEGORY)
        return _reply(topic, tuple(messages), ANSWERED, categories, why=why)
    cases = _arrival_cases(wanted, by_category, mentioned, month)
    messages = [wording.arrival_answer(cases, assumed_year), *extra]
    if len(wanted) > 1 and not categories:
        messages.append(wording.ASK_PERSON_CATEGORY)
    return _reply(topic, tuple(messages), ANSWERED, categories, month=str(month), why=why)


def _arrival_cases(wanted, by_category, mentioned, month) -> list[wording.ArrivalCase]:
    cases = []
    for category, asked_month in _people_and_months(wanted, mentioned.asked or (month,)):
        fact = by_category[category]
        rule = fact.rule
        # An employer's late payment moves only a rule counted from the payment, not one counted from the month.
        paid_in = mentioned.paid_in if mentioned.paid_in and _counts_from_payment(rule) else None
        counted = paid_in or asked_month
        arrival_month = counted.plus_months(rule.months_after)
        claimed = _claimed_date(mentioned.claimed_arrival, asked_month)
        cases.append(
            wording.ArrivalCase(
                category,
                fact,
                asked_month.year,
                asked_month.month,
                (paid_in.year, paid_in.month) if paid_in else None,
                date(arrival_month.year, arrival_month.month, rule.day_of_month),
                claimed,
            )
        )
    return cases


def _english_facts_for_category(facts, text: str):
    """The facts for the category an English question names ("I'm a retiree in Beijing…"); all when it names
    none or none of them applies."""
    named = categories_mentioned(english_months_in_chinese(text))
    if len(named) != 1:
        return facts
    narrowed = [fact for fact in facts if fact.applies_to_category(named[0])]
    return narrowed or facts


def _english_arrival(service, facts, text, agency) -> Optional[wording.Message]:
    """The arrival dates of an English question that names a month ("When does my February money arrive?
    I'm employed"), computed as for a Chinese one."""
    if not all(isinstance(fact.rule, ArrivalRule) for fact in facts):
        return None
    told = english_months_in_chinese(text)
    mentioned = months_mentioned(told, service.today())
    if mentioned.contribution is None:
        return None
    by_category = {c: f for f in facts for c in PersonCategory if f.applies_to_category(c)}
    wanted = [c for c in categories_mentioned(told) if c in by_category] or list(by_category)
    return wording.english_arrival_answer(
        _arrival_cases(wanted, by_category, mentioned, mentioned.contribution), agency
    )


def _people_and_months(categories, months):
    """Who is asked about for which month: two people and two months pair in the order told ("我在职他退休，
    我问二月的他问八月的"); otherwise every month is answered for everyone."""
    if len(categories) == len(months) > 1:
        return list(zip(categories, months))
    return [(category, month) for month in months for category in categories]


def _counts_from_payment(rule: ArrivalRule) -> bool:
    return "缴费" in rule.counted_from


def _names_year(text: str) -> bool:
    return any(word in text for word in ("年", "去年", "今年", "明年"))


def _slot_month(value: Optional[str], today: date) -> Optional[YearMonth]:
    if not value:
        return None
    try:
        return parse_month(value, today)
    except MonthParseError:
        return None


def _claimed_date(claimed: Optional[date], month: YearMonth) -> Optional[date]:
    if claimed is None:
        return None
    year = month.year if claimed.month >= month.month else month.year + 1
    try:
        return claimed.replace(year=year)
    except ValueError:
        return None


def _law_rule(service, topic, fact, rule: LawRule, text, categories, why) -> Reply:
    agency = service.routing.agency(fact.route or "hrss")
    computed, ask = "", ""
    if rule.kind == "unemployment_period":
        years = years_mentioned(text)
        ask = wording.ASK_YEARS
        unclaimed = unclaimed_months_mentioned(text)
        if years is not None and unclaimed and years >= 1:
            new_months = unemployment_period(years).longest_months
            total = combined_unemployment_months(years, unclaimed)
            computed = wording.unemployment_combined_computed(format_years(years), new_months, unclaimed, total)
        elif years is not None:
            period = unemployment_period(years)
            computed = wording.unemployment_computed(format_years(years), period.longest_months)
    elif rule.kind == "pension_years":
        years = years_mentioned(text)
        ask = wording.ASK_YEARS
        if years is not None:
            verdict = pension_years(years)
            computed = wording.pension_years_computed(
                format_years(years), verdict.enough, format_years(verdict.missing_years)
            )
    elif rule.kind == "injury_claim_deadline":
        accident = accident_date(text, service.today())
        ask = wording.ASK_ACCIDENT_DATE
        if accident is not None:
            deadline = injury_claim_deadline(accident)
            computed = wording.injury_deadline_computed(accident, deadline.employer_by, deadline.worker_by)
    elif rule.kind == "severance_months":
        years = service_years_mentioned(text)
        ask = wording.ASK_WORK_YEARS
        if years is not None:
            computed = wording.severance_computed(format_years(years), severance_months(years).months)
    elif rule.kind == "unlawful_dismissal_months":
        years = service_years_mentioned(text)
        ask = wording.ASK_WORK_YEARS
        if years is not None:
            computed = wording.unlawful_dismissal_computed(
                format_years(years), severance_months(years).months, unlawful_dismissal_months(years).months
            )
    elif rule.kind == "double_pay_months":
        years = service_years_mentioned(text)
        ask = wording.ASK_MONTHS_WITHOUT_CONTRACT
        if years is not None:
            months = round(years * 12)
            computed = wording.double_pay_computed(months, double_pay_months(months))
    elif rule.kind == "late_fee":
        amount, days = amount_mentioned(text), days_mentioned(text)
        ask = wording.ASK_AMOUNT_DAYS
        if amount is not None and days is not None:
            fee = late_fee(amount, days)
            computed = wording.late_fee_computed(fee.amount, fee.days, fee.fee)
    elif rule.kind == "injury_lump_sum":
        grade, wage = disability_grade_mentioned(text), wage_mentioned(text)
        ask = wording.ASK_GRADE_WAGE
        if grade is not None:
            grant = injury_lump_sum(grade, wage)
            computed = wording.injury_lump_sum_computed(grade, grant.months, wage, grant.amount)
    message = wording.with_rule(fact, agency, computed, ask)
    return _reply(topic, (message,), ANSWERED, categories, why=why)


def _reply(
    topic, messages, outcome, categories, month=None, offer_handoff=False, handoff_reason=None, agency=None, why=""
) -> Reply:
    remembered = categories[0].value if len(categories) == 1 else None
    fact_ids = tuple(i for m in messages for i in m.fact_ids)
    return Reply(
        tuple(messages), outcome, topic, remembered, month, offer_handoff, handoff_reason, agency, why, fact_ids
    )
