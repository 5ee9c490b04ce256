"""Every text a resident reads, in one place. The core returns finished messages; adapters only send them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Iterable, Optional, Sequence

from .months import ENGLISH_MONTH_NAMES

if TYPE_CHECKING:  # wording is imported by the knowledge base itself (hand-off reasons)
    from .categories import PersonCategory
    from .knowledge_base import PolicyFact
    from .routing import Agency, Route

HOTLINE_12345 = "12345政务服务便民热线"
_MONTHS_AFTER_WORDS = {0: "当月", 1: "次月", 2: "下下月"}
VERDICT_LABELS = {
    "reimbursable": "可以报销",
    "settled_on_site": "可以使用医保，当场结算",
    "original_required": "须凭原始凭证（原件）报销",
    "not_until_corrected": "暂不能报销，需先更正结算",
}
HANDOFF_REASON_LABELS = {
    "asked_for_human": "您要求人工服务",
    "not_understood": "我没能理解您的问题",
    "dissatisfied": "您对回答不满意",
    "out_of_scope": "问题超出我掌握的资料",
    "needs_personal_records": "需要查询您的个人记录",
}
HUMAN_BUTTON = ("转人工", "/request_human")
NO_THANKS_BUTTON = ("不用了", "/deny")


@dataclass(frozen=True)
class Message:
    """One bot message: the short answer first, then the details (basis, source, later change)."""

    text: str
    buttons: tuple[tuple[str, str], ...] = ()
    details: Optional[str] = None
    fact_ids: tuple[str, ...] = field(default=())

    def plain(self) -> str:
        """Shell, REST and other plain-text channels: the details after a blank line."""
        return f"{self.text}\n\n{self.details}" if self.details else self.text


# --- conversation -----------------------------------------------------------------------------
GREETING = Message(
    "您好！我是政策通智能助手，可以解答医保、社保方面的政策问题：北京医保个人账户（医保存折）、"
    "医保报销，以及养老、医疗、工伤、失业、生育保险和公积金的国家规定。请问有什么可以帮您？"
)
GOODBYE = Message("再见，祝您生活愉快！以后有医保、社保问题随时来问我，也可以拨打" + HOTLINE_12345 + "。")
THANKS = Message("不客气！还有其他医保、社保问题可以继续问我。")
CAPABILITIES = Message(
    "我可以回答这些问题（每个回答都注明政策依据和资料日期）：\n"
    "1. 北京医保个人账户（医保存折）：是什么、有哪些钱、什么时候到账（可按月份帮您算日期）、能不能存钱、谁没有个人账户；\n"
    "2. 报销：发票复印件、已被部分结算的发票（深圳）、三伏贴、村卫生室看病；\n"
    "3. 国家规定：养老金缴费年限、失业金能领多久、工伤认定时限、生育津贴、滞纳金、转移接续、骗保、公积金提取等。\n"
    "我没有资料的问题，会告诉您该找哪个部门。需要人工服务请回复“转人工”。",
    (("个人账户什么时候到账", "/account_arrival"), ("失业金能领多久", "失业金最长能领多久"), HUMAN_BUTTON),
)
IS_BOT = Message(
    "我是政策通智能机器人助手，不是真人。我的回答来自整理好的政策资料，并注明依据；"
    "需要真人服务请回复“转人工”，或拨打" + HOTLINE_12345 + "。"
)
OK_NO_THANKS = Message("好的。还有其他医保、社保问题可以继续问我。")
ASK_TOPIC = Message(
    "好的，请问您想了解哪方面的问题？",
    (
        ("个人账户什么时候到账", "/account_arrival"),
        ("有没有个人账户", "/account_eligibility"),
        ("失业金能领多久", "失业金最长能领多久"),
    ),
)
CHITCHAT = {
    "greet": GREETING,
    "goodbye": GOODBYE,
    "thank": THANKS,
    "bot_capabilities": CAPABILITIES,
    "ask_is_bot": IS_BOT,
    "deny": OK_NO_THANKS,
    "affirm": ASK_TOPIC,
}
OUT_OF_DOMAIN = Message(
    "抱歉，这个问题不在我的服务范围内。我只解答医保、社保方面的政策问题。其他问题请拨打"
    + HOTLINE_12345
    + "，由他们转给对应部门办理。"
)
NOT_UNDERSTOOD = Message(
    "抱歉，我没有理解您的问题。我可以解答医保、社保方面的政策问题，例如“医保存折的钱什么时候到账”“失业金能领多久”。"
    "请换个说法再问一次，或者转人工：",
    (HUMAN_BUTTON,),
)
SERVICE_DOWN = Message(
    "抱歉，系统暂时无法查询政策资料，请稍后再试，或拨打" + HOTLINE_12345 + "。也可以回复“转人工”。", (HUMAN_BUTTON,)
)
EMPTY_MESSAGE = "请输入您想咨询的问题，例如：医保存折是什么？"
STILL_WITH_AGENT = (
    "您的会话正在由人工客服处理，无需重新开始，排队位置也不会改变。工作人员会在这里回复您；"
    f"着急的话可以拨打{HOTLINE_12345}。"
)
RATE_LIMITED = f"您发送消息太快了，请稍等片刻再发。着急的话可以拨打{HOTLINE_12345}。"
ACTIONS_UNAVAILABLE = (
    f"抱歉，系统暂时无法查询政策资料，请稍后再试。着急的话请拨打{HOTLINE_12345}；稍后也可以回复“转人工”联系工作人员。"
)
STORE_UNAVAILABLE = f"抱歉，系统暂时繁忙，刚才这条消息没有处理成功，请稍后再发一次。着急的话请拨打{HOTLINE_12345}。"

# --- channels ----------------------------------------------------------------------------------------
TELEGRAM_COMMANDS = (("start", "开始：政策通能做什么"), ("help", "我能回答哪些医保、社保问题"), ("human", "转人工客服"))
NON_TEXT_MESSAGE = "抱歉，我目前只能看懂文字消息，请用文字描述您的问题。"
EXPIRED_BUTTON = "这个按钮已失效，请直接输入您的问题。"
BUTTONS_ONLY = "请选择："

ASK_PERSON_CATEGORY = Message(
    "请问您是在职职工还是退休人员？（灵活就业、人才参保、离休人员也请告诉我）",
    (
        ("在职职工", '/inform{"person_category": "in_service"}'),
        ("退休人员", '/inform{"person_category": "retired"}'),
        ("灵活就业", '/inform{"person_category": "flexible_employment"}'),
    ),
)
BAD_MONTH = Message("抱歉，没看明白是哪个月，请说1到12月中的一个月份，例如“3月”或“上个月”。")
PERSONAL_RECORDS_OFFER = Message(
    "这类问题需要查询您的个人记录，建议由工作人员为您办理。需要为您转人工吗？", (HUMAN_BUTTON, NO_THANKS_BUTTON)
)


def english_reply(agencies: Sequence[Agency]) -> Message:
    lines = [f"- {a.name}: {a.hotline or '12345'}" for a in agencies]
    return Message(
        "I am 政策通, a policy assistant for medical insurance (医保) and social insurance (社保) in China. "
        "I answer in Chinese: please ask your question in Chinese, for example “医保个人账户的钱什么时候到账”. "
        "For help in person, call these hotlines:\n" + "\n".join(lines)
    )


def english_other_persons_records(agency: Agency) -> Message:
    return Message(
        "Sorry, I cannot look up another person's account balance, contributions or other records, and please do "
        "not send me their ID numbers. Only the insured person, or someone they authorize in writing (本人或经本人书面授权委托的人), "
        f"can ask for them, with ID, at {agency.name}; the person can also check their own records through the official "
        f"channels. Hotline: {agency.hotline or '12345'}."
    )


_ENGLISH_REGIONS = {"全国": "National rule", "北京": "Beijing", "深圳": "Shenzhen"}


def english_answer(facts: Sequence[PolicyFact], agency: Agency) -> Message:
    """A fact answered in English (its `english` answer), with the basis it rests on and where to go."""
    national = " This is the national rule; local details may differ." if facts[0].region == "全国" else ""
    return _english_message(facts, agency, " ".join(fact.english.answer for fact in facts) + national)


def _english_message(facts: Sequence[PolicyFact], agency: Agency, body: str) -> Message:
    """An English answer: the region, the body, the basis it rests on and where to go."""
    region = _ENGLISH_REGIONS.get(facts[0].region, facts[0].region)
    citations = list(dict.fromkeys(basis.cite() for fact in facts for basis in fact.basis))
    return Message(
        f"[{region}] "
        + body
        + f"\nBasis: {'; '.join(citations)}.\n"
        + f"For your own case: {agency.name}, hotline {agency.hotline or '12345'}. "
        + "I answer other questions in Chinese.",
        details=details(facts),
        fact_ids=tuple(f.id for f in facts),
    )


_ENGLISH_CATEGORIES = {
    "in_service": "In-service employees",
    "retired": "Retirees",
    "flexible_employment": "Flexible workers",
    "talent_agency": "Those insured through a talent agency",
    "retired_cadre": "Retired cadres (离休)",
}


def _english_date(value: date) -> str:
    # The Chinese date too, for the resident to show at the counter.
    return (
        f"{value.day} {ENGLISH_MONTH_NAMES[value.month - 1]} {value.year} ({value.year}年{value.month}月{value.day}日)"
    )


def english_arrival_answer(cases: Sequence[ArrivalCase], agency: Agency) -> Message:
    """Arrival dates computed for an English question, with the rule and its basis."""
    lines = []
    for case in cases:
        month = f"{ENGLISH_MONTH_NAMES[case.month - 1]} {case.month_year}"
        who = _ENGLISH_CATEGORIES.get(case.category.value, case.category.value)
        if case.paid_in:
            paid = ENGLISH_MONTH_NAMES[case.paid_in[1] - 1]
            lines.append(
                f"{who}: the money for {month}, paid by the employer only in {paid}, is counted from the month "
                f"it was paid and arrives by {_english_date(case.arrival)} (inclusive)."
            )
        else:
            lines.append(
                f"{who}: the personal-account money for {month} arrives by {_english_date(case.arrival)} (inclusive)."
            )
    facts = list({case.fact.id: case.fact for case in cases}.values())
    rules = " ".join(fact.english.answer for fact in facts if fact.english)
    return _english_message(facts, agency, " ".join(lines) + (f"\nRule: {rules}" if rules else ""))


# --- hand-off ------------------------------------------------------------------------------------
def handoff_queued(reason: str, queued: bool) -> Message:
    start = "已为您转接人工客服，" if queued else "正在为您转接人工客服，"
    return Message(
        f"{start}原因：{HANDOFF_REASON_LABELS[reason]}。工作人员接手后会在这里回复您，请稍候；"
        f"在此期间我不会再自动回答。如需尽快办理，也可以拨打{HOTLINE_12345}。"
    )


def handoff_after_hours(reason: str, hours: str) -> Message:
    return Message(
        f"现在不是人工客服的服务时间（{hours}），原因：{HANDOFF_REASON_LABELS[reason]}。"
        "您可以直接在这里留言，工作人员上班后会在这里回复您；在此期间我不会再自动回答。"
        f"着急的话请拨打{HOTLINE_12345}。"
    )


HANDOFF_BUSY = Message(f"当前转人工的请求较多，请一分钟后再试；着急的话请拨打{HOTLINE_12345}。")
# After an agent closed the ticket, the bot asks whether the problem was solved (kept like an agent's reply).
AFTER_HANDOFF_RATING = Message(
    "工作人员已结束本次服务，接下来由政策通智能助手继续为您服务。请问您的问题解决了吗？",
    (("满意，已解决", "/affirm"), ("不满意", "/complain")),
)
TICKET_RELEASED = (
    f"接待您的工作人员暂时离开了，您的会话已重新排队，稍后会有其他工作人员为您服务。着急的话可以拨打{HOTLINE_12345}。"
)
TICKET_TRANSFERRED = "您的会话已转给另一位工作人员，请稍候，他会在这里继续为您服务。"
RATING_THANKS = Message("感谢您的评价！还有其他医保、社保问题，可以继续问我。")
RATING_SORRY = Message(
    "抱歉没能解决您的问题，您的评价已记录，我们会改进。需要的话可以回复“转人工”再次联系工作人员，"
    f"也可以拨打{HOTLINE_12345}。"
)


# --- the hand-off queue, as the web chat shows it while the resident waits ----------------------------
def queue_status_line(state: str, position: Optional[int], wait_minutes: Optional[int], after_hours: bool) -> str:
    if state == "taken":
        return "工作人员已接入，正在为您服务，请在这里继续留言。"
    if state != "waiting":
        return ""
    if after_hours:
        return "已收到您的留言，现在不是人工服务时间，工作人员上班后会按顺序回复您。"
    ahead = "您是下一位" if not position else f"前面还有 {position} 位"
    wait = f"，预计等待约 {wait_minutes} 分钟" if wait_minutes else ""
    return f"已排队，{ahead}{wait}。"


# --- 👍/👎 on an answer -------------------------------------------------------------------------------
RATE_UP_LABEL = "👍 有帮助"
RATE_DOWN_LABEL = "👎 没帮助"
SHOW_BASIS_LABEL = "查看依据"
BASIS_GONE = "这条回答的依据已经过期，请重新提问，我会再附上依据。"
ANSWER_RATED_UP = Message("谢谢您的评价！还有其他医保、社保问题，可以继续问我。")
ANSWER_RATED_DOWN = Message(
    "抱歉这个回答没能帮到您，您的评价已记录。您可以换个说法再问一次（说清楚地区、哪个月、在职还是退休会更准），"
    "也可以转人工，由工作人员为您解答。",
    (HUMAN_BUTTON,),
)
ANSWER_NOT_RATEABLE = Message("谢谢您的反馈。这条回答已无法评价，您可以直接告诉我哪里没说清楚，或回复“转人工”。")

# --- the web chat page's own labels (rendered into web/index.html by bot/channels/socketio.py) -------
WEBCHAT_PAGE_TEXTS = {
    "title": "政策通 · 医保社保咨询",
    "hint": "您好，我是政策通，可以回答医保、社保方面的问题，例如“医保存折是什么”“我在职，1月份的钱什么时候到”。"
    "需要人工服务请说“转人工”。",
    "privacy_notice": "隐私提示：请不要发送身份证号、银行卡号等个人信息。对话记录只保存在本机浏览器中，"
    "证件号、手机号会打码，{days}天后自动删除；在公共电脑上用完请点“清除记录”。",
    "clear_history": "清除记录",
    "clear_confirm": "再点一次确认清除",
    "cleared": "记录已清除，已开始新的对话。",
    "basis_summary": "依据与出处",
    "bot_label": "政策通（智能助手）",
    "staff_label": "工作人员",
    "you_label": "我",
    "rate_up": "有帮助",
    "rate_down": "没帮助",
    "rated": "已评价，谢谢！",
    "char_count": "{count}/{limit}",
    "char_limit": "最多{limit}字，超出的部分不会发送",
    "placeholder": "请输入您的问题",
    "send": "发送",
    "typing": "正在输入…",
    "offline": "暂时无法连接服务器，正在重试…",
    "reconnecting": "连接已断开，正在重新连接…",
}


# --- where to go -------------------------------------------------------------------------------------
def agency_contact(agency: Agency) -> str:
    if agency.hotline and agency.hotline != "12345":
        name = agency.hotline_name or "服务热线"
        return f"{agency.name}，或拨打{name}{agency.hotline}"
    if agency.id == "other":
        return HOTLINE_12345
    return f"{agency.name}，或拨打{HOTLINE_12345}"


def routed(route: Route) -> Message:
    """No material on this question: say so, name who handles it, offer a human."""
    what = f"关于{route.subject.name}，" if route.subject else "关于这个问题，"
    return Message(
        f"抱歉，{what}我这里没有可靠的资料，不能替您猜。请咨询{agency_contact(route.agency)}。"
        "也可以回复“转人工”，由工作人员为您解答。",
        (HUMAN_BUTTON, NO_THANKS_BUTTON),
    )


def other_persons_records(agency: Agency) -> Message:
    return Message(
        "抱歉，我不能查询他人的账户余额、缴费记录等个人信息，也请不要把他人的证件号码发给我。"
        f"这些信息只能由参保人本人，或经本人书面授权委托的人，持身份证件到{agency.name}查询；"
        f"本人也可以通过官方渠道自行查询。咨询电话：{agency_contact(agency)}。"
    )


def region_not_covered(asked: str, covered: Iterable[str], agency: Agency) -> Message:
    return Message(
        f"抱歉，关于这个问题我只掌握{'、'.join(covered)}的规定，没有{asked}的资料，不能替您猜。"
        f"请咨询{asked}当地的{agency.name}，或拨打{HOTLINE_12345}；也可以回复“转人工”。",
        (HUMAN_BUTTON, NO_THANKS_BUTTON),
    )


# --- policy answers ----------------------------------------------------------------------------------
def format_date(value: date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def where(fact: PolicyFact) -> str:
    if fact.region == "全国":
        return "全国"
    return fact.region + (f"{fact.district}区" if fact.district else "市")


def details(facts: Sequence[PolicyFact], agency: Optional[Agency] = None) -> str:
    """The basis (document, number, article), the source and its date, and any known later change."""
    citations: list[str] = []
    sources: list[str] = []
    changes: list[str] = []
    for fact in facts:
        for basis in fact.basis:
            if basis.cite() not in citations:
                citations.append(basis.cite())
        source = ("法规文本" if fact.source.is_law else "") + fact.source.describe()
        if source not in sources:
            sources.append(source)
        if fact.later_change and fact.later_change not in changes:
            changes.append(fact.later_change)
    lines = [f"依据：{'；'.join(citations)}", f"出处：{'；'.join(sources)}"]
    if changes:
        lines.append("可能已有变化：" + " ".join(changes) + "（请向经办机构确认）")
    return "\n".join(lines)


def national_note(facts: Sequence[PolicyFact], agency: Agency) -> str:
    local = next((f.local_note for f in facts if f.local_note), None)
    note = f"{local}" if local else ""
    return f"这是全国性规定，各地具体办法可能不同。{note}当地办法请咨询{agency_contact(agency)}。"


def fact_answer(facts: Sequence[PolicyFact], agency: Optional[Agency]) -> Message:
    if len(facts) == 1:
        body = f"【{where(facts[0])}】{facts[0].answer}"
    else:
        body = "\n".join(f"【{where(f)}·{f.title}】{f.answer}" for f in facts)
    if agency is not None and all(f.region == "全国" for f in facts):
        body += "\n" + national_note(facts, agency)
    return Message(body, details=details(facts), fact_ids=tuple(f.id for f in facts))


def verdict_answer(fact: PolicyFact, verdict: str, reason: str, steps: Sequence[str]) -> Message:
    numbered = "\n".join(f"{index}. {step}" for index, step in enumerate(steps, 1))
    return Message(
        f"【{where(fact)}】结论：{VERDICT_LABELS[verdict]}。原因：{reason}\n{fact.answer}\n建议您：\n{numbered}",
        details=details([fact]),
        fact_ids=(fact.id,),
    )


def arrival_rule_line(fact: PolicyFact, category: PersonCategory) -> str:
    rule = fact.rule
    when = _MONTHS_AFTER_WORDS.get(rule.months_after, f"{rule.months_after}个月后")
    example_month = 1
    example_arrival = 1 + rule.months_after
    return (
        f"{category.label}：按{rule.counted_from}计算，{when}初{rule.day_of_month}日（含）前到账，"
        f"例如{example_month}月的钱{example_arrival}月{rule.day_of_month}日前到账"
    )


def arrival_rules(pairs: Sequence[tuple[PersonCategory, PolicyFact]], ask_month: bool) -> Message:
    facts = [fact for _, fact in pairs]
    lines = "；\n".join(
        f"{arrival_rule_line(fact, category)}（{fact.answer.split('。')[0]}）" for category, fact in pairs
    )
    follow = "告诉我是哪个月的钱，我可以帮您算出具体日期。" if ask_month else ""
    return Message(
        f"【{where(facts[0])}】{lines}。\n{follow}".rstrip(),
        details=details(facts),
        fact_ids=tuple(f.id for f in facts),
    )


@dataclass(frozen=True)
class ArrivalCase:
    category: PersonCategory
    fact: PolicyFact
    month_year: int
    month: int
    paid_in: Optional[tuple[int, int]]
    arrival: date
    claimed: Optional[date] = None


def arrival_answer(cases: Sequence[ArrivalCase], assumed_year: bool) -> Message:
    lines = []
    for case in cases:
        arrival = format_date(case.arrival)
        if case.arrival.year != case.month_year:
            arrival = f"{case.arrival.year}年（次年）{case.arrival.month}月{case.arrival.day}日"
        line = ""
        if case.claimed and (case.claimed.month, case.claimed.day) != (case.arrival.month, case.arrival.day):
            line += f"不是{case.claimed.month}月{case.claimed.day}日。"
        if case.paid_in:
            paid_year, paid_month = case.paid_in
            line += (
                f"{case.category.label}{case.month_year}年{case.month}月的钱，单位{paid_month}月才缴上，"
                f"到账从缴费到位的{paid_month}月算起，应在{arrival}（含）前到账。"
            )
        else:
            line += f"{case.category.label}{case.month_year}年{case.month}月的个人账户资金，应在{arrival}（含）前到账。"
        line += f"（规则：{case.fact.answer.split('。')[0]}。）"
        lines.append(line)
    facts = list({case.fact.id: case.fact for case in cases}.values())
    note = f"\n（年份按{cases[0].month_year}年计算，如不是这一年请告诉我。）" if assumed_year else ""
    return Message(
        f"【{where(facts[0])}】" + "\n".join(lines) + note, details=details(facts), fact_ids=tuple(f.id for f in facts)
    )


def eligibility_overview(
    with_account: Sequence[PersonCategory], without: Sequence[PersonCategory], facts: Sequence[PolicyFact]
) -> Message:
    has = "、".join(c.label for c in with_account)
    lacks = "、".join(c.label for c in without)
    return Message(
        f"【{where(facts[0])}】{has}建立医保个人账户；{lacks}不建立个人账户。告诉我您的参保身份，我可以说得更具体。",
        details=details(facts),
        fact_ids=tuple(f.id for f in facts),
    )


# --- computed national rules ---------------------------------------------------------------------------
def with_rule(fact: PolicyFact, agency: Agency, computed: str, ask: str = "") -> Message:
    body = f"【全国】{computed}" if computed else f"【全国】{fact.answer}"
    if not computed and ask:
        body += ask
    body += "\n" + national_note([fact], agency)
    return Message(body, details=details([fact]), fact_ids=(fact.id,))


# 劳动合同法 第四十七条, said with every computed severance.
_SEVERANCE_RULE = "经济补偿每满一年支付一个月工资；六个月以上不满一年的按一年算，不满六个月的支付半个月工资"


def _wage_months(months: float) -> str:
    whole = int(months)
    return f"{whole}个月" if months == whole else ("半个月" if whole == 0 else f"{whole}个半月")


def severance_computed(years: str, months: float) -> str:
    # Not every ending of a contract is paid (a dismissal for the worker's fault is not): the amount is said
    # for the cases the answer lists.
    return f"属于应当支付经济补偿的情形的，按您在本单位工作{years}计算，经济补偿是{_wage_months(months)}的工资。规则：{_SEVERANCE_RULE}。"


def unlawful_dismissal_computed(years: str, severance: float, compensation: float) -> str:
    return (
        f"您在本单位工作{years}，经济补偿是{_wage_months(severance)}的工资；单位违法解除劳动合同、您不要求继续履行的，"
        f"赔偿金是经济补偿的二倍，即{_wage_months(compensation)}的工资。规则：{_SEVERANCE_RULE}；赔偿金按其二倍支付。"
    )


def double_pay_computed(months: int, owed: int) -> str:
    rule = "单位应当自用工之日起一个月内订立书面劳动合同；超过一个月不满一年未订立的，应当每月支付二倍的工资"
    if owed == 0:
        return f"您入职{months}个月。{rule}。"
    return (
        f"您入职{months}个月仍未签书面劳动合同。{rule}：从第二个月算起，您可以主张{owed}个月的二倍工资差额"
        "（最多11个月）；满一年仍未订立的，视为已订立无固定期限劳动合同。"
    )


def unemployment_combined_computed(years: str, new_months: int, unclaimed: int, total: int) -> str:
    capped = "，按规定最长不超过24个月" if new_months + unclaimed > total else ""
    return (
        f"这次重新计算的缴费{years}，最长可领{new_months}个月；加上前次应领而未领的{unclaimed}个月，"
        f"合计最长可以领{total}个月{capped}。"
        "规则：重新就业后再次失业的，缴费时间重新计算，领取期限可与前次应领而未领的期限合并计算，最长不超过24个月；"
        "满1年不足5年最长12个月，满5年不足10年最长18个月，10年以上最长24个月。"
    )


def unemployment_computed(years: str, months: int) -> str:
    if months == 0:
        return (
            f"您累计缴费{years}，不满1年，按规定还不能领取失业保险金（需失业前累计缴费满1年）。"
            "规则：满1年不足5年最长12个月，满5年不足10年最长18个月，10年以上最长24个月。"
        )
    return (
        f"您累计缴费{years}，失业保险金最长可以领{months}个月。"
        "规则：满1年不足5年最长12个月，满5年不足10年最长18个月，10年以上最长24个月；"
        "重新就业后再次失业的，缴费时间重新计算，可与前次应领而未领的期限合并，但最长不超过24个月。"
    )


def injury_deadline_computed(accident: date, employer_by: date, worker_by: date) -> str:
    return (
        f"按事故发生日{format_date(accident)}计算：用人单位应在30日内、即{format_date(employer_by)}前"
        f"提出工伤认定申请（特殊情况经批准可适当延长）；单位未申请的，受伤职工或其近亲属、工会组织"
        f"可在1年内、即{format_date(worker_by)}前直接申请。"
    )


def pension_years_computed(years: str, enough: bool, missing: str) -> str:
    if enough:
        head = f"您累计缴费{years}，已满15年，达到法定退休年龄时可以按月领取基本养老金。"
    else:
        head = (
            f"您累计缴费{years}，还差{missing}才满15年。达到法定退休年龄时累计缴费不足15年的，"
            "可以继续缴费至满15年后按月领取基本养老金，也可以转入城乡居民养老保险。"
        )
    return head + "注意：2025年起实施延迟退休改革，自2030年起最低缴费年限逐步由15年提高到20年。"


def late_fee_computed(amount: float, days: int, fee: float) -> str:
    return (
        f"按欠缴{amount:g}元、逾期{days}天计算，滞纳金约为{fee:g}元（{amount:g}元×万分之五×{days}天）。"
        "规则：用人单位未按时足额缴纳社会保险费的，自欠缴之日起按日加收万分之五的滞纳金；"
        "逾期仍不缴纳的，还可处欠缴数额一倍以上三倍以下的罚款。实际金额以征收机构核定为准。"
    )


def injury_lump_sum_computed(grade: int, months: int, wage: Optional[float], amount: Optional[float]) -> str:
    head = f"{grade}级伤残的一次性伤残补助金为{months}个月的本人工资"
    if amount is not None:
        head += f"；按本人工资每月{wage:g}元计算，为{amount:g}元（{wage:g}元×{months}个月）。"
    else:
        head += "。告诉我本人月工资，我可以帮您算出金额。"
    return (
        head + "规则：一级27个月，二级25个月，三级23个月，四级21个月，五级18个月，六级16个月，七级13个月，"
        "八级11个月，九级9个月，十级7个月；本人工资按受伤前12个月平均月缴费工资计算，有保底和封顶。"
    )


ASK_GRADE_WAGE = "告诉我伤残等级和本人月工资（例如“九级，工资4500”），我可以帮您算出金额。"
ASK_YEARS = "告诉我您累计缴费几年，我可以帮您算。"
ASK_ACCIDENT_DATE = "告诉我受伤的日期（例如“3月10日”），我可以帮您算出申请截止日。"
ASK_AMOUNT_DAYS = "告诉我欠缴金额和逾期天数（例如“欠1万元，逾期60天”），我可以帮您估算。"
ASK_MONTHS_WITHOUT_CONTRACT = "告诉我您入职多久了（例如“8个月”），我可以帮您算能主张几个月的二倍工资。"
ASK_WORK_YEARS = "告诉我您在本单位工作了多久（例如“3年8个月”），我可以帮您算是几个月工资。"


# --- canned replies for agents (the console's 快捷回复): texts an agent inserts and may edit before sending ---

CANNED_REPLIES: tuple[tuple[str, str], ...] = (
    ("问候", "您好，我是政策通人工坐席，很高兴为您服务。请问有什么可以帮您？"),
    (
        "请留电话",
        "为了方便核实情况后给您回电，请留下您的手机号码和方便接听的时间。号码只用于这次回电，会加密保存。",
    ),
    (
        "结束语",
        "感谢您的耐心等待，本次服务到这里就结束了。之后如果还有医保、社保问题，可以随时来问，也可以拨打"
        + HOTLINE_12345
        + "。祝您生活愉快！",
    ),
)


def canned_fact(fact: PolicyFact) -> str:
    """A fact as an agent inserts it into a reply: where it applies, the answer, then its basis and source."""
    return f"【{where(fact)}】{fact.answer}\n{details([fact])}"
