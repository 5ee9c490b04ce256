"""The independent question sets through the trained NLU model and the policy core, as on the action server.

- `heldout/` (v7): written by three authors (one per set) who never saw data/, knowledge/, tests/ or the other
  sets; measured once on the code before the tuning round on tuning6 and tuning7, and once after it. Never
  tuned on.
- `tuning1/` … `tuning7/`: written the same way by other authors (tuning4 … tuning7 were the v3 … v6
  held-out sets, each measured before it was tuned on); the answerability thresholds and the knowledge
  terms were tuned on them, so they are regression checks, not estimates.

The issue's goals (no wrong-topic answer, ≥ 95% right agency, ≥ 97% colloquial, ≥ 95% law) are reported by
`make bench` on `heldout/`. The floors below are the measured level minus a small margin, so that a change
that makes the assistant worse fails the suite.
"""

import json

import pytest

from bot.answer_eval import Parser, gate_figures, load_set, run_set, summary
from policy_core import PolicyService
from policy_core.config import PROJECT_ROOT

pytestmark = pytest.mark.model

REPORT = PROJECT_ROOT / "results" / "eval"
SETS = ("out_of_knowledge", "colloquial", "law")
# folder: (most wrong-topic answers, least right-agency rate, least colloquial pass rate, least law pass rate)
# The held-out set's level after the tuning round on tuning6 and tuning7 (measured: 12/236 wrong-topic, 89.0%
# right agency, 89.3% colloquial, 71.1% law), minus a small margin. The goals are well above it.
HELDOUT_FLOORS = (0.06, 0.87, 0.87, 0.69)
FLOORS = {
    "heldout": HELDOUT_FLOORS,
    # One question ("我交了25年社保，退休能拿多少钱") is labelled uncovered in tuning4 (one more like it in tuning5),
    # while the end-to-end tests want the pension-amount fact's hand-off to a person who can read the records.
    # tuning5's false-premise questions forbid repeating the wrong date, which the correction does ("不是2月5日").
    "tuning7": (0.02, 0.96, 0.97, 0.86),
    "tuning6": (0.015, 0.93, 0.9, 0.91),
    "tuning5": (0.02, 0.91, 0.9, 0.91),
    "tuning4": (0.005, 0.98, 0.96, 0.95),
    "tuning1": (0.0, 0.98, 0.97, 0.94),
    "tuning2": (0.0, 0.97, 0.98, 0.95),
    "tuning3": (0.0, 0.98, 0.97, 0.91),
}


@pytest.fixture(scope="module")
def scored():
    service, parser = PolicyService.load(), Parser()
    REPORT.mkdir(parents=True, exist_ok=True)
    found = {}
    for folder in FLOORS:
        verdicts = {name: run_set(service, parser, folder, name) for name in SETS}
        report = {name: summary(v) for name, v in verdicts.items()}
        report["gate"] = gate_figures(verdicts["out_of_knowledge"], verdicts["colloquial"])
        (REPORT / f"{folder}.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
        found[folder] = verdicts
    return found


def _failures(verdicts, limit=10):
    return json.dumps([(v.text, v.problems) for v in verdicts if not v.passed][:limit], ensure_ascii=False)


def test_the_held_out_sets_are_large_enough(scored):
    held_out = scored["heldout"]
    assert len(held_out["out_of_knowledge"]) >= 150 and len(held_out["colloquial"]) >= 150
    assert len(held_out["law"]) >= 80
    subjects = {item["subject"] for item in load_set("heldout", "out_of_knowledge")}
    assert len(subjects) >= 30


@pytest.mark.parametrize("folder", FLOORS)
def test_uncovered_questions_get_no_policy_fact_and_the_right_agency(scored, folder):
    most_wrong, least_routed, _, _ = FLOORS[folder]
    verdicts = scored[folder]["out_of_knowledge"]
    figures = gate_figures(verdicts, scored[folder]["colloquial"])
    wrong = [v for v in verdicts if v.outcome == "answered"]
    assert figures["wrong_topic_rate"] <= most_wrong, _failures(wrong)
    assert figures["routing_accuracy"] >= least_routed, _failures(verdicts)


@pytest.mark.parametrize("folder", FLOORS)
def test_colloquial_in_scope_questions(scored, folder):
    verdicts = scored[folder]["colloquial"]
    assert summary(verdicts)["pass_rate"] >= FLOORS[folder][2], _failures(verdicts)


@pytest.mark.parametrize("folder", FLOORS)
def test_law_questions_answered_with_the_right_article(scored, folder):
    verdicts = scored[folder]["law"]
    assert summary(verdicts)["pass_rate"] >= FLOORS[folder][3], _failures(verdicts)
