"""Chinese text for typed answers. Every policy answer ends with its basis, source date and known changes."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Iterable, Optional

from .answers import ArrivalAnswer, EligibilityAnswer, FactAnswer, NotCovered, ReimbursementVerdict
from .knowledge_base import KnowledgeBase, PolicyFact

HOTLINE_HINT = "如需确认，请拨打12345政务服务便民热线，或咨询参保地医保/社保经办机构。"
_MONTHS_AFTER_WORDS = {0: "当月", 1: "下月", 2: "下下月"}
VERDICT_LABELS = {
    "reimbursable": "可以报销",
    "settled_on_site": "可以使用医保，当场结算",
    "original_required": "须凭原始凭证（原件）报销",
    "not_until_corrected": "暂不能报销，需先更正结算",
}


@dataclass(frozen=True)
class Prompt:
    """A question or offer the bot sends, with (title, payload) buttons."""

    text: str
    buttons: tuple[tuple[str, str], ...] = ()


ASK_PERSON_CATEGORY = Prompt(
    "请问您是在职职工还是退休人员？（灵活就业、人才参保、离休人员也请告诉我）",
    (("在职职工", '/inform{"person_category": "in_service"}'),
     ("退休人员", '/inform{"person_category": "retired"}'),
     ("灵活就业", '/inform{"person_category": "flexible_employment"}')),
)
ASK_ARRIVAL_MONTH = Prompt("请问您问的是哪个月的钱？（例如“1月”“十月份”“上个月”）")
BAD_MONTH = Prompt("抱歉，没看明白是哪个月，请说1到12月中的一个月份，例如“3月”或“上个月”。")
HANDOFF_OFFER = Prompt(
    "这类问题需要查询您的个人记录，建议由工作人员为您办理。需要为您转人工吗？",
    (("转人工", "/request_human"), ("不用了", "/deny")),
)


# Topics answered by several facts get one title for "did you mean" buttons.
_TOPIC_TITLES = {
    "account_arrival": "个人账户什么时候到账",
    "account_composition": "个人账户里有哪些钱",
    "account_eligibility": "谁有个人账户",
    "account_reimbursement_payout": "手工报销的钱打到哪里",
}


def topic_title(knowledge: KnowledgeBase, topic: str) -> str:
    if topic in _TOPIC_TITLES:
        return _TOPIC_TITLES[topic]
    facts = knowledge.by_topic(topic)
    return facts[0].title if facts else topic


def format_date(value: date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def _where(fact: PolicyFact) -> str:
    if fact.region == "全国":
        return "全国"
    return fact.region + (f"{fact.district}区" if fact.district else "市")


def basis_footer(facts: Iterable[PolicyFact]) -> str:
    """Policy basis, source and known later changes of the facts an answer rests on."""
    facts = list(facts)
    citations: list[str] = []
    sources: list[str] = []
    changes: list[str] = []
    for fact in facts:
        for basis in fact.basis:
            if basis.cite() not in citations:
                citations.append(basis.cite())
        if fact.source.describe() not in sources:
            sources.append(fact.source.describe())
        if fact.later_change and fact.later_change not in changes:
            changes.append(fact.later_change)
    lines = [f"📄 政策依据：{'；'.join(citations)}", f"🗂 资料来源：{'；'.join(sources)}"]
    if changes:
        lines.append("⚠️ 可能已有变化：" + " ".join(changes) + " " + HOTLINE_HINT)
    return "\n".join(lines)


def render_fact_answer(answer: FactAnswer) -> str:
    if len(answer.facts) == 1:
        fact = answer.facts[0]
        body = f"【{_where(fact)}】{fact.answer}"
    else:
        body = "\n".join(f"【{_where(fact)}·{fact.title}】{fact.answer}" for fact in answer.facts)
    return f"{body}\n{basis_footer(answer.facts)}"


def render_arrival(answer: ArrivalAnswer) -> str:
    fact = answer.fact
    rule = fact.rule
    month = answer.contribution_month
    when = _MONTHS_AFTER_WORDS.get(rule.months_after, f"{rule.months_after}个月后")
    body = (
        f"【{_where(fact)}】{answer.category.label}{month.year}年{month.month}月的个人账户资金，"
        f"应在{_arrival_when(answer)}（含）前到账。"
        f"（规则：按{rule.counted_from}计算，{when}初{rule.day_of_month}日（含）前到账。）"
    )
    return f"{body}\n{basis_footer([fact])}"


def _arrival_when(answer: ArrivalAnswer) -> str:
    arrival = answer.arrival_date
    if arrival.year == answer.contribution_month.year:
        return format_date(arrival)
    return f"{arrival.year}年（次年）{arrival.month}月{arrival.day}日"


def render_eligibility(answer: EligibilityAnswer) -> str:
    return f"【{_where(answer.fact)}】{answer.fact.answer}\n{basis_footer([answer.fact])}"


def render_verdict(verdict: ReimbursementVerdict) -> str:
    steps = "\n".join(f"{index}. {step}" for index, step in enumerate(verdict.next_steps, 1))
    fact = verdict.fact
    return (
        f"【{_where(fact)}】结论：{VERDICT_LABELS[verdict.verdict]}。\n"
        f"原因：{verdict.reason}\n{fact.answer}\n建议您：\n{steps}\n{basis_footer([fact])}"
    )


def render_not_covered(result: NotCovered, topic_title: Optional[str] = None) -> str:
    if result.asked_region and result.covered_regions:
        covered = "、".join(result.covered_regions)
        return (
            f"抱歉，关于这个问题我只掌握{covered}的规定，没有{result.asked_region}的资料，不能替您猜。"
            f"请咨询{result.asked_region}当地的医保/社保经办机构，或拨打12345；也可以回复“转人工”。"
        )
    return (
        "抱歉，这个问题我的资料里没有可靠的答案，不能替您猜。"
        "请拨打12345，或回复“转人工”由工作人员为您解答。"
    )
