"""`make soak` (bench.soak): the memory-growth arithmetic, and a short real run against the assistant."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.soak import memory_growth

ROOT = Path(__file__).resolve().parents[2]


def test_memory_growth_compares_first_and_last_tenth_of_the_samples():
    series = [(float(i), {"rasa_server": (100 + i) * 1_000_000, "action_server": 50_000_000}) for i in range(20)]
    growth = memory_growth(series)
    assert growth["rasa_server"] == {
        "samples": 20,
        "first_mb": 100.5,
        "last_mb": 118.5,
        "growth_mb": 18.0,
        "growth_pct": 17.9,
        "peak_mb": 119.0,
    }
    assert growth["action_server"]["growth_mb"] == 0.0


@pytest.mark.model
def test_short_soak_run_reports_no_errors_latency_and_memory(tmp_path):
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "SOAK_SECONDS": "25",
    }
    result = subprocess.run(
        [sys.executable, "-m", "bench.soak", "--concurrency", "4", "--out", str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "soak 25 s:" in result.stdout and "0 errors" in result.stdout

    report = json.loads((tmp_path / "soak.json").read_text(encoding="utf-8"))
    assert report["seconds"] == 25 and report["concurrency"] == 4
    load = report["load"]
    assert load["errors"] == 0 and load["error_kinds"] == {}
    assert load["messages"] == load["answered"] >= 20 and load["conversations"] >= 4
    assert 0 < load["latency"]["p50_ms"] <= load["latency"]["p95_ms"] <= load["latency"]["max_ms"]
    assert {"computed", "policy", "chitchat"} <= set(load["latency_by_kind"])  # mixed load
    assert set(report["memory"]) == {"rasa_server", "action_server"}
    assert report["memory"]["rasa_server"]["first_mb"] > 100  # TensorFlow and the model
    for row in report["memory"].values():
        assert row["samples"] >= 10 and row["peak_mb"] >= row["last_mb"] > 0
        assert abs(row["growth_mb"] - (row["last_mb"] - row["first_mb"])) < 0.2
    assert len(report["rss_series_mb"]) >= 10

    summary = (tmp_path / "soak.md").read_text(encoding="utf-8")
    assert "| errors | 0 " in summary and "| rasa_server |" in summary and "p50 / p95" in summary
    assert (tmp_path / "assistant" / "logs" / "rasa.log").exists()
