"""The independent question sets (tests/eval/heldout, written by authors who never saw data/ or knowledge/,
never trained on): questions the knowledge base does not cover, colloquial in-scope questions, law questions.

Each question goes through the trained NLU model and the policy core, as on the action server.
"""

import json

import pytest

from bot.answer_eval import Parser, gate_figures, run_set, summary
from policy_core import PolicyService
from policy_core.config import PROJECT_ROOT

pytestmark = pytest.mark.model

REPORT = PROJECT_ROOT / "results" / "eval"
HELDOUT = "heldout"


@pytest.fixture(scope="module")
def parser():
    return Parser()


@pytest.fixture(scope="module")
def service():
    return PolicyService.load()


@pytest.fixture(scope="module")
def results(service, parser):
    found = {name: run_set(service, parser, HELDOUT, name) for name in ("out_of_knowledge", "colloquial", "law")}
    REPORT.mkdir(parents=True, exist_ok=True)
    report = {name: summary(verdicts) for name, verdicts in found.items()}
    report["gate"] = gate_figures(found["out_of_knowledge"], found["colloquial"])
    (REPORT / "heldout.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    return found


def _failures(verdicts, limit=12):
    return json.dumps(
        [(v.text, v.problems, v.reply[:120]) for v in verdicts if not v.passed][:limit], ensure_ascii=False, indent=1
    )


def test_sets_are_large_enough(results):
    ook = results["out_of_knowledge"]
    assert len(ook) >= 150 and len(results["colloquial"]) >= 150 and len(results["law"]) >= 80


def test_no_uncovered_question_gets_a_policy_fact(results):
    wrong = [v for v in results["out_of_knowledge"] if v.outcome == "answered" or v.facts]
    assert not wrong, _failures(wrong)


def test_uncovered_questions_name_the_right_agency(results):
    verdicts = results["out_of_knowledge"]
    assert summary(verdicts)["pass_rate"] >= 0.95, _failures(verdicts)


def test_colloquial_in_scope_questions(results):
    verdicts = results["colloquial"]
    assert summary(verdicts)["pass_rate"] >= 0.95, _failures(verdicts)


def test_law_questions_answered_with_the_right_article(results):
    verdicts = results["law"]
    assert summary(verdicts)["pass_rate"] >= 0.95, _failures(verdicts)
