from datetime import date

import pytest

from policy_core import (
    ArrivalAnswer,
    EligibilityAnswer,
    FactAnswer,
    NotCovered,
    PersonCategory,
    PolicyService,
    ReceiptDescription,
    ReimbursementVerdict,
    YearMonth,
    load_knowledge_base,
)


@pytest.fixture(scope="module")
def service():
    return PolicyService(load_knowledge_base(), today=lambda: date(2026, 11, 22))


IN_SERVICE, RETIRED = PersonCategory.IN_SERVICE, PersonCategory.RETIRED


@pytest.mark.parametrize("month", range(1, 13))
def test_in_service_money_arrives_by_the_5th_two_months_later(service, month):
    answer = service.arrival_date(IN_SERVICE, YearMonth(2025, month))
    assert isinstance(answer, ArrivalAnswer)
    expected = YearMonth(2025, month).plus_months(2)
    assert answer.arrival_date == date(expected.year, expected.month, 5)


@pytest.mark.parametrize("month", range(1, 13))
def test_retiree_money_arrives_by_the_5th_of_next_month(service, month):
    answer = service.arrival_date(RETIRED, YearMonth(2025, month))
    expected = YearMonth(2025, month).plus_months(1)
    assert answer.arrival_date == date(expected.year, expected.month, 5)


def test_seed_examples_and_year_end(service):
    assert service.arrival_date(IN_SERVICE, YearMonth(2026, 1)).arrival_date == date(2026, 3, 5)
    assert service.arrival_date(RETIRED, YearMonth(2026, 1)).arrival_date == date(2026, 2, 5)
    assert service.arrival_date(IN_SERVICE, YearMonth(2025, 12)).arrival_date == date(2026, 2, 5)
    assert service.arrival_date(IN_SERVICE, YearMonth(2025, 11)).arrival_date == date(2026, 1, 5)
    assert service.arrival_date(RETIRED, YearMonth(2025, 12)).arrival_date == date(2026, 1, 5)


@pytest.mark.parametrize(
    "category, has_account",
    [(IN_SERVICE, True), (RETIRED, True), (PersonCategory.FLEXIBLE_EMPLOYMENT, False),
     (PersonCategory.TALENT_AGENCY, False), (PersonCategory.RETIRED_CADRE, False)],
)
def test_account_eligibility(service, category, has_account):
    answer = service.account_eligibility(category)
    assert isinstance(answer, EligibilityAnswer)
    assert answer.has_account is has_account
    assert ("不建立" in answer.fact.answer) is (not has_account)


@pytest.mark.parametrize(
    "category", [PersonCategory.FLEXIBLE_EMPLOYMENT, PersonCategory.TALENT_AGENCY, PersonCategory.RETIRED_CADRE]
)
def test_no_arrival_date_for_categories_without_an_account(service, category):
    answer = service.arrival_date(category, YearMonth(2026, 1))
    assert isinstance(answer, EligibilityAnswer) and not answer.has_account


def test_region_outside_the_knowledge_base_is_not_covered(service):
    answer = service.arrival_date(IN_SERVICE, YearMonth(2026, 1), ["上海"])
    assert isinstance(answer, NotCovered)
    assert answer.asked_region == "上海" and answer.covered_regions == ("北京",)
    assert isinstance(service.arrival_date(IN_SERVICE, YearMonth(2026, 1), ["西城区"]), ArrivalAnswer)


@pytest.mark.parametrize(
    "receipt, verdict, article",
    [
        (ReceiptDescription(is_original=False), "original_required", "第七十条"),
        (ReceiptDescription(already_settled=True), "not_until_corrected", "第七十条"),
        (ReceiptDescription(already_settled=True, regions=("湛江", "深圳")), "not_until_corrected", "第七十条"),
        (ReceiptDescription(service="sanfutie"), "reimbursable", None),
        (ReceiptDescription(service="village_clinic"), "settled_on_site", None),
    ],
)
def test_reimbursement_verdicts(service, receipt, verdict, article):
    answer = service.reimbursement_verdict(receipt)
    assert isinstance(answer, ReimbursementVerdict)
    assert answer.verdict == verdict
    assert answer.next_steps
    if article:
        assert answer.fact.basis[0].article == article


def test_receipt_rules_elsewhere_are_not_guessed(service):
    assert isinstance(service.reimbursement_verdict(ReceiptDescription(is_original=False, regions=("上海",))), NotCovered)
    assert isinstance(service.reimbursement_verdict(ReceiptDescription()), NotCovered)


def test_composition_without_category_gives_both(service):
    answer = service.find_facts("account_composition")
    assert isinstance(answer, FactAnswer)
    assert {f.id for f in answer.facts} == {"bj_account_composition_in_service", "bj_account_composition_retired"}
    only_retired = service.find_facts("account_composition", category=RETIRED)
    assert [f.id for f in only_retired.facts] == ["bj_account_composition_retired"]


def test_unknown_topic(service):
    assert isinstance(service.find_facts("weather"), NotCovered)


@pytest.mark.parametrize(
    "text, topic",
    [("存折里能存钱么", "account_deposit"), ("三伏贴多少钱", "sanfutie"), ("复印件可以报销吗", "reimburse_photocopy"),
     ("村卫生室能报销吗", "village_clinic")],
)
def test_fuzzy_search_finds_the_topic(service, text, topic):
    hits = service.search(text)
    assert hits and hits[0].fact.topic == topic
    assert len({hit.fact.topic for hit in hits}) == len(hits)


@pytest.mark.parametrize("text", ["", "a", "阿巴阿巴qwerty", "？？？", "😀😀😀"])
def test_fuzzy_search_returns_nothing_for_noise(service, text):
    assert service.search(text) == []
