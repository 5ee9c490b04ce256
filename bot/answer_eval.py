"""Score the assistant's decisions on the independent question sets (tests/eval/): the trained NLU model parses
each question, the policy core answers it as the action server would, and the reply is checked.

Used by the tests (tests/eval/) and the benchmark. Each question is a fresh conversation.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable, Optional

import yaml

from policy_core import PolicyService, Question, respond
from policy_core.config import PROJECT_ROOT
from policy_core.replies import ANSWERED, DECLINED

EVAL_DIR = PROJECT_ROOT / "tests" / "eval"
MODEL = PROJECT_ROOT / "models" / "policy-qa.tar.gz"


@dataclass
class Verdict:
    text: str
    passed: bool
    outcome: str
    reply: str
    problems: list[str] = field(default_factory=list)
    facts: tuple[str, ...] = ()
    expected: dict[str, Any] = field(default_factory=dict)


def load_set(folder: str, name: str) -> list[dict[str, Any]]:
    return yaml.safe_load((EVAL_DIR / folder / f"{name}.yml").read_text(encoding="utf-8"))["questions"]


class Parser:
    """The trained model's NLU, in process."""

    def __init__(self, model: Path = MODEL) -> None:
        from rasa.core.agent import Agent

        self.agent = Agent.load(str(model))
        self.loop = asyncio.new_event_loop()

    def parse(self, text: str) -> dict[str, Any]:
        return self.loop.run_until_complete(self.agent.parse_message(text))


def question_of(text: str, parse: dict[str, Any]) -> Question:
    ranking = tuple((item["name"], float(item["confidence"])) for item in parse.get("intent_ranking") or [])
    entities = parse.get("entities") or []
    return Question(
        text=text,
        intent=(parse.get("intent") or {}).get("name"),
        ranking=ranking,
        entity_categories=tuple(
            e["value"] for e in entities if e.get("entity") == "person_category" and isinstance(e.get("value"), str)
        ),
        entity_month=any(e.get("entity") == "month" for e in entities),
        regions=tuple(e["value"] for e in entities if e.get("entity") == "region" and isinstance(e.get("value"), str)),
    )


def ask(service: PolicyService, parser: Parser, text: str):
    reply = respond(service, question_of(text, parser.parse(text)))
    return reply, "\n".join(m.plain() for m in reply.messages)


_NUMERALS = "0123456789〇零一二三四五六七八九十"


def _says(said: str, option: Any) -> bool:
    """Whether the reply contains the option; a number is not found inside a longer one ("1月5日" in "11月5日")."""
    option = str(option)
    if not option or option[0] not in _NUMERALS:
        return option in said
    return re.search(f"(?<![{_NUMERALS}]){re.escape(option)}", said) is not None


def _missing(item: dict[str, Any], said: str) -> list[str]:
    """The `expect` groups of which the reply contains no option."""
    groups = [g if isinstance(g, list) else [g] for g in item.get("expect") or []]
    return [f"missing one of {options}" for options in groups if not any(_says(said, o) for o in options)]


# A false premise is corrected by naming it ("不是2月5日。…3月5日前到账"): the wrong date said as the wrong one
# is not the reply saying it.
_CORRECTION = re.compile(r"(?:不是|并非|而不是)\s*$")


def _forbidden(item: dict[str, Any], said: str) -> list[str]:
    """The `forbid` options the reply says, other than in the correction of the resident's premise."""
    found = []
    for bad in item.get("forbid") or []:
        kept = said
        for hit in reversed(list(re.finditer(re.escape(str(bad)), said))):
            if _CORRECTION.search(said[: hit.start()]):
                kept = kept[: hit.start()] + kept[hit.end() :]
        if _says(kept, bad):
            found.append(f"says {bad}")
    return found


def _verdict(item: dict[str, Any], reply, said: str, problems: list[str], *keys: str) -> Verdict:
    return Verdict(
        item["text"], not problems, reply.outcome, said, problems, reply.fact_ids, {key: item.get(key) for key in keys}
    )


def check_out_of_knowledge(service: PolicyService, parser: Parser, item: dict[str, Any]) -> Verdict:
    reply, said = ask(service, parser, item["text"])
    problems = []
    if reply.outcome == ANSWERED or reply.fact_ids:
        problems.append(f"answered with {','.join(reply.fact_ids) or reply.topic}")
    expected = service.routing.agency(item["agency"])
    agency = reply.agency or ("other" if reply.outcome != ANSWERED else None)
    if agency != expected.id and not (
        expected.id == "other" and reply.outcome in ("out_of_domain", "routed") and agency in (None, "other")
    ):
        problems.append(f"sent to {agency}, expected {expected.id}")
    return _verdict(item, reply, said, problems, "agency")


def check_expectations(service: PolicyService, parser: Parser, item: dict[str, Any]) -> Verdict:
    reply, said = ask(service, parser, item["text"])
    problems = _missing(item, said) + _forbidden(item, said)
    if item.get("kind") == "other_person" and reply.outcome != DECLINED:
        problems.append("did not decline a request for someone else's records")
    return _verdict(item, reply, said, problems, "kind", "expect", "forbid")


def check_law(service: PolicyService, parser: Parser, item: dict[str, Any]) -> Verdict:
    reply, said = ask(service, parser, item["text"])
    accepted = [(item["law"], item["article"])] + [tuple(str(a).split()) for a in item.get("also") or []]
    if reply.outcome != ANSWERED:
        problems = [f"not answered ({reply.outcome})"]
    elif not any(law in said and article in said for law, article in accepted if law and article):
        problems = [f"does not cite {item['law']} {item['article']}"] + _missing(item, said)
    else:
        problems = _missing(item, said)
    return _verdict(item, reply, said, problems, "law", "article")


CHECKS = {"out_of_knowledge": check_out_of_knowledge, "colloquial": check_expectations, "law": check_law}


def run_set(service: PolicyService, parser: Parser, folder: str, name: str) -> list[Verdict]:
    return [CHECKS[name](service, parser, item) for item in load_set(folder, name)]


def summary(verdicts: Iterable[Verdict]) -> dict[str, Any]:
    verdicts = list(verdicts)
    passed = sum(v.passed for v in verdicts)
    return {
        "questions": len(verdicts),
        "passed": passed,
        "pass_rate": round(passed / max(1, len(verdicts)), 4),
        "failures": [asdict(v) for v in verdicts if not v.passed],
    }


def gate_figures(ook: list[Verdict], in_scope: list[Verdict]) -> dict[str, Optional[float]]:
    """The answerability check as a classifier of "answer with a fact": precision and recall over both sets."""
    answered_in_scope = sum(v.outcome == ANSWERED for v in in_scope)
    wrongly_answered = sum(v.outcome == ANSWERED for v in ook)
    answered = answered_in_scope + wrongly_answered
    return {
        # Without in-scope questions the check's precision and recall are not measured.
        "precision": round(answered_in_scope / answered, 4) if answered and in_scope else None,
        "recall": round(answered_in_scope / len(in_scope), 4) if in_scope else None,
        "wrong_topic_rate": round(wrongly_answered / max(1, len(ook)), 4),
        "routing_accuracy": round(sum(v.passed for v in ook) / max(1, len(ook)), 4),
    }
