"""The policy core's decisions for one message, with NLU's ranking given: answer, route, decline."""

from datetime import date

import pytest

from policy_core import PolicyService, Question, respond
from policy_core.replies import ANSWERED, DECLINED, OUT_OF_DOMAIN, ROUTED


@pytest.fixture(scope="module")
def service():
    return PolicyService.load(today=lambda: date(2026, 12, 1))


def ask(service, text, topic=None, confidence=0.9, **slots):
    ranking = ((topic, confidence),) if topic else ()
    reply = respond(service, Question(text, intent=topic, ranking=ranking, **slots))
    return reply, "\n".join(m.plain() for m in reply.messages)


@pytest.mark.parametrize(
    "text, nlu_topic, agency, hotline",
    [
        ("医保卡丢了怎么补办", "reimburse_photocopy", "hrss", "12333"),
        ("我的医保卡余额怎么查", "account_deposit", "medical_security", "12345"),
        ("异地就医备案怎么弄", "reimburse_settled_receipt", "medical_security", "12345"),
        ("公积金贷款最多能贷多少", "account_arrival", "housing_fund", "12329"),
    ],
)
def test_a_question_not_about_the_fact_nlu_picked_is_routed(service, text, nlu_topic, agency, hotline):
    reply, said = ask(service, text, nlu_topic)
    assert reply.outcome == ROUTED and not reply.fact_ids
    assert reply.agency == agency and hotline in said and "转人工" in said


def test_traditional_characters_are_answered_like_simplified(service):
    reply, said = ask(service, "在職職工醫保個人賬戶的錢幾號到賬", "account_arrival", 0.4)
    assert reply.outcome == ANSWERED and "下下月初5日" in said


def test_false_premise_is_corrected(service):
    reply, said = ask(service, "朋友跟我说在职的1月份医保钱2月5号就到账了，真的吗", "account_arrival")
    assert "不是2月5日" in said and "3月5日" in said and "4月5日" not in said


def test_employer_paid_late(service):
    _, said = ask(service, "我们单位交社保总是晚，6月的医保费8月才交上去，那6月份个人账户的钱几号到", "account_arrival")
    assert "10月5日" in said and "8月" in said and "请问您是在职" not in said


def test_two_people_get_both_answers(service):
    _, said = ask(service, "我在厂里上班，我爸已经退休了，我们俩5月份的医保钱各是几号到", "account_arrival")
    assert "7月5日" in said and "6月5日" in said


def test_answer_first_then_offer_to_compute(service):
    reply, said = ask(service, "医保存折的钱什么时候到 我在职", "account_arrival")
    assert reply.outcome == ANSWERED and "下下月初5日" in said and "3月5日" in said and "哪个月" in said


def test_category_from_context_without_asking(service):
    _, said = ask(service, "我刚入职，单位说这个月开始给我交医保，这个月的钱什么时候到账", "account_arrival")
    assert "2027年（次年）2月5日" in said and "在职职工还是退休人员" not in said


def test_someone_elses_account_is_declined(service):
    reply, said = ask(service, "帮我查一下我邻居张三的医保账户还剩多少钱", "account_deposit")
    assert reply.outcome == DECLINED and "本人" in said and not reply.fact_ids


def test_english_gets_an_english_reply_with_the_agency(service):
    reply, said = ask(service, "How do I get my housing provident fund money out?")
    assert "Chinese" in said and reply.agency == "housing_fund" and "12329" in said


@pytest.mark.parametrize(
    "text, topic, expected",
    [
        ("我交了7年失业保险，能领多久失业金", "unemployment_benefit_period", "18个月"),
        ("3月10号在车间受的伤，工伤认定什么时候之前要申请", "injury_claim_deadline", "2027年3月10日"),
        ("我交了12年社保，退休能按月领养老金吗", "pension_years", "还差3年"),
        ("单位欠了1万元社保，拖了60天，滞纳金多少", "late_contribution_fee", "300元"),
    ],
)
def test_computed_national_rules_show_the_rule(service, text, topic, expected):
    assert service.knowledge.by_topic(topic), topic
    reply, said = ask(service, text, topic)
    assert reply.outcome == ANSWERED and expected in said and "全国性规定" in said and "第" in said


def test_out_of_domain(service):
    reply, said = ask(service, "明天北京天气怎么样", "out_of_scope")
    assert reply.outcome == OUT_OF_DOMAIN and "12345" in said


def test_region_without_a_local_rule(service):
    reply, said = ask(service, "上海在职职工1月的医保个人账户钱几号到", "account_arrival", regions=("上海",))
    assert reply.outcome == ROUTED and "上海" in said and "5日" not in said


def test_a_button_payload_is_answered_as_chosen(service):
    reply, said = ask(service, "/account_arrival", "account_arrival", 1.0)
    assert reply.outcome == ANSWERED and "下下月初5日" in said
    reply, said = ask(
        service,
        '/inform{"person_category": "retired"}',
        "inform",
        1.0,
        last_topic="account_arrival",
        entity_categories=("retired",),
    )
    assert reply.outcome == ANSWERED and "次月初5日" in said and "下下月" not in said
    reply, said = ask(service, "/greet", "greet", 1.0)
    assert "您好" in said


def test_an_explicit_request_for_a_human_wins_over_any_topic(service):
    reply, _ = ask(service, "我的电话是13812345678，我要转人工", "ask_hotline", 0.52)
    assert reply.handoff_reason == "asked_for_human" and not reply.fact_ids
