"""Rasa's own checks: data validation, test stories, held-out NLU evaluation."""

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
RASA = str(Path(sys.executable).with_name("rasa"))
MODEL = ROOT / "models" / "policy-qa.tar.gz"
HELDOUT_DIR = ROOT / "tests" / "nlu"
MIN_MACRO_F1 = 0.90


def rasa(*args: str, timeout: int = 900) -> subprocess.CompletedProcess:
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONPATH": str(ROOT)}
    return subprocess.run([RASA, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


def test_rasa_data_validate_is_clean():
    result = rasa("data", "validate", "--fail-on-warnings")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_stories_pass_without_prediction_errors(tmp_path):
    result = rasa(
        "test",
        "core",
        "-m",
        str(MODEL),
        "--stories",
        "tests/stories",
        "--fail-on-prediction-errors",
        "--out",
        str(tmp_path),
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]


def _examples(path: Path) -> list[str]:
    texts = []
    for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu") or []:
        if "intent" in block:
            texts += [line[2:].strip() for line in block["examples"].splitlines() if line.startswith("- ")]
    return texts


def _heldout_files() -> list[Path]:
    return sorted(HELDOUT_DIR.glob("*.yml"))


def _trained_texts() -> set[str]:
    from bot.knowledge_importer import topic_examples
    from policy_core import load_knowledge_base

    trained = {
        text
        for path in (ROOT / "data").rglob("*.yml")
        if "nlu" in (yaml.safe_load(path.read_text(encoding="utf-8")) or {})
        for text in _examples(path)
    }
    return trained | {q for questions in topic_examples(load_knowledge_base()).values() for q in questions}


def test_heldout_sets_are_never_trained_on():
    trained = _trained_texts()
    heldout = {text for path in _heldout_files() for text in _examples(path)}
    assert len(heldout) >= 150
    assert not heldout & trained
    for path in (ROOT / "tests" / "eval").rglob("*.yml"):
        questions = {q["text"] for q in yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]}
        assert not questions & trained, (path.name, sorted(questions & trained)[:5])


def test_heldout_intent_macro_f1(tmp_path):
    merged = {
        "version": "3.1",
        "nlu": [
            block for path in _heldout_files() for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]
        ],
    }
    heldout = tmp_path / "heldout.yml"
    heldout.write_text(yaml.safe_dump(merged, allow_unicode=True), encoding="utf-8")
    result = rasa("test", "nlu", "-m", str(MODEL), "--nlu", str(heldout), "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads((tmp_path / "intent_report.json").read_text())
    summary = {
        "accuracy": report["accuracy"],
        "macro_f1": report["macro avg"]["f1-score"],
        "per_intent_f1": {
            k: v["f1-score"]
            for k, v in report.items()
            if isinstance(v, dict) and "support" in v and k not in ("macro avg", "weighted avg", "micro avg")
        },
    }
    out = ROOT / "results"
    out.mkdir(exist_ok=True)
    (out / "heldout_nlu.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    assert summary["macro_f1"] >= MIN_MACRO_F1, json.dumps(summary, ensure_ascii=False, indent=1)
