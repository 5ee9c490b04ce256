"""The policy core's decisions for one message, with NLU's ranking given: answer, route, decline."""

import dataclasses
from datetime import date

import pytest

from policy_core import PolicyService, Question, respond
from policy_core.answerability import asks_uncovered_aspect
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
        # The most specific subject named wins: 公积金 over 灵活就业, 异地长期居住 over 居住证.
        ("灵活就业想交公积金 去哪开户 网上能办不", "account_arrival", "housing_fund", "12329"),
        ("异地长期居住备案要交啥材料，必须有居住证吗", "account_arrival", "medical_security", "12345"),
        ("電子醫保憑證激活要刷臉，一直失敗怎麼辦", "account_arrival", "medical_security", "12345"),
        ("残疾人护理补贴和生活补贴怎么申请", "account_arrival", "other", "12345"),
        ("殘疾人困難生活補貼跟低保可以一起領嗎", "account_arrival", "other", "12345"),
        ("俺们两口子就一个闺女 独生子女父母奖励费退休时候一次性给多少 在哪领", "account_arrival", "other", "12345"),
        ("电子社保卡在哪领 跟医保电子凭证是一个东西吗", "account_arrival", "hrss", "12333"),
        ("健康证体检要空腹吗 哪个社区医院能做", "account_arrival", "other", "12345"),
        # A pension fact's words do not make a transfer question of another city's records.
        ("前十年在河北交的 转到北京了 在哪能查转过来的钱和年限", "pension_insurance_transfer", "hrss", "12333"),
        ("我爸在老家领退休金 人跟我住北京 资格认证可以在北京做吗", "benefit_qualification_check", "hrss", "12333"),
        ("俺在北京跑外卖 想自己交社保 去哪儿办登记 能按最低档交不", "ss_low_wage_contribution", "hrss", "12333"),
        ("北京以工代训补贴现在还有吗 企业咋申请", "account_arrival", "hrss", "12333"),
        ("老人卡坐公交免费是多少岁开始", "account_arrival", "other", "12345"),
        ("孩子在北京借读，中考要求家长社保交满几年", "pension_min_years", "other", "12345"),
        # A local figure or a procedure asked next to a national rule is local.
        ("北京生育津贴能拿几个月的，剖腹产能多给几天吗", "maternity_allowance_amount", "medical_security", "12345"),
        ("退休职工去世了，个人账户里剩的养老金咋继承，要公证吗", "pension_account_inheritance", "hrss", "12333"),
        ("我在三个城市交过社保，最后在哪退休，要不要先把它们都转到一块", "pension_insurance_transfer", "hrss", "12333"),
        ("忘了交今年的农合 现在补交的话 啥时候开始能报", "account_arrival", "medical_security", "12345"),
        # Where to hand something in or where an office is, is local, though NLU picks a fact on the subject.
        ("离职了想把公积金全取出来，线上能办吗还是要去柜台", "hf_resignation", "housing_fund", "12329"),
        ("公司拖欠工资三个月了，劳动监察大队在哪", "unpaid_wages_extra_compensation", "hrss", "12333"),
        ("我爸走了 他社保卡停保要家属去办吗 要带死亡证明哪些东西", "benefit_stop_report", "hrss", "12333"),
        # Years of contributions asked for another purpose (public housing) are not the pension's 15 years.
        ("公租房怎么申请 交社保满几年才能排", "pension_min_years", "other", "12345"),
    ],
)
def test_a_question_not_about_the_fact_nlu_picked_is_routed(service, text, nlu_topic, agency, hotline):
    reply, said = ask(service, text, nlu_topic)
    assert reply.outcome == ROUTED and not reply.fact_ids
    assert reply.agency == agency and hotline in said and "转人工" in said


def test_a_shop_dispute_goes_to_the_market_regulator_though_it_says_shebao_yibao(service):
    # Seed 000: a laptop-exchange dispute was settled by the market-regulation bureau.
    reply, said = ask(service, "买了台笔记本电脑没几天就坏了，商家不给换，这事归社保医保那边管吗", "account_arrival")
    assert reply.outcome == ROUTED and not reply.fact_ids
    assert reply.agency == "other" and "市场监管" in said and "12345" in said


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


@pytest.mark.parametrize(
    "text",
    [
        "Can you check my colleague Li Na's medical insurance account balance?",
        "Check Wang Fang's pension records please",
    ],
)
def test_someone_elses_records_asked_in_english_are_declined_in_english(service, text):
    reply, said = ask(service, text)
    assert reply.outcome == DECLINED and not reply.fact_ids and "authorize" in said and "cannot look up" in said


def test_ones_own_records_asked_in_english_are_not_declined(service):
    reply, _ = ask(service, "Can you check whether my boss paid my social insurance?")
    assert reply.outcome != DECLINED


def test_a_chinese_term_in_an_english_question_names_the_agency(service):
    reply, said = ask(service, "Where do I apply for 异地就医 before I travel to another province?")
    assert reply.outcome == ROUTED and reply.agency == "medical_security" and not reply.fact_ids
    assert "answer in Chinese" in said


def test_english_gets_an_english_reply_with_the_agency(service):
    reply, said = ask(service, "How do I get my housing provident fund money out?")
    assert "Chinese" in said and reply.agency == "housing_fund" and "12329" in said


@pytest.mark.parametrize(
    "text, topic, expected, basis",
    [
        (
            "When does the money arrive in my medical insurance personal account?",
            "account_arrival",
            "5 March",
            "第158号",
        ),
        ("How many years must I pay to get a pension?", "pension_years", "15 years", "第十六条"),
        ("How long can I get unemployment benefit?", "unemployment_benefit_period", "24 months", "第四十六条"),
        ("Can I deposit money into my medical account?", "account_deposit", "No.", "第158号"),
        ("Can I put my own money into my Beijing medical insurance passbook?", "account_deposit", "No.", "第158号"),
        (
            "What percentage of my wage is the disability allowance for a level 2 work injury?",
            "injury_disability_allowance",
            "85%",
            "第三十五条",
        ),
        (
            "After 10 years with one employer, can I ask for an open-ended contract?",
            "open_ended_contract",
            "10 years",
            "第十四条",
        ),
        (
            "I applied for my pension. Within how many working days must the agency finish?",
            "pension_claim_processing_time",
            "20 working days",
            "第十八条",
        ),
        ("What is the lowest housing provident fund contribution rate?", "hf_contribution_rate", "5%", "第十八条"),
    ],
)
def test_top_questions_in_english_are_answered_in_english_with_their_basis(service, text, topic, expected, basis):
    reply, said = ask(service, text)
    assert reply.outcome == ANSWERED and reply.topic == topic and reply.fact_ids
    assert expected in said and "Basis:" in said and basis in said and "hotline" in said


@pytest.mark.parametrize(
    "text, expected, not_said",
    [
        ("When does my February personal account money arrive? I'm an employee.", ["5 April 2026"], ["5 March 2026"]),
        ("I'm retired. When will June's personal account money arrive?", ["5 July 2026"], ["5 August 2026"]),
        (
            "My mother is retired and I'm still working. When does each of us get the March personal account money?",
            ["Retirees", "5 April 2026", "In-service employees", "5 May 2026"],
            [],
        ),
        (
            "My employer paid May's contribution late, in July. When will May's personal account money arrive?",
            ["paid by the employer only in July", "5 September 2026"],
            ["5 July 2026"],
        ),
        # A Chinese term in the English sentence, and "I work" as the resident's category.
        (
            "I work at a factory, my mother is retired. When does April's 医保 account money arrive for each of us?",
            ["In-service employees", "5 June 2026", "Retirees", "5 May 2026"],
            [],
        ),
        ("I'm an employee, so my March 医保 money comes by April 5, right?", ["5 May 2026"], ["for April"]),
        # "My August money" with no account named is the account's money, and a wrong date is not repeated.
        (
            "I'm employed. Someone told me my August money arrives on September 5. Is that right?",
            ["5 October 2026"],
            ["5 September"],
        ),
    ],
)
def test_english_arrival_questions_with_a_month_get_the_computed_date(service, text, expected, not_said):
    reply, said = ask(service, text)
    assert reply.outcome == ANSWERED and reply.topic == "account_arrival"
    assert all(e in said for e in expected) and not any(n in said for n in not_said), said
    assert "Basis:" in said and "第158号" in said


@pytest.mark.parametrize(
    "text", ["My August payment for the gym, when is it due?", "When does my August pension money arrive?"]
)
def test_an_english_month_of_other_money_is_not_the_account(service, text):
    reply, _ = ask(service, text)
    assert reply.outcome != ANSWERED and not reply.fact_ids


def test_a_date_in_an_english_arrival_question_is_not_a_second_month(service):
    reply, said = ask(service, "I'm retired. My January personal account money arrives by 5 March, right?")
    assert reply.outcome == ANSWERED and "money for January 2027 arrives by 5 February 2027" in said
    assert "for March" not in said


def test_an_english_arrival_question_without_a_month_gets_the_rule(service):
    # "does it take" asks a processing time elsewhere; for the account money it is the arrival rule.
    for text in (
        "When does the personal account money arrive?",
        "How long does it take for the monthly medical personal account money to arrive?",
    ):
        reply, said = ask(service, text)
        assert reply.outcome == ANSWERED and "month after next" in said and " 2026" not in said, text


@pytest.mark.parametrize(
    "text",
    [
        "How do I get a replacement social security card?",
        "How do I apply for unemployment benefit online?",  # asks a procedure no English answer gives
        "How long does it take for my pension to arrive each month?",  # not the pension application's deadline
        "What's the housing provident fund loan interest rate now?",  # a loan rate, not the contribution rate
        "How much pension will I get after 20 years?",
        "Where can I check my medical account balance?",
        "How long does it take to get unemployment benefit approved?",  # processing, not the period
        "How many days of paid leave do I get after a work injury?",
        # One's own pension amount is a record, not the composition rule.
        "How is my monthly pension calculated in Beijing? I have paid for 18 years at 1.5 times the average wage.",
    ],
)
def test_other_english_questions_get_no_fact(service, text):
    reply, said = ask(service, text)
    assert reply.outcome != ANSWERED and not reply.fact_ids and "Chinese" in said


@pytest.mark.parametrize(
    "text, topic, expected",
    [
        ("我交了7年失业保险，能领多久失业金", "unemployment_benefit_period", "18个月"),
        ("3月10号在车间受的伤，工伤认定什么时候之前要申请", "injury_claim_deadline", "2027年3月10日"),
        ("我交了12年社保，退休能按月领养老金吗", "pension_years", "还差3年"),
        ("从2012年1月交养老保险一直交到2024年12月退休，还差几年才能按月领", "pension_years", "还差2年"),
        ("单位欠了1万元社保，拖了60天，滞纳金多少", "late_contribution_fee", "300元"),
        (
            "上回失业还剩6个月没领，后来又交了2年，这回又失业了能领多久",
            "unemployment_repeat_claim",
            "合计最长可以领18个月",
        ),
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


@pytest.mark.parametrize(
    "text, nlu_topic, agency",
    [
        # How much money one receives: a national rule without a sum does not answer it.
        ("生育津贴能领多少钱", "maternity_allowance_amount", "medical_security"),
        # A lost document is a replacement procedure, which no fact answers.
        ("发票丢了还能报销医药费吗", "reimburse_photocopy", "medical_security"),
        ("就业失业登记证丢了怎么补", "unemployment_how_to_claim", "hrss"),
        # "怎么做" / "怎么领" ask a procedure.
        ("养老金资格认证怎么做", "benefit_qualification_check", "hrss"),
        # The national minimum is not the local rate; local housing-loan policy is local.
        ("公积金缴存比例是多少", "hf_contribution_rate", "housing_fund"),
        ("二套房能用公积金贷款吗", "hf_loan_conditions", "housing_fund"),
    ],
)
def test_questions_the_national_rule_does_not_answer_are_routed(service, text, nlu_topic, agency):
    reply, said = ask(service, text, nlu_topic, 0.95)
    assert reply.outcome == ROUTED and not reply.fact_ids, said
    assert reply.agency == agency


def test_the_national_minimum_still_answers_a_question_about_the_minimum(service):
    reply, said = ask(service, "公积金缴存比例最低是多少", "hf_contribution_rate", 0.95)
    assert reply.outcome == ANSWERED and "5%" in said


def test_a_sum_stated_by_the_fact_answers_a_money_question(service):
    fact = service.knowledge.by_topic("maternity_allowance_amount")[0]
    question = "生育津贴能领多少钱"
    assert asks_uncovered_aspect(fact, question, service.gate.settings)
    with_sum = dataclasses.replace(fact, answer="生育津贴每天按100元计发。")
    assert not asks_uncovered_aspect(with_sum, question, service.gate.settings)


def test_the_candidate_naming_more_of_the_question_wins(service):
    ranking = (("medical_fraud_penalty", 0.67), ("hospital_fraud_penalty", 0.23))
    reply = respond(service, Question("医院伪造病历骗医保会怎么罚", intent=ranking[0][0], ranking=ranking))
    assert reply.topic == "hospital_fraud_penalty"


def test_a_topic_ranked_with_little_confidence_is_still_found_by_its_words(service):
    ranking = (
        ("medical_third_party_injury", 0.82),
        ("medical_treatment_abroad", 0.1),
        ("medical_work_injury_costs", 0.03),
    )
    reply = respond(service, Question("上班受伤了看病能走医保报销吗", intent=ranking[0][0], ranking=ranking))
    assert reply.outcome == ANSWERED and reply.topic == "medical_work_injury_costs"


def test_several_months_are_each_answered(service):
    _, said = ask(service, "我和我爸都退休了，医保存折的钱我问三月份的，他问六月份的，各几号到", "account_arrival")
    assert "4月5日" in said and "7月5日" in said
    # Two people and two months pair in the order they were told.
    _, said = ask(service, "我在职，我老伴退休了，我问二月的，她问八月的，存折钱分别哪天到", "account_arrival")
    assert "在职职工2026年2月" in said and "4月5日" in said and "退休人员2026年8月" in said and "9月5日" in said
    # Each person's month followed by "几号" is still that person's month.
    _, said = ask(service, "我在职，2月的钱几号到；我爸退休了，他4月的几号到", "account_arrival")
    assert "在职职工2026年2月" in said and "4月5日" in said and "退休人员2026年4月" in said and "5月5日" in said
    _, said = ask(service, "我是在职的想问2月的，我爸退休了想问他4月的，各自几号到", "account_arrival")
    assert "在职职工2026年2月" in said and "4月5日" in said and "退休人员2026年4月" in said and "5月5日" in said


def test_a_month_followed_by_a_day_asked_is_when_it_arrives(service):
    _, said = ask(service, "退下来的人一月那份医保款，二月份几号之前肯定到", "account_arrival")
    assert "1月的个人账户资金" in said and "2月5日" in said and "3月5日" not in said


def test_two_people_one_of_them_without_a_personal_account(service):
    reply, said = ask(service, "我在单位上班，我弟是灵活就业的，我们9月的医保钱分别什么时候到", "account_arrival")
    assert reply.outcome == ANSWERED and "11月5日" in said
    assert "灵活就业" in said and "不建立" in said


@pytest.mark.parametrize(
    "text, expected",
    [
        ("我和我爸一个在职一个退休，6月的医保钱各是几号到", ["8月5日", "7月5日"]),
        ("兄弟俩，哥哥退休了弟弟还在上班，7月的医保个人账户钱分别几号到", ["8月5日", "9月5日"]),
        ("我爸退休我妈还上班，12月的医保钱什么时候到", ["1月5日", "2月5日"]),
    ],
)
def test_two_people_in_one_clause_get_both_answers(service, text, expected):
    reply, said = ask(service, text, "account_arrival")
    assert reply.outcome == ANSWERED and all(day in said for day in expected), said


def test_an_employer_paying_late_moves_only_the_employed_persons_date(service):
    text = "我退休了，我儿子在公司上班，他单位9月的社保拖到11月才交，我俩9月的医保钱分别几号到"
    _, said = ask(service, text, "account_arrival")
    assert "10月5日" in said and "2027年（次年）1月5日" in said


@pytest.mark.parametrize(
    "text, expected",
    [
        ("上个月单位补交了我7月的医保，7月的钱啥时候进存折", "1月5日"),
        ("单位11月的医保是这个月才缴的，11月的钱几号到", "2月5日"),
        ("我1月入职，单位3月份才给我把1月的医保交上，1月那笔什么时候到", "5月5日"),
        ("我看7月份的医保钱是9月初才进来的，这正常吗，最晚应该几号到，我在职", "9月5日"),
    ],
)
def test_the_payment_month_told_in_other_words(service, text, expected):
    reply, said = ask(service, text, "account_arrival")
    assert reply.outcome == ANSWERED and expected in said, said


@pytest.mark.parametrize(
    "text",
    [
        "我表哥的失业金领了几个月了帮我查查",
        "查一下身份证号110101196501011234的人养老金多少",
        "我想知道我们楼下刘叔叔退休金一个月多少",
        "能查一下李建国（身份证后四位2317）的医保存折明细吗",
        "帮我看看我前妻最近用医保都买了些啥药",
        "我们楼新来的那个保安交没交医保，账户里有没有钱，能查到不",
        "我是王芳的同学，她让我来问她医保账户余额",
        "我们村会计说要统计大伙儿的医保存折余额，能直接从你们这儿查吗",
        "能告诉我赵敏（1985年生）医保存折最近三个月的入账记录吗",
        "我们村主任想统计一下村里每个人的医保账户余额 能给个名单吗",
        "帮我调一下我们班组长王强的医保个人账户流水",
        "我是公司老板，想看看我员工小刘的医保账户这半年都花在哪了",
    ],
)
def test_other_peoples_records_in_other_words_are_declined(service, text):
    reply, said = ask(service, text, "unemployment_benefit_period")
    assert reply.outcome == DECLINED and not reply.fact_ids and "本人" in said
    assert "110101196501011234" not in said


def test_severance_is_computed_from_the_time_worked(service):
    reply, said = ask(service, "我在公司干了3年零8个月，经济补偿按几个月工资算", "severance_for_unpaid_ss")
    assert reply.outcome == ANSWERED and "3年8个月" in said and "4个月" in said and "第四十七条" in said
    _, said = ask(service, "经济补偿怎么算", "severance_for_unpaid_ss")
    assert "每满一年支付一个月工资" in said and "工作了多久" in said


def test_a_computed_severance_is_said_for_the_cases_that_are_paid(service):
    # A dismissal for the worker's fault is not paid: the amount is given only for the cases the answer lists.
    reply, said = ask(service, "公司裁员把我裁了，干了两年，补偿几个月", "severance_cases")
    assert reply.outcome == ANSWERED and "属于应当支付经济补偿的情形的" in said and "2个月" in said


@pytest.mark.parametrize(
    "text, nlu_topic",
    [
        # When withdrawn money arrives is not when one may withdraw.
        ("公积金提取后我的钱几号到账", "account_arrival"),
        # The residents' scheme's flat basic pension is not the employees' pension.
        ("城乡居民养老保险的基础养老金每个月多少钱 我们是甘肃的", "ss_pension_amount"),
        # Who pays the treatment is not whether the employer must get the worker treated.
        ("上班受伤了 单位送医院了 医药费谁出", "injury_prompt_treatment"),
    ],
)
def test_a_fact_about_something_else_is_not_given(service, text, nlu_topic):
    reply, _ = ask(service, text, nlu_topic)
    assert reply.outcome != ANSWERED and not reply.fact_ids


def test_unlawful_dismissal_and_double_pay_are_computed(service):
    reply, said = ask(
        service, "干了整4年 老板说开就开 啥理由都没有 这种违法辞退能赔多少", "unlawful_dismissal_compensation"
    )
    assert reply.outcome == ANSWERED and "4个月" in said and "8个月" in said and "第八十七条" in said
    reply, said = ask(service, "入职8个月了公司就是不签合同 能要几个月的双倍工资", "no_written_contract_double_pay")
    assert reply.outcome == ANSWERED and "7个月" in said and "第八十二条" in said
    _, said = ask(service, "公司一直不跟我签劳动合同怎么办", "no_written_contract_double_pay")
    assert "二倍工资" in said and "入职多久" in said


@pytest.mark.parametrize(
    "text, topic, article",
    [
        ("养老保险是单位交还是个人交", "contribution_who_pays", "第十条"),
        ("单位给我交的那部分养老保险进我个人账户吗", "pension_pooling_and_account", "第十二条"),
        ("失业保险个人交多少比例", "unemployment_contribution_rate", "第六条"),
        ("发现单位偷逃社保费可以举报吗", "ss_report_violation", "第八十二条"),
        ("工伤后需要装假肢，钱谁出", "injury_assistive_devices", "第三十二条"),
        ("试用期工资最低能给多少", "probation_wage", "第二十条"),
        ("公司说离职要赔违约金，合法吗", "penalty_clause", "第二十五条"),
    ],
)
def test_national_rules_added_from_the_law_texts(service, text, topic, article):
    reply, said = ask(service, text, topic, 0.8)
    assert reply.outcome == ANSWERED and reply.topic == topic and article in said, said


def test_a_figure_only_a_person_can_compute_is_handed_off(service):
    reply, said = ask(service, "我交了25年社保，退休能拿多少钱", "ss_pension_amount", 0.95)
    assert reply.handoff_reason == "needs_personal_records" and "第十六条" in said


def test_two_people_one_without_a_personal_account_hear_that_first(service):
    reply, said = ask(
        service, "我是在职的，我老婆是通过人才中心参保的，我们俩能不能往各自的医保存折里存钱", "account_deposit"
    )
    assert reply.outcome == ANSWERED
    assert said.index("不建立基本医疗保险个人账户") < said.index("不能。个人不能向医疗保险个人账户存钱")


def test_a_fact_is_not_given_for_what_it_says_it_is_not_about(service):
    fact = service.knowledge.by_topic("sanfutie")[0]
    assert not asks_uncovered_aspect(fact, "三伏贴多少钱", service.gate.settings)
    assert asks_uncovered_aspect(fact, "三伏贴孕妇可以贴吗", service.gate.settings)
    reply, said = ask(service, "三伏贴孕妇可以贴吗", "sanfutie", 0.99)
    assert reply.outcome != ANSWERED and not reply.fact_ids and "360" not in said


def test_an_answer_stating_a_multiple_answers_a_how_much_question(service):
    fact = service.knowledge.by_topic("split_hospitalization")[0]
    question = "医院分解住院会罚多少钱"
    assert not asks_uncovered_aspect(fact, question, service.gate.settings)
    without = dataclasses.replace(fact, answer="医院不得分解住院，违者要受处罚。")
    assert asks_uncovered_aspect(without, question, service.gate.settings)


def test_nlu_very_sure_of_a_named_subject_answers_without_the_aspect(service):
    text = "我觉得是工伤 公司一口咬定不是 这种情况法律上怎么说"
    sure = Question(text, intent="injury_burden_of_proof", ranking=(("injury_burden_of_proof", 0.99),))
    unsure = Question(text, intent="injury_burden_of_proof", ranking=(("injury_burden_of_proof", 0.9),))
    assert service.gate.decide(text, sure.ranking).reason == "subject named, NLU very sure"
    assert service.gate.decide(text, unsure.ranking).topic is None


def test_the_last_clause_of_a_story_is_compared_with_the_examples(service):
    from policy_core.answerability import last_clause

    text = "我是河南的 在东莞电子厂干了七年 厂子搬走了 我现在回老家了 想问问失业金最长能领几个月"
    assert last_clause(text) == "想问问失业金最长能领几个月"
    gate = service.gate
    assert gate.similarity("unemployment_benefit_period", text, last_clause_too=True) > gate.similarity(
        "unemployment_benefit_period", text
    )


def test_spaces_inside_a_term_do_not_hide_it(service):
    from policy_core.answerability import names_thing

    fact = service.knowledge.by_topic("contribution_undeclared_amount")[0]
    assert names_thing(fact, "单位 不按规定 申报 社保费数额")


def test_two_facts_on_one_article_named_by_words_give_the_closer_one(service):
    # NLU ranks neither; the minimum-years and the shortfall facts both rest on 社会保险法第十六条.
    reply, said = ask(service, "养老保险总共才交了十一年 能不能按月领养老金", "account_arrival", 0.3)
    assert reply.outcome == ANSWERED and reply.topic in ("pension_years", "pension_short_of_years")
    assert "第十六条" in said and "还差4年" in said


def test_facts_on_different_articles_named_by_words_are_not_guessed(service):
    gate = service.gate
    assert gate._one_article({"pension_years", "pension_short_of_years"})
    assert not gate._one_article({"pension_years", "late_contribution_fee"})


def test_a_question_about_a_hotlines_own_human_service_is_no_request_for_a_person(service):
    for text in ("12333人工服务几点到几点", "12329咋转人工 一直是语音"):
        reply, said = ask(service, text, "ask_hotline", 0.5)
        assert reply.handoff_reason != "asked_for_human" and said, text
    for text in ("我要人工服务，机器人听不懂", "我的电话13812345678，我要人工服务，什么时间能接通"):
        reply, _ = ask(service, text)
        assert reply.handoff_reason == "asked_for_human", text


def test_an_employers_registration_change_is_not_answered_with_the_new_workers_deadline(service):
    # 社会保险法第五十八条 (30 days from hiring a worker) does not answer a change of the employer's own registration.
    reply, said = ask(service, "公司搬了地址 社保登记要多少天内去变更", "ss_registration_deadline", 0.6)
    assert reply.topic != "ss_registration_deadline"
    reply, said = ask(service, "公司搬了地址 社保登记要多少天内去变更", "employer_registration_change", 0.6)
    assert reply.outcome == ANSWERED and "第九条" in said and "30日内" in said


def test_a_late_payment_told_with_month_and_share_is_an_arrival_question(service):
    # "2月份的社保3月才交上" names the personal account's money without the word 个人账户.
    reply, said = ask(service, "单位2月份的社保3月才交上，2月那部分几号前到账", topic="account_arrival")
    assert reply.outcome == ANSWERED and reply.topic == "account_arrival" and "5月5日" in said, said


@pytest.mark.parametrize(
    "text, answered",
    [
        ("对社保罚款决定不服 可以申请复议吗", True),
        # An employer fining its worker is no contribution penalty; nor is an office's registration deadline.
        ("公司罚款我不服能告吗", False),
        ("单位给我办异地就医备案要几天", False),
    ],
)
def test_new_law_facts_answer_only_their_own_question(service, text, answered):
    topics = ("contribution_penalty_appeal", "unemployed_list_report")
    replies = [ask(service, text, topic=topic)[0] for topic in topics]
    assert any(r.outcome == ANSWERED for r in replies) is answered, [(r.outcome, r.fact_ids) for r in replies]


def test_a_resident_naming_their_own_job_is_not_someone_else():
    from policy_core.understanding import asks_for_someone_elses_records

    assert not asks_for_someone_elses_records("我是保安，单位交没交医保怎么查")
    assert not asks_for_someone_elses_records("我是组长，帮我查查我的社保交没交")
    assert asks_for_someone_elses_records("帮我调一下我们班组长王强的医保个人账户流水")
    assert asks_for_someone_elses_records("帮我查下我家保姆的社保交没交")


def test_a_retired_cadre_told_by_the_year_they_joined_work_hears_that_there_is_no_account(service):
    reply, said = ask(service, "我是1949年以前就参加工作的老干部，有没有医保存折", "account_eligibility")
    assert reply.outcome == ANSWERED and "离休" in said and "不建立" in said, said
    reply, said = ask(service, "我没单位，自己以个人身份在街道交社保，开网店的，我有医保存折吗", "account_eligibility")
    assert reply.outcome == ANSWERED and "灵活就业" in said and "不建立" in said, said


@pytest.mark.parametrize(
    "text, topic, said_words",
    [
        # 劳动合同法第三十八条第二款: forced or dangerous work ends the contract at once, without notice.
        (
            "老板逼着我们冒险作业 不干就扣钱 我能直接走人不用提前说吗",
            "immediate_resignation",
            ("立即解除", "第三十八条"),
        ),
        # 第十九条: a contract that only states a probation has no probation; that term is the contract's.
        ("合同上就写了试用期三个月 别的期限啥也没写 这咋算", "probation_only_contract", ("试用期不成立", "第十九条")),
        # 失业保险条例第二十五条: the agency's advice to the unemployed is free.
        ("去社保局问问失业保险的事儿 要收咨询费不", "unemployment_free_consultation", ("免费咨询", "第二十五条")),
    ],
)
def test_law_facts_added_from_residents_questions(service, text, topic, said_words):
    reply, said = ask(service, text, topic, 0.6)
    assert reply.outcome == ANSWERED and reply.topic == topic, said
    assert all(word in said for word in said_words), said


@pytest.mark.parametrize(
    "text, topic",
    [
        # The 30-day notice (第三十七条) is not the answer when the employer forces dangerous work.
        ("老板逼着我们冒险作业 不干就扣钱 我能直接走人不用提前说吗", "resignation_notice"),
        # The probation lengths (第十九条第一款) do not answer a contract that states only a probation.
        ("合同上就写了试用期三个月 别的期限啥也没写 这咋算", "probation_max_length"),
        # A payroll deduction does not say when the account money arrives.
        ("单位每个月从我工资里扣医保 八月份扣的那笔 存折上啥时候能见到", "ss_payroll_deduction"),
        # Arrears of the housing fund are not social-insurance arrears; a new employer's contributions are not
        # the 110% rule for a month not declared.
        ("单位一直拖着不交公积金 催了也不交 最后能怎么办", "employer_arrears_enforcement"),
        ("新成立的单位还没交过社保 也不去申报 社保机构按什么核它该交多少", "contribution_undeclared_amount"),
        ("公积金贷款月供晚了几天还会上征信吗", "hf_loan_conditions"),
        # A student's cover ending is not a retiree's; a lost certificate is no receipt; a subsidy is no deferral.
        ("毕业了学校的医保啥时候停 要不要自己接着交", "medical_retirement_contribution"),
        ("技能等级证书纸质的丢了 能补吗还是只能打电子版", "reimburse_photocopy"),
        ("就业困难人员社保补贴最多能领几年", "ss_contribution_deferral"),
        ("辞职了不想把公积金取出来 能自己接着往里交吗", "hf_resignation"),
        ("单位多给我交了一个月社保 个人扣的那部分能退回来吗", "ss_overpaid_benefit"),
        # Outpatient care in another city is not what the direct-settlement rule says.
        ("在外地看门诊能直接刷医保吗，还是只有住院能刷", "medical_direct_settlement"),
        ("自由职业自愿缴存公积金 每个月最少交多少", "hf_monthly_amount"),
        ("签了冲还贷以后还能再提取公积金吗", "hf_withdrawal_conditions"),
        ("社区公益岗工资多少 给交社保不", "ss_low_wage_contribution"),
        ("人在美国住，养老金认证有什么方式", "benefit_qualification_check"),
    ],
)
def test_a_neighbouring_rule_does_not_answer(service, text, topic):
    reply, said = ask(service, text, topic, 0.97)
    assert reply.topic != topic, said


def test_an_arrival_question_about_a_pension_or_wage_is_not_the_account_rule(service):
    reply, said = ask(service, "我爸退休我在职，五月份的养老金各自几号到账", "account_arrival", 0.95)
    assert reply.outcome != ANSWERED, said
    reply, said = ask(service, "我爸退休我在职，五月份各自几号到账", "account_arrival", 0.95)
    assert reply.outcome == ANSWERED and "7月5日" in said and "6月5日" in said, said


def test_follow_ups_carry_the_subject_of_the_topic_just_answered(service):
    # The Beijing account facts share most of their subject words, each with a few of its own.
    reply, said = ask(service, "这是哪个文件规定的？", "account_basis", 0.6, last_topic="account_arrival")
    assert reply.outcome == ANSWERED and "158号" in said
    # A fact without aspect groups is given again to a follow-up naming the general subject, not to thanks.
    reply, said = ask(service, "医保给报销吗", "medical_coverage_scope", 0.2, last_topic="sanfutie")
    assert reply.topic == "sanfutie" and "可以报销" in said
    reply, _ = ask(service, "谢谢啦", "thanks", 0.9, last_topic="sanfutie")
    assert reply.outcome != ANSWERED
    reply, _ = ask(service, "医保卡怎么激活", "medical_coverage_scope", 0.2, last_topic="sanfutie")
    assert reply.outcome != ANSWERED


def test_a_short_reply_telling_a_category_continues_the_topic_whatever_nlu_made_of_it(service):
    reply, said = ask(service, "我已经退了", "reimburse_settled_receipt", 0.17, last_topic="account_arrival")
    assert reply.outcome == ANSWERED and reply.topic == "account_arrival" and "退休人员" in said, said
    # A longer message telling a category is its own question, not a reply to ours.
    reply, _ = ask(service, "我退休了，想问问还要不要每个月交医保", "complain", 0.3, last_topic="account_arrival")
    assert reply.topic != "account_arrival"


@pytest.mark.parametrize(
    "text, nlu_topic, category_word",
    [
        ("灵活就业的也有医保个人账户，我该去哪儿领存折", "account_eligibility", "灵活就业"),
        ("离休干部的个人账户是不是比退休的划得还多", "account_composition", "离休"),
        ("我是离休干部 听邻居说看病的都有医保个人账户 我怎么从来没见过", "out_of_scope", "离休"),
    ],
)
def test_a_category_without_an_account_hears_so_whatever_it_asks_about_the_account(
    service, text, nlu_topic, category_word
):
    reply, said = ask(service, text, nlu_topic, 0.5)
    assert reply.outcome == ANSWERED and category_word in said and "不建立" in said, said


def test_a_category_the_resident_was_in_before_is_not_corrected_as_their_own(service):
    reply, said = ask(service, "我以前在职有医保存折，现在灵活就业了，存折里剩的钱还能用吗", "account_payout", 0.5)
    assert "不建立" not in said, said


@pytest.mark.parametrize(
    "text",
    [
        # Any money is not the account: these ask how to pay and how to claim.
        "灵活就业人员医保钱怎么交",
        "离休干部看病医保钱怎么报",
        # Another scheme's personal account.
        "灵活就业养老保险个人账户怎么算",
    ],
)
def test_a_category_without_an_account_is_not_corrected_on_other_questions(service, text):
    reply, said = ask(service, text, "account_eligibility", 0.3)
    assert "不建立" not in said, said


def test_work_told_as_the_past_is_no_category_now(service):
    _, said = ask(service, "我以前上班的单位不给我交社保，现在在新单位，三月的医保钱几号到", "account_arrival")
    assert "5月5日" in said and "4月5日" not in said, said


def test_a_pension_contribution_paid_late_is_not_the_medical_account(service):
    reply, said = ask(service, "单位养老保险拖到12月才交 那钱什么时候到", "account_arrival", 0.5)
    assert reply.outcome != ANSWERED, said


def test_one_resident_whose_employer_words_are_the_past_is_retired(service):
    _, said = ask(service, "我上个月刚从单位退下来，开始领养老金了，十月份个人账户的钱什么时候到", "account_arrival")
    assert "11月5日" in said and "12月5日" not in said, said


def test_when_a_relatives_money_arrives_is_the_rule_not_their_record(service):
    reply, said = ask(service, "我妈刚办完退休手续，非让我查查她十二月的医保存折的钱啥时候能进来", "account_arrival")
    assert reply.outcome == ANSWERED and "1月5日" in said, said


@pytest.mark.parametrize(
    "text",
    [
        "我哥的医保个人账户每个月进多少钱 你帮我瞅瞅",
        "我是房东，想查查租客的医保参保情况",
        "能不能帮我看下我们村李会计的医保存折里有多少钱",
        "我儿媳妇这回住院医保报了多少钱 我想知道",
    ],
)
def test_more_wordings_of_someone_elses_records_are_declined(service, text):
    reply, said = ask(service, text, "account_composition")
    assert reply.outcome == DECLINED and "本人" in said, said


def test_a_late_payment_month_in_brackets_counts(service):
    _, said = ask(service, "单位五月的社保费一直没交，这个月（八月）才交上，五月那份钱哪天到", "account_arrival", 0.99)
    assert "10月5日" in said and "7月5日" not in said, said


def test_a_busy_hotline_is_a_question_about_that_hotline_not_a_request_for_a_person(service):
    reply, said = ask(service, "打12333一直占线 有没有别的办法找人工", "ask_human", 0.9)
    assert reply.handoff_reason is None and reply.agency == "hrss" and "12333" in said, said


def test_colleagues_named_by_nickname_or_name_are_someone_else():
    from policy_core.understanding import asks_for_someone_elses_records

    assert asks_for_someone_elses_records("能不能把我们单位李娟的社保缴费记录发我一份")
    assert asks_for_someone_elses_records("我们单位新来的小王，她个人账户每月进多少钱，你给我说说")
    assert asks_for_someone_elses_records("能帮我查查对门张三的社保交到哪个月了吗")
    assert not asks_for_someone_elses_records("单位方面的原因没交社保，帮我查一下我的缴费记录")


def test_work_told_as_the_past_or_an_age_past_seventy_is_retired():
    from policy_core.categories import PersonCategory
    from policy_core.understanding import categories_mentioned

    assert categories_mentioned("我每月按时领养老金，个人账户里的钱为啥跟以前上班时不一样了") == [
        PersonCategory.RETIRED
    ]
    assert categories_mentioned("我老爸七十多了，每个月医保存折都进一笔钱") == [PersonCategory.RETIRED]
    assert categories_mentioned("我在单位上班，三月的钱几号到") == [PersonCategory.IN_SERVICE]


@pytest.mark.parametrize(
    "text, fact_id",
    [
        ("My father died. Can we inherit the money in his housing provident fund?", "cn_hf_withdraw_death"),
        ("Do employees pay work injury insurance contributions?", "cn_injury_maternity_no_worker_contribution"),
    ],
)
def test_law_facts_answer_in_english(service, text, fact_id):
    reply, said = ask(service, text)
    assert reply.outcome == ANSWERED and reply.fact_ids == (fact_id,), said
    assert "Basis: " in said, said


@pytest.mark.parametrize(
    "text",
    [
        # "heir" is inside "their": an English term must start a word.
        "Can freelancers pay into the housing provident fund on their own?",
        "I'm a foreigner working in Shenzhen. What's my housing fund loan limit?",
    ],
)
def test_english_terms_inside_other_words_or_local_figures_are_not_answered(service, text):
    reply, said = ask(service, text)
    assert reply.outcome != ANSWERED, said


def test_a_request_to_us_for_a_person_stays_one_even_about_a_busy_hotline():
    from policy_core.understanding import asks_for_a_human

    assert asks_for_a_human("12333一直打不通，你帮我转人工吧")
    assert asks_for_a_human("12329总是语音导航 我要人工")
    assert not asks_for_a_human("打12333一直占线 有没有别的办法找人工")
    assert not asks_for_a_human("12329咋转人工 一直是语音")


@pytest.mark.parametrize(
    "text, fact_id",
    [
        ("Does my employment contract have to include social insurance?", "cn_contract_required_terms"),
        ("Can our company refuse a social insurance inspection?", "cn_ss_inspection_cooperation"),
        ("Is there a consultation fee for work injury advice?", "cn_injury_free_consultation"),
        (
            "How many days does my employer have to apply for work injury recognition after I got hurt?",
            "cn_injury_claim_deadline",
        ),
        (
            "How often must an employer declare its social insurance contributions?",
            "cn_contribution_monthly_declaration",
        ),
        ("Is there interest on my pension account?", "cn_pension_account_interest"),
    ],
)
def test_more_law_facts_answer_in_english(service, text, fact_id):
    reply, said = ask(service, text)
    assert reply.outcome == ANSWERED and reply.fact_ids == (fact_id,), said


@pytest.mark.parametrize(
    "text",
    [
        # "credited" is not "credit" (the medical-insurance credit record).
        "When does money get credited to my Beijing medical insurance personal account?",
    ],
)
def test_an_english_word_holding_another_fact_term_keeps_its_own_topic(service, text):
    reply, said = ask(service, text)
    assert reply.outcome == ANSWERED and {f.split("_")[0] for f in reply.fact_ids} == {"bj"}, said
    assert "cn_medical_credit_record" not in reply.fact_ids


@pytest.mark.parametrize(
    "text, fact_id",
    [
        # Both name unemployment and their aspect words; the first is far closer to what is asked.
        ("失业金从哪天开始算？我辞职后过了两个月才去登记的", "cn_unemployment_how_to_claim"),
        (
            "我们是外卖骑手 站点说我们是个体户不给交社保 那我们能不能自己交职工养老保险",
            "cn_pension_flexible_employment",
        ),
    ],
)
def test_of_several_topics_named_the_far_closest_is_given(service, text, fact_id):
    reply, said = ask(service, text, "out_of_scope", 0.5)
    assert reply.outcome == ANSWERED and reply.fact_ids == (fact_id,), said


def test_without_a_clear_lead_several_topics_named_are_not_guessed_between(service):
    from policy_core.answerability import AnswerabilityGate

    text = "失业金从哪天开始算？我辞职后过了两个月才去登记的"
    ranking = (("out_of_scope", 0.5),)
    assert service.gate.decide(text, ranking).topic == "unemployment_how_to_claim"
    strict = dataclasses.replace(service.gate.settings, min_similarity_lead_by_words=101.0)
    assert AnswerabilityGate(service.knowledge, strict).decide(text, ranking).topic is None


def test_how_many_years_one_has_paid_is_ones_record_not_a_figure_the_rule_must_state(service):
    reply, said = ask(
        service, "想查一下自己到底交了多少年社保 去社保局打印缴费记录要收费不", "query_contribution_record"
    )
    assert reply.outcome == ANSWERED and "cn_query_contribution_record" in reply.fact_ids, said


@pytest.mark.parametrize(
    "text, nlu_topic",
    [
        ("技能提升补贴是不是要交满一年失业保险才能领？每人能领几次", "unemployment_benefit_period"),
        ("公积金租房提取可以按月自动转到卡里吗 每次都要重新申请好麻烦", "hf_withdraw_rent"),
        ("婆婆住院出院结算 单子上写着统筹支付 个人自付 自付和自费到底啥区别", "reimburse_settled_receipt"),
    ],
)
def test_a_neighbouring_fact_is_not_given_for_a_different_question(service, text, nlu_topic):
    reply, said = ask(service, text, nlu_topic, 0.99)
    assert reply.outcome != ANSWERED and not reply.fact_ids, said


def test_a_retired_persons_reimbursement_payout_is_not_the_account_arrival(service):
    text = "我爸退休好几年了，回北京后做了手工报销。他天天盯着医保存折看钱到没到。退休人员手工报销的钱一般打到哪里？"
    reply, said = ask(service, text, "account_arrival", 0.9)
    assert reply.fact_ids == ("bj_account_payout_retired",) and "养老金" in said, said


def test_a_housing_fund_paid_on_too_low_a_base_is_not_the_social_insurance_case(service):
    text = "单位一直按最低标准给我交公积金 跟我实际工资差一大截 我自己能要求单位足额交吗"
    reply, said = ask(service, text, "ss_low_wage_contribution", 0.99)
    assert "xc_low_wage_contribution" not in reply.fact_ids, said


@pytest.mark.parametrize(
    ("text", "said_for", "not_said_for"),
    [
        ("I am retired. When does my medical account money come each month?", "Retirees", "In-service"),
        ("I have a job in Beijing. When is the personal account money paid in?", "In-service", "Retirees"),
    ],
)
def test_an_english_arrival_question_naming_a_category_gets_that_category_only(service, text, said_for, not_said_for):
    reply, said = ask(service, text)
    assert reply.outcome == ANSWERED and reply.topic == "account_arrival"
    assert said_for in said and not_said_for not in said, said


@pytest.mark.parametrize(
    "text, topic, answered",
    [
        # The story mentions a balance (余额, no fact answers it); the question at the end is the computed rule.
        (
            "我在一家广告公司上班，月底忙，刚才买药发现个人账户余额不多了。我是在职职工，10月的个人账户钱什么时候到？",
            "account_arrival",
            True,
        ),
        # The question need not be the last clause: a follow-up ("会不会跨年") does not hide it.
        (
            "我在一家外企上班，体检完要买点药，发现药店刷卡余额有问题，我就好奇了，我这在职的10月份的个人账户钱几号到？会不会跨年？",
            "account_arrival",
            True,
        ),
        # What follows the question still counts: a request to look up one's own record is not the rule.
        ("我这个月医保钱怎么还没打进来 你帮我查查 个人账户几号到", "account_arrival", False),
        # A fact without a computed rule is still judged on the whole question.
        ("养老金计算器在哪里能找到 想算算自己退休后养老金能拿多少", "ss_pension_amount", False),
    ],
)
def test_a_story_before_an_arrival_question_does_not_make_it_uncovered(service, text, topic, answered):
    reply, said = ask(service, text, topic)
    assert (reply.outcome == ANSWERED) is answered, said
    if answered:
        assert "12月5日" in said, said


def test_the_unemployed_list_deadline_follows_the_later_law(service):
    # 社会保险法第五十条 (15 days) replaced 失业保险条例第十六条's 7 days; the answer leads with the later law.
    reply, text = ask(service, "单位解除劳动合同后 多少天内要把失业人员名单报给社保", topic="unemployed_list_report")
    assert reply.outcome == ANSWERED, reply.outcome
    assert "15日内" in text and "《中华人民共和国社会保险法》第五十条" in text
    assert text.index("15日内") < text.index("7日内")


def test_work_told_as_the_past_does_not_make_a_retiree_in_service(service):
    text = "我爸去年底退的休，以前在厂里上班的时候医保钱都是隔两个月才到，现在退了还一样吗？他7月份的个人账户钱什么时候能到账啊"
    reply, said = ask(service, text, "account_arrival")
    assert reply.outcome == ANSWERED and "8月5日" in said and "9月5日" not in said, said


@pytest.mark.parametrize(
    "text, nlu_topic, fact_id, article",
    [
        (
            "追回的医保基金和罚款最后到哪去了",
            "recovered_fund_destination",
            "cn_recovered_fund_destination",
            "第四十五条",
        ),
        (
            "新注册的公司多少天内要办公积金缴存登记",
            "hf_new_employer_registration",
            "cn_hf_new_employer_registration",
            "第十四条",
        ),
        (
            "单位多长时间要申报一次社保费",
            "contribution_monthly_declaration",
            "cn_contribution_monthly_declaration",
            "第十条",
        ),
        ("养老保险个人账户的记账利率有下限吗", "pension_account_interest", "cn_pension_account_interest", "第十四条"),
        (
            "去药店刷医保，药店有没有义务核对是不是我本人的医保凭证",
            "verify_insured_identity",
            "cn_verify_insured_identity",
            "第十五条",
        ),
    ],
)
def test_law_facts_added_from_articles_residents_asked_about(service, text, nlu_topic, fact_id, article):
    reply, said = ask(service, text, nlu_topic, 0.9)
    assert reply.outcome == ANSWERED and reply.fact_ids == (fact_id,) and article in said, said


@pytest.mark.parametrize(
    "text, nlu_topic",
    [
        # A local procedure next to the rule: the rule does not say where or how.
        ("工伤认定下来了，之前垫的医药费去哪报，要带发票原件吗", "reimburse_photocopy"),
        ("城乡居民养老保险能转成职工养老吗，之前交的钱怎么算", "resident_pension_transfer"),
        ("找到新工作了，失业登记要自己去注销吗", "unemployment_benefit_stop"),
        ("个人权益记录单在自助机上打还是要去窗口", "ss_rights_statement"),
        # A document asked about in another matter: the Shenzhen receipt rule is about medical receipts only.
        ("领丧葬费要带死亡证明原件吗，火化证也要吗", "reimburse_photocopy"),
        ("就业失业登记证现在还发吗，新单位要我出示", "unemployment_benefit_stop"),
        ("产假期间换了工作，生育津贴找哪个单位领", "maternity_allowance_eligibility"),
        ("租房提取公积金要不要租房合同和发票", "hf_withdraw_rent"),
    ],
)
def test_a_rule_next_to_a_different_question_is_not_given(service, text, nlu_topic):
    reply, said = ask(service, text, nlu_topic, 0.95)
    assert reply.outcome != ANSWERED and not reply.fact_ids, said


@pytest.mark.parametrize(
    "text, agency",
    [
        ("怀疑自己是尘肺病，职业病诊断去哪家医院做", "other"),
        ("北京养老助残卡在哪办", "other"),
        ("以前在东莞交了三年、在佛山交了五年，都没转，现在要合到一起要去哪办", "hrss"),
        # The housing fund's own words win over the general ones of a social-insurance transfer.
        ("两个城市的公积金合到一起去哪办", "housing_fund"),
        # Subsistence allowance and hospital appointments are neither 社保 nor 医保, even next to their words.
        ("俺和老伴都没退休金，种地挣不了几个钱，能不能吃低保", "other"),
        ("协和医院的号怎么挂，一放号就没了", "other"),
        ("以前在深圳交了五年，后来回老家交的，这两段能合并吗，要跑几趟", "hrss"),
        ("两个城市的公积金合并要跑几趟", "housing_fund"),
    ],
)
def test_uncovered_subjects_routed_by_their_own_words(service, text, agency):
    reply, said = ask(service, text)
    assert reply.outcome != ANSWERED and reply.agency == agency, said


@pytest.mark.parametrize(
    "text, nlu_topic, fact_id, said_words",
    [
        # The figures a resident asks for are in the articles the answer cites.
        (
            "八级伤残合同到期了公司不续，我能拿啥",
            "injury_leaving_job_subsidies",
            "cn_injury_leaving_job_subsidies",
            ["11个月"],
        ),
        ("社保局的人把我个人信息泄露了，他们要负责吗", "ss_info_privacy", "cn_ss_info_privacy", ["处分", "赔偿"]),
        (
            "以前当兵负伤有伤残军人证，到单位旧伤复发算工伤吗",
            "injury_deemed_cases",
            "cn_injury_deemed_cases",
            ["一次性伤残补助金"],
        ),
        (
            "公司没办社保登记，负责人会被罚款吗",
            "employer_no_ss_registration",
            "cn_employer_no_ss_registration",
            ["主管人员"],
        ),
        # NLU ranks the general medical-costs fact first; the devices have a rule of their own.
        ("工伤要装假肢，钱谁出", "injury_medical_costs", "cn_injury_assistive_devices", ["辅助器具"]),
    ],
)
def test_an_answer_states_what_its_article_says_on_the_point_asked(service, text, nlu_topic, fact_id, said_words):
    reply, said = ask(service, text, nlu_topic, 0.9)
    assert reply.outcome == ANSWERED and reply.fact_ids == (fact_id,), said
    assert all(word in said for word in said_words), said


@pytest.mark.parametrize(
    "text, fact_id",
    [
        # Needing a written contract is the double-pay rule; a contract that exists and says "double" is not.
        (
            "Do I need a written labour contract with my boss in China? He keeps saying no need.",
            "cn_no_written_contract_double_pay",
        ),
        ("My written contract says overtime is paid double, is that legal?", None),
        # "the capital" is not a rent cap.
        ("I work in the capital, how long can I get unemployment benefits at most?", "cn_unemployment_benefit_period"),
        ("Can I withdraw my housing provident fund to pay rent in Shenzhen, and what's the monthly cap?", None),
    ],
)
def test_english_words_name_only_their_own_rule(service, text, fact_id):
    reply, said = ask(service, text)
    assert reply.fact_ids == ((fact_id,) if fact_id else ()), said


@pytest.mark.parametrize(
    "text, topic, fact_id, said_words",
    [
        (
            "干活受伤了 车间主任说先别声张 也不送医院 让我自己想办法 单位这么干对吗",
            "injury_prompt_treatment",
            "cn_injury_prompt_treatment",
            ["及时救治", "《工伤保险条例》第四条"],
        ),
        (
            "老板说跟我商量好 不交社保了 每月多给我三百块现金 这样行不行啊",
            "cash_instead_of_contributions",
            "cn_cash_instead_of_contributions",
            ["以货币形式全额缴纳", "不得缓缴、减免", "《社会保险费征缴暂行条例》第十二条"],
        ),
    ],
)
def test_the_new_national_facts_answer_with_their_article(service, text, topic, fact_id, said_words):
    reply, said = ask(service, text, topic)
    assert reply.outcome == ANSWERED and reply.fact_ids == (fact_id,)
    assert all(word in said for word in said_words), said


def test_quitting_over_cash_instead_of_contributions_gets_the_quitting_rule(service):
    reply, _ = ask(service, "单位不交社保 每月多给点钱 我能辞职要补偿吗", "cash_instead_of_contributions")
    assert reply.fact_ids == ("cn_quit_for_unpaid_social_insurance",)


@pytest.mark.parametrize(
    "text, topic, fact_id, said_words",
    [
        (
            "工伤保险费率是不是每个行业都一样 我们建筑公司比别人交的多是咋回事",
            "injury_insurance_industry_rates",
            "cn_injury_insurance_industry_rates",
            ["差别费率", "费率档次", "《中华人民共和国社会保险法》第三十四条"],
        ),
        (
            "我们单位整体搬到外省去了 我没跟着去 失业保险关系咋处理",
            "unemployment_relocation_with_employer",
            "cn_unemployment_relocation_with_employer",
            ["随之转迁", "《失业保险条例》第二十二条"],
        ),
    ],
)
def test_the_fifth_round_national_facts_answer_with_their_article(service, text, topic, fact_id, said_words):
    reply, said = ask(service, text, topic)
    assert reply.outcome == ANSWERED and reply.fact_ids == (fact_id,)
    assert all(word in said for word in said_words), said


@pytest.mark.parametrize(
    "text, answered",
    [
        # The law leaves the amount to each province: who sets it and its bounds answer "能拿多少" in general ...
        ("失业金一个月能拿多少 全国都一样吗", True),
        ("失业金一个月能拿多少 有没有个标准 会比最低工资高吗", True),
        # ... but not a city's own figure, which the resident is sent to ask for.
        ("上海失业保险金标准是多少", False),
        ("失业金每个月能领多少钱，我们这边标准是多少", False),
        ("深圳失业保险金是最低工资的百分之九十吗，具体多少钱", False),
    ],
)
def test_a_figure_left_to_each_province_is_answered_by_who_sets_it(service, text, answered):
    reply, said = ask(service, text, "unemployment_benefit_amount")
    if answered:
        assert reply.fact_ids == ("cn_unemployment_benefit_amount",) and "最低生活保障" in said, said
    else:
        assert reply.fact_ids == () and reply.agency == "hrss", said


def test_a_late_paid_month_is_counted_from_the_actual_payment_in_the_general_rule(service):
    _, said = ask(service, "单位晚交医保会不会影响我个人账户到账时间啊", "account_arrival")
    assert "实际到位" in said and "5日" in said, said


@pytest.mark.parametrize(
    "text, topic, fact_id, said_word",
    [
        (
            "我想查查公积金都交了多少 觉得账上余额不对 可以申请核对吗",
            "hf_balance_dispute",
            "cn_hf_balance_dispute",
            "有权查询",
        ),
        (
            "工伤的停工留薪期满了 伤还没好 还得继续看病 费用还能走工伤吗",
            "injury_paid_leave",
            "cn_injury_paid_leave",
            "继续享受工伤医疗待遇",
        ),
        (
            "生育保险到底都管啥 除了生孩子的医药费还有别的吗",
            "maternity_medical_costs",
            "cn_maternity_medical_costs",
            "生育津贴",
        ),
        (
            "公司让我签个自愿放弃社保的协议 这个协议有效吗",
            "waive_social_insurance_agreement",
            "cn_waive_social_insurance_agreement",
            "按时足额缴纳",
        ),
    ],
)
def test_an_answer_states_the_point_of_its_article_asked_about(service, text, topic, fact_id, said_word):
    reply, said = ask(service, text, topic)
    assert reply.fact_ids == (fact_id,) and said_word in said, said


@pytest.mark.parametrize(
    "text, nlu_topic, not_given",
    [
        # When the month's money comes in is the arrival rule, not what the account holds.
        ("医保存折每个月进钱是固定哪一天吗", "account_composition", "bj_account_composition"),
        ("每个月工资里都扣医保，那1月扣的那部分啥时候进存折", "account_composition", "bj_account_composition"),
        # Work-injury documents are not the double pay for an unsigned contract.
        (
            "申请工伤认定要准备什么材料？没签劳动合同能申请吗",
            "no_written_contract_double_pay",
            "cn_no_written_contract",
        ),
        # A disabled worker's medical contributions are not a retiree's.
        ("四级伤残的工伤职工 医保还要交吗 按啥基数交", "medical_retirement_contribution", "cn_medical_retirement"),
        # Seventh round: a local or neighbouring question next to a national fact.
        ("社保卡升级成第三代卡有啥区别 必须换吗", "ss_card_and_medical_code", "cn_ss_card_and_medical_code"),
        (
            "我在天津交的社保 人在北京 失业金能在北京领吗 要转过来吗",
            "pension_insurance_transfer",
            "cn_pension_insurance",
        ),
        ("俺们两口子都在北京租房 能不能两个人都提租房公积金", "hf_withdraw_rent", "cn_hf_withdraw_rent"),
        ("用公积金贷款买房，契税会有优惠吗", "hf_loan_conditions", "cn_hf_loan_conditions"),
        ("失业金领完了还没找到工作，还有啥就业援助", "unemployment_benefit_stop", "cn_unemployment_benefit_stop"),
    ],
)
def test_a_neighbouring_fact_is_not_given_for_what_it_does_not_say(service, text, nlu_topic, not_given):
    reply, said = ask(service, text, nlu_topic)
    assert not any(fact_id.startswith(not_given) for fact_id in reply.fact_ids), said


@pytest.mark.parametrize(
    "text, nlu_topic, fact_id",
    [
        # "每个月多少是根据啥定的" asks what the pension depends on, not a figure.
        ("养老金每个月多少是根据啥定的呀？我想知道跟哪些因素有关", "pension_composition", "cn_pension_composition"),
        # "打到哪里啊？我该看哪张卡": where the money goes; a procedure is asked within one clause.
        (
            "我去年在外地看病垫了好几千，回来找单位办了手工报销，现在还在上班。财务说钱会打回来，可是打到哪里啊？我该看哪张卡？",
            "account_reimbursement_payout",
            "bj_account_payout_in_service",
        ),
        # "没多久就去世了" tells a story; it does not ask how long something takes.
        (
            "老公在物流公司上班，查出肝癌没多久就去世了，不是工伤。社保这边我们家属能领到啥钱？",
            "pension_death_benefits",
            "cn_pension_death_benefits",
        ),
        ("失业金的标准是多少 会不会比低保还低", "unemployment_benefit_amount", "cn_unemployment_benefit_amount"),
    ],
)
def test_seventh_round_questions_get_their_fact(service, text, nlu_topic, fact_id):
    reply, said = ask(service, text, nlu_topic)
    assert reply.outcome == ANSWERED and fact_id in reply.fact_ids, said


def test_english_aspects_are_whole_words(service):
    # "everywhere" does not ask where: the arrival rule answers the story.
    reply, said = ask(
        service,
        "My company moved offices last month and boxes were everywhere. I'm an in-service employee in Beijing. "
        "When should August's personal account money show up?",
    )
    # The date in Chinese too, for the resident to show at the counter.
    assert reply.outcome == ANSWERED and "5 October 2026 (2026年10月5日)" in said, said
    reply, said = ask(service, "How can I print my social insurance payment record in English for a visa application?")
    assert reply.outcome != ANSWERED, said


def test_english_flexible_employment_has_no_personal_account(service):
    reply, said = ask(service, "I work freelance (flexible employment). Do I have a personal medical account?")
    assert reply.outcome == ANSWERED and "bj_account_eligibility_flexible" in reply.fact_ids, said
