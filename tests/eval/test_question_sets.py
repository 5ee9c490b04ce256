"""The independent question sets through the trained NLU model and the policy core, as on the action server.

- `heldout/` and `heldout2/`: v41's uncovered, colloquial and law sets and a second law set, one author each, who
  never saw data/, knowledge/, tests/ or the other sets. Measured once, on the final code of the seventh 2026-12-07
  round, never tuned on. Questions that equal a training example or a question of another set were dropped before
  the first measurement.
- `tuning1/` … `tuning46/`: written the same way by other authors (tuning4 … tuning17, tuning20 and tuning23 …
  tuning46 were earlier held-out sets, each measured before it was tuned on); the answerability thresholds and the
  knowledge terms were tuned on them, so they are regression checks, not estimates. tuning10 holds v9, tuning11
  v10's colloquial and law sets, tuning12 v11, tuning13 v12, tuning14 v14, tuning15 v16's uncovered-question and
  law sets, tuning16 v17, tuning17 v15, tuning18 v18's colloquial and law sets, tuning19 v19, tuning20 the held-out
  set of the second 2026-12-03 round (v18 and v20's uncovered questions, v21's colloquial and v20's law questions),
  tuning21 v22, tuning22 v23, tuning23 v24 (the held-out set of the third 2026-12-03 round), tuning24 v25,
  tuning25 v26 (the held-out set of the 2026-12-04 round), tuning26 v27's uncovered and law sets (the held-out set
  of the 2026-12-05 round), tuning27 v28, tuning28 v29 and tuning29 v30 (each written, measured once and then
  tuned on in the first 2026-12-07 round), tuning30 v31 (that round's held-out set, tuned on in the second),
  tuning31 v32 (the second round's held-out set, tuned on in the third), tuning32 v33 and tuning33 v33's second
  law set (the third round's held-out sets, tuned on in the fourth), tuning34 v34 and tuning35 v34's second law
  set (the fourth round's held-out sets, tuned on in the fifth), tuning36 v35 and tuning37 v35's second law set
  (the fifth round's held-out sets, tuned on in the sixth), tuning38 v36 (the sixth round's held-out set), tuning39 v37
  and tuning40 v37's second law set (written in the seventh round, measured once before it was tuned on; v36 and
  v37 were both tuned on in the seventh), tuning41 and tuning42 v38 and its second law set, tuning43 and tuning44 v39
  and its second law set, tuning45 and tuning46 v40 and its second law set (each written in the seventh round and
  measured once, on the code of that moment, before it was tuned on).

The issue's goals (no wrong-topic answer, ≥ 95% right agency, ≥ 97% colloquial, ≥ 95% law) are reported by
`make bench` on `heldout/`. The floors below are the measured level minus a small margin, so that a change
that makes the assistant worse fails the suite.
"""

import json

import pytest

from bot.answer_eval import EVAL_DIR, Parser, gate_figures, load_set, run_set, summary
from policy_core import PolicyService
from policy_core.config import PROJECT_ROOT

pytestmark = pytest.mark.model

REPORT = PROJECT_ROOT / "results" / "eval"
SETS = ("out_of_knowledge", "colloquial", "law")
# folder: (most wrong-topic answers, least right-agency rate, least colloquial pass rate, least law pass rate);
# None where the folder has no such set (tuning11: no uncovered questions; tuning15: no colloquial ones; tuning18: no uncovered ones;
# tuning33, tuning35, tuning37, tuning40, tuning42, tuning44, tuning46 and heldout2: law questions only).
# heldout (v41) and heldout2 (v41's second law set), measured once on the final code of the seventh 2026-12-07
# round: 4/229 wrong-topic, 95.2% right agency, 97.8% colloquial, 83.1% and 72.4% law (README, Measured).
# Floors just below.
HELDOUT_FLOORS = (0.02, 0.945, 0.975, 0.825)
FLOORS = {
    "heldout": HELDOUT_FLOORS,
    "heldout2": (None, None, None, 0.72),
    "tuning46": (None, None, None, 0.83),
    "tuning45": (0.005, 0.97, 0.995, 0.855),
    "tuning44": (None, None, None, 0.885),
    "tuning43": (0.005, 0.995, 0.99, 0.84),
    "tuning42": (None, None, None, 0.81),
    "tuning41": (0.005, 0.975, 0.985, 0.87),
    "tuning40": (None, None, None, 0.85),
    "tuning39": (0.005, 0.985, 0.995, 0.88),
    "tuning38": (0.03, 0.93, 0.99, 0.955),
    # 积分落户 is labelled 12345 in tuning8, tuning31 and heldout, 人社 in tuning32; it is routed to 人社, which runs it in Beijing.
    "tuning37": (None, None, None, 0.91),
    "tuning36": (0.015, 0.96, 0.97, 0.87),
    "tuning35": (None, None, None, 0.97),
    "tuning34": (0.015, 0.95, 0.985, 0.96),
    "tuning33": (None, None, None, 0.93),
    "tuning32": (0.01, 0.97, 0.985, 0.97),
    # One question ("我交了25年社保，退休能拿多少钱") is labelled uncovered in tuning4 (more like it in tuning5, 8, 9,
    # heldout), while the end-to-end tests want the pension-amount fact's hand-off to a person who can read the records.
    # tuning5's false-premise questions forbid repeating the wrong date, which the correction does ("不是2月5日").
    "tuning31": (0.035, 0.955, 0.99, 0.975),
    "tuning30": (0.02, 0.925, 0.98, 0.96),
    "tuning29": (0.03, 0.89, 0.96, 0.885),
    "tuning28": (0.02, 0.92, 0.98, 0.885),
    "tuning27": (0.03, 0.91, 0.98, 0.93),
    "tuning26": (0.02, 0.97, None, 0.82),
    "tuning25": (0.025, 0.945, 0.97, 0.82),
    "tuning24": (0.035, 0.955, 0.99, 0.925),
    "tuning23": (0.005, 0.965, 0.97, 0.88),
    "tuning22": (0.01, 0.96, 0.965, 0.73),
    "tuning21": (0.005, 0.99, 0.975, 0.92),
    "tuning20": (0.005, 0.99, 0.97, 0.97),
    "tuning19": (0.005, 0.99, 0.96, 0.95),
    "tuning18": (None, None, 0.97, 0.90),
    "tuning17": (0.005, 0.99, 0.95, 0.90),
    "tuning16": (0.005, 0.98, 0.98, 0.93),
    "tuning15": (0.005, 0.99, None, 0.94),
    "tuning14": (0.005, 0.99, 0.98, 0.89),
    "tuning13": (0.005, 0.99, 0.97, 0.92),
    "tuning12": (0.015, 0.98, 0.94, 0.88),
    "tuning11": (None, None, 0.98, 0.90),
    "tuning10": (0.025, 0.96, 0.97, 0.89),
    "tuning9": (0.03, 0.94, 0.95, 0.86),
    "tuning8": (0.025, 0.96, 0.98, 0.88),
    "tuning7": (0.01, 0.97, 0.97, 0.88),
    "tuning6": (0.015, 0.94, 0.92, 0.93),
    "tuning5": (0.02, 0.93, 0.91, 0.92),
    # tuning4 labels "工伤伤残十级一次性补助能拿多少钱" uncovered; 工伤保险条例第三十七条 states it (7个月的本人工资).
    "tuning4": (0.01, 0.98, 0.96, 0.95),
    "tuning1": (0.0, 0.98, 0.97, 0.94),
    "tuning2": (0.0, 0.97, 0.98, 0.96),
    "tuning3": (0.0, 0.98, 0.96, 0.93),
}


@pytest.fixture(scope="module")
def scored():
    service, parser = PolicyService.load(), Parser()
    REPORT.mkdir(parents=True, exist_ok=True)
    found = {}
    for folder in FLOORS:
        names = [name for name in SETS if (EVAL_DIR / folder / f"{name}.yml").exists()]
        verdicts = {name: run_set(service, parser, folder, name) for name in names}
        report = {name: summary(v) for name, v in verdicts.items()}
        if "out_of_knowledge" in verdicts:
            report["gate"] = gate_figures(verdicts["out_of_knowledge"], verdicts.get("colloquial", []))
        (REPORT / f"{folder}.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
        found[folder] = verdicts
    return found


def _failures(verdicts, limit=10):
    return json.dumps([(v.text, v.problems) for v in verdicts if not v.passed][:limit], ensure_ascii=False)


def test_the_held_out_sets_are_large_enough(scored):
    held_out = scored["heldout"]
    assert len(held_out["out_of_knowledge"]) >= 150 and len(held_out["colloquial"]) >= 150
    assert len(held_out["law"]) >= 80 and len(scored["heldout2"]["law"]) >= 80
    subjects = {item["subject"] for item in load_set("heldout", "out_of_knowledge")}
    assert len(subjects) >= 30


@pytest.mark.parametrize("folder", [f for f in FLOORS if FLOORS[f][0] is not None])
def test_uncovered_questions_get_no_policy_fact_and_the_right_agency(scored, folder):
    most_wrong, least_routed, _, _ = FLOORS[folder]
    verdicts = scored[folder]["out_of_knowledge"]
    figures = gate_figures(verdicts, scored[folder].get("colloquial", []))
    wrong = [v for v in verdicts if v.outcome == "answered"]
    assert figures["wrong_topic_rate"] <= most_wrong, _failures(wrong)
    assert figures["routing_accuracy"] >= least_routed, _failures(verdicts)


@pytest.mark.parametrize("folder", [f for f in FLOORS if FLOORS[f][2] is not None])
def test_colloquial_in_scope_questions(scored, folder):
    verdicts = scored[folder]["colloquial"]
    assert summary(verdicts)["pass_rate"] >= FLOORS[folder][2], _failures(verdicts)


@pytest.mark.parametrize("folder", [f for f in FLOORS if FLOORS[f][3] is not None])
def test_law_questions_answered_with_the_right_article(scored, folder):
    verdicts = scored[folder]["law"]
    assert summary(verdicts)["pass_rate"] >= FLOORS[folder][3], _failures(verdicts)
