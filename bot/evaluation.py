"""Run scripted resident conversations against a running assistant and check the facts in the answers.

Case format: tests/e2e/conversations.yml. Used by the end-to-end test and by the benchmark.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .testing import RunningAssistant

CASES_FILE = Path(__file__).resolve().parents[1] / "tests" / "e2e" / "conversations.yml"


def load_cases(path: Path = CASES_FILE) -> list[dict[str, Any]]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]


def reply_text(messages: list[dict]) -> str:
    """All bot text of one turn, button titles included (what a resident sees)."""
    parts: list[str] = []
    for message in messages:
        if message.get("text"):
            parts.append(message["text"])
        parts += [button.get("title", "") for button in message.get("buttons") or []]
    return "\n".join(parts)


@dataclass
class TurnResult:
    user: str
    reply: str
    problems: list[str] = field(default_factory=list)
    wrong_facts: list[str] = field(default_factory=list)


@dataclass
class CaseResult:
    id: str
    topic: str
    turns: list[TurnResult]
    handed_off: bool

    @property
    def passed(self) -> bool:
        return all(not t.problems and not t.wrong_facts for t in self.turns)

    @property
    def wrong_fact_count(self) -> int:
        return sum(len(t.wrong_facts) for t in self.turns)


def check_turn(turn: dict[str, Any], reply: str, paused: bool) -> TurnResult:
    result = TurnResult(turn["user"], reply)
    if turn.get("expect_empty"):
        if reply.strip():
            result.problems.append("expected silence after hand-off")
        return result
    if not reply.strip():
        result.problems.append("no reply")
    for fact in turn.get("expect_all") or []:
        if fact not in reply:
            result.problems.append(f"missing {fact!r}")
    expected_any = turn.get("expect_any") or []
    if expected_any and not any(fact in reply for fact in expected_any):
        result.problems.append(f"none of {expected_any!r}")
    result.wrong_facts = [fact for fact in turn.get("expect_none") or [] if fact in reply]
    if "handoff" in turn and bool(turn["handoff"]) != paused:
        result.problems.append("should hand off" if turn["handoff"] else "handed off wrongly")
    return result


def run_case(assistant: RunningAssistant, case: dict[str, Any]) -> CaseResult:
    sender = f"e2e-{case['id']}-{uuid.uuid4().hex[:8]}"
    turns = []
    for turn in case["turns"]:
        reply = reply_text(assistant.say(sender, turn["user"]))
        turns.append(check_turn(turn, reply, assistant.is_paused(sender)))
    return CaseResult(case["id"], case.get("topic", ""), turns, assistant.is_paused(sender))


def summarize(results: list[CaseResult]) -> dict[str, Any]:
    total = len(results)
    return {
        "cases": total,
        "turns": sum(len(r.turns) for r in results),
        "passed": sum(r.passed for r in results),
        "pass_rate": round(sum(r.passed for r in results) / total, 4) if total else 0.0,
        "handoff_rate": round(sum(r.handed_off for r in results) / total, 4) if total else 0.0,
        "wrong_facts": sum(r.wrong_fact_count for r in results),
        "failures": [
            {"id": r.id, "turns": [asdict(t) for t in r.turns if t.problems or t.wrong_facts]}
            for r in results
            if not r.passed
        ],
    }
