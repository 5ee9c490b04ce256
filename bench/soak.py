"""`make soak` / `python -m bench.soak`: a long mixed load against the assistant, watching for errors,
latency and memory growth.

The assistant (action server + Rasa server, bot.testing.start_assistant) runs with its own databases;
`--concurrency` residents talk the benchmark's resident conversations (bench.load: computed dates,
policy answers, chit-chat; multi-turn) for `--seconds` (default 30 min, SOAK_SECONDS overrides), while
RssSampler records the RSS of both servers. Memory growth = mean RSS of the last 10 % of the samples
minus that of the first 10 %. Results: results/soak/soak.json and soak.md (the servers'
logs in results/soak/assistant/); exit code 1 on any error.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Optional, Sequence

from bot.testing import start_assistant

from .load import POLICY_QA_SCENARIOS, degraded_texts, run_load
from .resources import RssSampler, machine_load

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "results" / "soak"
MB = 1_000_000


class RssSeries(RssSampler):
    """RssSampler that also keeps every sample: (seconds since start, {process: bytes})."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.series: list[tuple[float, dict[str, int]]] = []
        self._began = time.monotonic()

    def sample(self) -> None:
        super().sample()
        self.series.append((round(time.monotonic() - self._began, 1), dict(self.last)))


def memory_growth(series: Sequence[tuple[float, dict[str, int]]], fraction: float = 0.1) -> dict:
    """Per process: mean RSS (MB) of the first and the last `fraction` of the samples and the growth."""
    names = sorted({name for _, values in series for name in values})
    result = {}
    for name in names:
        values = [sample[name] for _, sample in series if name in sample]
        if not values:
            continue
        n = max(1, int(len(values) * fraction))
        first, last = sum(values[:n]) / n, sum(values[-n:]) / n
        result[name] = {
            "samples": len(values),
            "first_mb": round(first / MB, 1),
            "last_mb": round(last / MB, 1),
            "growth_mb": round((last - first) / MB, 1),
            "growth_pct": round(100 * (last - first) / first, 1) if first else None,
            "peak_mb": round(max(values) / MB, 1),
        }
    return result


def markdown(report: dict) -> str:
    load, lat = report["load"], report["load"]["latency"]
    lines = [
        "# Soak test",
        "",
        f"{report['meta']['time']}, {report['seconds']:g} s, {report['concurrency']} concurrent residents, "
        f"commit {report['meta']['commit'] or '?'}, load average {report['meta']['load_end']['loadavg']}.",
        "",
        "| | |",
        "| --- | --- |",
        f"| conversations | {load['conversations']} |",
        f"| messages | {load['messages']} |",
        f"| errors | {load['errors']} {load['error_kinds'] or ''} |",
        f"| throughput | {load['throughput_msg_s']} msg/s |",
        f"| latency p50 / p95 / max | {lat['p50_ms']} / {lat['p95_ms']} / {lat['max_ms']} ms |",
        "",
        "| process | RSS first 10 % | last 10 % | growth | peak |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, row in report["memory"].items():
        pct = "" if row["growth_pct"] is None else f" ({row['growth_pct']:+} %)"
        lines.append(
            f"| {name} | {row['first_mb']} MB | {row['last_mb']} MB | {row['growth_mb']:+} MB{pct} "
            f"| {row['peak_mb']} MB |"
        )
    return "\n".join(lines) + "\n"


def summary_line(report: dict) -> str:
    load, lat = report["load"], report["load"]["latency"]
    memory = ", ".join(
        f"{name} {row['first_mb']}→{row['last_mb']} MB ({row['growth_mb']:+} MB)"
        for name, row in report["memory"].items()
    )
    return (
        f"soak {report['seconds']:g} s: {load['conversations']} conversations, {load['messages']} messages, "
        f"{load['errors']} errors, p50 {lat['p50_ms']} ms, p95 {lat['p95_ms']} ms, "
        f"{load['throughput_msg_s']} msg/s; RSS {memory}"
    )


def _commit() -> Optional[str]:
    import subprocess

    try:
        return (
            subprocess.run(
                ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10
            ).stdout.strip()
            or None
        )
    except (OSError, subprocess.SubprocessError):
        return None


def soak(seconds: float, concurrency: int, out: Path, interval: float) -> dict:
    meta = {"time": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "commit": _commit(), "load_start": machine_load()}
    work = out / "assistant"  # its logs and SQLite files stay next to the report
    shutil.rmtree(work, ignore_errors=True)
    assistant = start_assistant(work)
    sampler = None
    try:
        pids = dict(zip(("action_server", "rasa_server"), (p.pid for p in assistant.processes)))
        # one short conversation first: the first answer loads lazily what the load should not measure
        asyncio.run(run_load(assistant.url, POLICY_QA_SCENARIOS, 1, conversations_per_worker=1, label="soak-warmup"))
        sampler = RssSeries(pids, interval=interval).start()
        result = asyncio.run(
            run_load(
                assistant.url,
                POLICY_QA_SCENARIOS,
                concurrency,
                duration=seconds,
                label="soak",
                degraded=degraded_texts(),
            )
        )
    finally:
        if sampler is not None:
            sampler.stop()
        assistant.stop()
    meta["load_end"] = machine_load()
    report = {
        "meta": meta,
        "seconds": seconds,
        "concurrency": concurrency,
        "scenarios": [s.name for s in POLICY_QA_SCENARIOS],
        "load": result.summary(),
        "memory": memory_growth(sampler.series),
        "rss_series_mb": [[t, {k: round(v / MB, 1) for k, v in values.items()}] for t, values in sampler.series],
    }
    out.mkdir(parents=True, exist_ok=True)
    (out / "soak.json").write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    (out / "soak.md").write_text(markdown(report), encoding="utf-8")
    return report


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--seconds",
        type=float,
        default=float(os.environ.get("SOAK_SECONDS", 1800)),
        help="load duration (default: SOAK_SECONDS or 1800)",
    )
    parser.add_argument("--concurrency", type=int, default=10, help="residents talking at the same time")
    parser.add_argument(
        "--interval", type=float, default=None, help="RSS sample interval (default: seconds/300, 0.5..5)"
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    interval = args.interval or min(5.0, max(0.5, args.seconds / 300))
    print(f"[soak] {args.seconds:.0f} s of mixed load, {args.concurrency} concurrent residents", flush=True)
    report = soak(args.seconds, args.concurrency, args.out, interval)
    print(summary_line(report))
    print(f"[soak] report: {args.out / 'soak.md'}, {args.out / 'soak.json'}")
    return 1 if report["load"]["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
