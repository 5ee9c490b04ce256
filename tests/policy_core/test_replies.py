from datetime import date

import pytest

from policy_core import PolicyService, load_knowledge_base
from policy_core.replies import (
    ASK_ARRIVAL_MONTH,
    ASK_PERSON_CATEGORY,
    is_policy_topic,
    reply_to,
    understood_category,
    understood_month,
)


@pytest.fixture(scope="module")
def service():
    return PolicyService(load_knowledge_base(), today=lambda: date(2026, 11, 22))


def test_arrival_asks_category_then_month(service):
    assert reply_to(service, "account_arrival").ask == ASK_PERSON_CATEGORY
    reply = reply_to(service, "account_arrival", category_text="在职")
    assert reply.ask == ASK_ARRIVAL_MONTH and reply.person_category == "in_service" and reply.text is None


def test_arrival_computed_with_basis_and_date(service):
    reply = reply_to(service, "account_arrival", "in_service", "1月")
    assert "2026年3月5日" in reply.text
    assert "北京市人民政府令第158号" in reply.text and "2020-07" in reply.text
    assert "可能已有变化" in reply.text  # the 2022 reform report is flagged
    assert reply.arrival_month == "2026-01"


def test_year_end_in_service_december(service):
    reply = reply_to(service, "account_arrival", "在职职工", "去年12月")
    assert "2025年12月" in reply.text and "2026年（次年）2月5日" in reply.text


def test_retired_follow_up_uses_remembered_month(service):
    reply = reply_to(service, "account_arrival", "retired", "2026-01")
    assert "2026年2月5日" in reply.text and "京劳社医发〔2006〕9号" in reply.text


def test_bad_month_asks_again(service):
    reply = reply_to(service, "account_arrival", "retired", "十三月")
    assert reply.ask == ASK_ARRIVAL_MONTH and reply.bad_month and reply.text is None


def test_category_without_account_answers_eligibility(service):
    for topic in ("account_arrival", "account_composition", "account_reimbursement_payout"):
        reply = reply_to(service, topic, "灵活就业", "1月")
        assert "不建立" in reply.text, topic


def test_eligibility_needs_a_category(service):
    assert reply_to(service, "account_eligibility").ask == ASK_PERSON_CATEGORY
    assert "不建立" in reply_to(service, "account_eligibility", "离休").text
    assert reply_to(service, "account_eligibility", "退休").text.startswith("【北京市】有")


@pytest.mark.parametrize(
    "topic, facts",
    [
        ("reimburse_photocopy", ["原始凭证", "第七十条", "深圳"]),
        ("reimburse_settled_receipt", ["已报销", "第七十条", "医院"]),
        ("sanfutie", ["360元", "12次", "可以报销", "预约", "2020"]),
        ("village_clinic", ["即时结算", "当场"]),
        ("account_deposit", ["不能", "158号"]),
        ("account_what_is", ["个人所有", "158号"]),
        ("ss_low_wage_contribution", ["稽核"]),
        ("ask_hotline", ["12345"]),
    ],
)
def test_answers_state_facts_and_basis(service, topic, facts):
    reply = reply_to(service, topic)
    for fact in facts:
        assert fact in reply.text, (topic, fact)
    assert "政策依据" in reply.text and "资料来源" in reply.text


def test_pension_amount_hands_off_and_dismissal_offers_a_human(service):
    assert reply_to(service, "ss_pension_amount").handoff_reason == "needs_personal_records"
    dismissal = reply_to(service, "ss_dismissal_service_years")
    assert dismissal.offer_handoff and not dismissal.handoff_reason and "连续工龄" in dismissal.text


def test_other_region_is_honest(service):
    reply = reply_to(service, "account_arrival", "in_service", "1月", regions=["上海"])
    assert not reply.covered and "上海" in reply.text and "12345" in reply.text and "5日" not in reply.text


def test_payout_by_category(service):
    assert "养老金" in reply_to(service, "account_reimbursement_payout", "退休").text
    in_service = reply_to(service, "account_reimbursement_payout", "在职").text
    assert "代发" in in_service and "养老金" not in in_service


def test_policy_topics(service):
    assert is_policy_topic(service, "account_arrival")
    assert is_policy_topic(service, "sanfutie")
    assert not is_policy_topic(service, "greet")
    assert not is_policy_topic(service, None)


def test_region_is_checked_before_asking_anything(service):
    reply = reply_to(service, "account_arrival", regions=["广州"])
    assert reply.ask is None and not reply.covered and "北京" in reply.text and "广州" in reply.text


def test_understood_category_prefers_entity_then_wording_then_memory():
    assert understood_category("那退了休的呢", "in_service") == "retired"
    assert understood_category("那十月份的呢", "in_service") == "in_service"
    assert understood_category("我是退休老职工", "职工", ["retired", "职工"]) == "retired"
    assert understood_category("在职还是退休", "in_service", ["in_service", "retired"]) is None


def test_understood_month(service):
    assert understood_month("三月份的呢", "2026-01", False, service) == "2026-03"
    assert understood_month("那退休的呢", "2026-01", False, service) == "2026-01"
    assert understood_month("十月份", "十月份", True, service) == "十月份"
