"""NLU quality with Rasa's own evaluation: 5-fold cross-validation on the training data, and the held-out
sets tests/nlu/*.yml (merged) against the trained model."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any, Optional

import yaml

from bot.testing import MODEL

from .resources import run_timed

ROOT = Path(__file__).resolve().parents[1]
RASA = str(Path(sys.executable).with_name("rasa"))
HELDOUT_DIR = ROOT / "tests" / "nlu"
SUMMARY_ROWS = ("accuracy", "macro avg", "weighted avg", "micro avg")
NOT_ENTITY_REPORTS = ("intent_report.json", "response_selection_report.json")


def rasa_env(cache_dir: Path) -> dict:
    """Environment for Rasa subprocesses; Rasa's training cache goes to `cache_dir`, not the project's."""
    return {
        **os.environ,
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "PYTHONPATH": str(ROOT),
        "RASA_CACHE_DIRECTORY": str(cache_dir),
    }


def merged_heldout(out_file: Path, limit: Optional[int] = None, heldout_dir: Path = HELDOUT_DIR) -> int:
    """Merge every tests/nlu/*.yml into one NLU file (as the model tests do); with `limit`, keep only the
    first `limit` examples (spread over the intents). Returns the number of examples written."""
    blocks = [
        block
        for path in sorted(heldout_dir.glob("*.yml"))
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu") or [])
    ]
    if limit is not None:
        blocks = _first_examples([b for b in blocks if "intent" in b], limit)
    count = sum(
        len([line for line in b.get("examples", "").splitlines() if line.startswith("- ")])
        for b in blocks
        if "intent" in b
    )
    out_file.parent.mkdir(parents=True, exist_ok=True)
    out_file.write_text(yaml.safe_dump({"version": "3.1", "nlu": blocks}, allow_unicode=True), encoding="utf-8")
    return count


def _first_examples(blocks: list[dict], limit: int) -> list[dict]:
    """Round-robin over intents so that a small sample still covers several intents."""
    lines = [[line for line in b["examples"].splitlines() if line.startswith("- ")] for b in blocks]
    chosen: list[list[str]] = [[] for _ in blocks]
    taken, depth = 0, 0
    while taken < limit and any(depth < len(ls) for ls in lines):
        for i, ls in enumerate(lines):
            if depth < len(ls) and taken < limit:
                chosen[i].append(ls[depth])
                taken += 1
        depth += 1
    return [{"intent": b["intent"], "examples": "\n".join(c) + "\n"} for b, c in zip(blocks, chosen) if c]


def summarize_intent_report(report: dict[str, Any]) -> dict[str, Any]:
    """Rasa's intent_report.json → accuracy, macro/weighted F1 and F1/support per intent."""
    per_intent = {
        name: {
            "f1": round(row["f1-score"], 4),
            "precision": round(row["precision"], 4),
            "recall": round(row["recall"], 4),
            "support": row["support"],
        }
        for name, row in report.items()
        if isinstance(row, dict) and "support" in row and name not in SUMMARY_ROWS
    }
    accuracy = report.get("accuracy")
    if isinstance(accuracy, dict):  # older sklearn layouts
        accuracy = accuracy.get("f1-score")
    if accuracy is None and "micro avg" in report:
        accuracy = report["micro avg"]["f1-score"]
    return {
        "examples": int(sum(row["support"] for row in per_intent.values())),
        "accuracy": round(accuracy, 4) if accuracy is not None else None,
        "macro_f1": round(report["macro avg"]["f1-score"], 4),
        "weighted_f1": round(report["weighted avg"]["f1-score"], 4),
        "per_intent": dict(sorted(per_intent.items())),
    }


def summarize_entity_report(report: dict[str, Any]) -> dict[str, Any]:
    """One extractor's report (e.g. DIETClassifier_report.json) → micro/macro F1 and F1 per entity."""
    per_entity = {
        name: {"f1": round(row["f1-score"], 4), "support": row["support"]}
        for name, row in report.items()
        if isinstance(row, dict) and "support" in row and name not in SUMMARY_ROWS
    }
    micro = report.get("micro avg", {}).get("f1-score")
    if micro is None and isinstance(report.get("accuracy"), (int, float)):
        micro = report["accuracy"]
    macro = report.get("macro avg", {}).get("f1-score")
    return {
        "micro_f1": round(micro, 4) if micro is not None else None,
        "macro_f1": round(macro, 4) if macro is not None else None,
        "support": int(sum(row["support"] for row in per_entity.values())),
        "per_entity": dict(sorted(per_entity.items())),
    }


def read_reports(folder: Path) -> dict[str, Any]:
    """The intent summary and one entity summary per extractor from a `rasa test nlu` output folder."""
    result: dict[str, Any] = {
        "intent": summarize_intent_report(json.loads((folder / "intent_report.json").read_text(encoding="utf-8")))
    }
    result["entities"] = {
        path.name[: -len("_report.json")]: summarize_entity_report(json.loads(path.read_text(encoding="utf-8")))
        for path in sorted(folder.glob("*_report.json"))
        if path.name not in NOT_ENTITY_REPORTS
    }
    return result


def _run(args: list[str], out: Path, work: Path, name: str) -> dict[str, Any]:
    run = run_timed([RASA, *args, "--out", str(out)], ROOT, rasa_env(work / "rasa-cache"), work / f"{name}.log")
    if run.returncode != 0:
        raise RuntimeError(f"rasa {' '.join(args)} failed ({run.returncode}):\n{run.tail()}")
    summary = read_reports(out)
    summary["wall_s"] = round(run.wall_s, 1)
    return summary


def heldout(work: Path, results_dir: Path, limit: Optional[int] = None) -> dict[str, Any]:
    """Evaluate the trained model on the merged held-out sets; copies the confusion matrix."""
    data = work / "heldout.yml"
    count = merged_heldout(data, limit)
    out = work / "heldout"
    summary = _run(["test", "nlu", "-m", str(MODEL), "--nlu", str(data)], out, work, "heldout")
    summary["source"] = f"tests/nlu/*.yml merged ({count} examples)"
    if (out / "intent_confusion_matrix.png").exists():
        shutil.copyfile(out / "intent_confusion_matrix.png", results_dir / "confusion_matrix.png")
        summary["confusion_matrix"] = "confusion_matrix.png"
    return summary


def cross_validation(work: Path, results_dir: Path, folds: int = 5) -> dict[str, Any]:
    """`rasa test nlu --cross-validation` on data/ with config.yml (test folds accumulated)."""
    out = work / "cross_validation"
    summary = _run(
        ["test", "nlu", "--cross-validation", "--folds", str(folds), "--nlu", "data/", "--config", "config.yml"],
        out,
        work,
        "cross_validation",
    )
    summary["folds"] = folds
    summary["source"] = "data/ (training data)"
    if (out / "intent_confusion_matrix.png").exists():
        shutil.copyfile(out / "intent_confusion_matrix.png", results_dir / "confusion_matrix_cv.png")
        summary["confusion_matrix"] = "confusion_matrix_cv.png"
    return summary
