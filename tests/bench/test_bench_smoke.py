"""The benchmark's smoke run (`python -m bench --smoke`) against the real assistant, as CI runs it."""

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.model

ROOT = Path(__file__).resolve().parents[2]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench-smoke")
    readme_before = _digest(ROOT / "README.md")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--smoke", "--out", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    return {"out": out, "result": result, "readme_unchanged": _digest(ROOT / "README.md") == readme_before}


def test_smoke_run_succeeds_and_prints_the_targets(smoke):
    result = smoke["result"]
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "targets (goals, not gates)" in result.stdout
    for target in ("held-out intent macro-F1", "single-user latency p50", "Rasa server peak RSS"):
        assert target in result.stdout


def test_smoke_results_structure_and_numbers(smoke):
    results = json.loads((smoke["out"] / "results.json").read_text(encoding="utf-8"))
    assert results["meta"]["mode"] == "smoke"
    assert results["errors"] == {}
    assert len(results["meta"]["load_start"]["loadavg"]) == 3

    levels = results["speed"]["ours"]["levels"]
    assert [row["concurrency"] for row in levels] == [1, 2]
    for row in levels:
        assert row["messages"] == 3 * row["concurrency"]  # one conversation of 3 messages per resident
        assert row["answered"] == row["messages"]
        assert row["errors"] == 0
        assert row["throughput_msg_s"] > 0
        assert 0 < row["latency"]["p50_ms"] <= row["latency"]["p95_ms"] <= row["latency"]["max_ms"]
    assert results["speed"]["ours"]["single_user"]["p50_ms"] > 0

    conversations = results["conversations"]
    assert conversations["cases"] == 5 and conversations["wrong_facts"] == 0

    resources = results["resources"]
    assert 0 < resources["startup_s"] < 600
    assert resources["rss"]["peak_mb"]["rasa_server"] > 100  # TensorFlow and the model
    assert resources["rss"]["peak_mb"]["action_server"] > 20
    assert resources["deployed_model_size_mb"] > 1

    profile = results["profile"]["http"]
    for block in profile.values():
        assert block["median_ms"]["rest_total"] > 0 and block["median_ms"]["model_parse"] > 0

    targets = {t["target"]: t for t in results["targets"]}
    assert len(targets) == 11
    assert targets["training time"]["met"] is None  # not measured in a smoke run
    assert targets["single-user latency p50"]["met"] in (True, False)


def test_smoke_writes_reports_and_leaves_readme_alone(smoke):
    out = smoke["out"]
    for name in (
        "results.json",
        "summary.md",
        "profile.md",
        "latency_vs_concurrency.png",
        "throughput_vs_concurrency.png",
    ):
        assert (out / name).stat().st_size > 0, name
    assert "| single-user latency p50 |" in (out / "summary.md").read_text(encoding="utf-8")
    assert smoke["readme_unchanged"]
