"""`make bench` / `python -m bench [--smoke]`: run the benchmark and write results, summary and plots.

Full run (into bench/results/, then the README's bench region is updated):
  1. our assistant (bot.testing.start_assistant): start-up time until the first answer; the end-to-end
     conversations of tests/e2e/conversations.yml (bot.evaluation); REST load at 1, 10, 20 and 50
     concurrent conversations; a profile of one message; peak RSS of both servers throughout;
  2. Rasa's starter bot (`rasa init`, trained in a temporary folder): the same load;
  3. `rasa train` of a copy of the project in a temporary folder: training time, model size;
  4. NLU: held-out sets tests/nlu/*.yml against the trained model; 5-fold cross-validation on data/.
Smoke run (--smoke, for CI): start-up, 5 conversations, 1 and 2 concurrent conversations of 3 messages,
the HTTP profile; no baseline, no training, no NLU evaluation, README untouched.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any, Callable, Optional

import psutil

from bot.evaluation import load_cases, run_case, summarize
from bot.testing import MODEL, start_assistant

from . import baseline as starter
from . import nlu, report
from .load import POLICY_QA_SCENARIOS, STARTER_BOT_SCENARIOS, degraded_texts, run_levels, run_load
from .profile import http_breakdown, inprocess_breakdown, profile_markdown
from .resources import RssSampler, children_matching, machine_load, size_bytes
from .stats import ratio

ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = ROOT / "bench" / "results"
README = ROOT / "README.md"
FULL_LEVELS = (1, 10, 20, 50)


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def _git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def _server_finder(model: str) -> Callable[[], dict[str, int]]:
    """Finds the Rasa server (running `model`) and the action server among our child processes."""
    found: dict[str, int] = {}

    def discover() -> dict[str, int]:
        if len(found) < 2:
            found.update(
                children_matching(
                    {
                        "rasa_server": lambda c: "run" in c and model in c,
                        "action_server": lambda c: "bot.action_server" in c,
                    }
                )
            )
        return dict(found)

    return discover


class Bench:
    def __init__(self, args: argparse.Namespace, out: Path, work: Path) -> None:
        self.args, self.out, self.work = args, out, work
        self.smoke: bool = args.smoke
        import rasa

        self.results: dict[str, Any] = {
            "meta": {
                "mode": "smoke" if self.smoke else "full",
                "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "load_start": machine_load(),
                "cpus": psutil.cpu_count(),
                "memory_gb": round(psutil.virtual_memory().total / 1e9, 1),
                "python": platform.python_version(),
                "rasa": rasa.__version__,
                "git_commit": _git("rev-parse", "--short", "HEAD"),
                "git_dirty": bool(
                    _git("status", "--porcelain", "--", "config.yml", "domain.yml", "data", "actions", "knowledge")
                ),
                "model": str(MODEL.relative_to(ROOT)),
                "phases": {},
                "notes": [
                    "Load: each simulated resident waits for an answer before the next message; throughput = "
                    "answered messages / wall time; errors = non-200, exception, timeout, empty reply, or the "
                    "project's polite stand-in replies (action server unreachable, sender rate limited).",
                    "Baseline = Rasa's starter bot as `rasa init` generates it (English conversations of the same "
                    "length, REST channel, in-memory tracker store, no action server); ours uses SQLite for the "
                    "tracker store and calls the action server.",
                    "The load generator runs on the same 2-CPU machine as the servers.",
                    "MB and GB are decimal (10^6, 10^9 bytes).",
                ],
            },
            "nlu": {},
            "conversations": {},
            "speed": {},
            "resources": {"deployed_model_size_mb": round(size_bytes(MODEL) / 1e6, 2)},
            "errors": {},
        }
        self.profile: Optional[dict] = None

    # ------------------------------------------------------------ phases

    def phase(self, name: str, function: Callable[[], None]) -> None:
        log(f"phase {name} (load average {machine_load()['loadavg']})")
        began = time.monotonic()
        record = {"load_start": machine_load()["loadavg"]}
        self.results["meta"]["phases"][name] = record
        try:
            function()
        except Exception as error:  # one failed phase does not lose the others' results
            self.results["errors"][name] = f"{type(error).__name__}: {error}"
            log(f"phase {name} FAILED: {error}")
            traceback.print_exc()
        record["wall_s"] = round(time.monotonic() - began, 1)

    def ours(self) -> None:
        args = self.args
        sampler = RssSampler({}, interval=0.5, discover=_server_finder(str(MODEL))).start()
        sampler.phase = "startup"
        began = time.monotonic()
        assistant = start_assistant(self.work / "assistant")
        try:
            self.results["resources"]["startup_s"] = round(
                starter.first_answer_time(assistant.url, began, "你好", "bench-startup"), 1
            )
            log(f"start-up until the first answer: {self.results['resources']['startup_s']} s")

            sampler.phase = "conversations"
            cases = load_cases()
            if args.e2e_cases is not None:
                cases = cases[: args.e2e_cases]
            e2e_began = time.monotonic()
            summary = summarize([run_case(assistant, case) for case in cases])
            summary["wall_s"] = round(time.monotonic() - e2e_began, 1)
            summary["multi_turn_cases"] = sum(len(c["turns"]) > 1 for c in cases)
            self.results["conversations"] = summary
            log(
                f"conversations: {summary['passed']}/{summary['cases']} passed, "
                f"{summary['wrong_facts']} wrong facts, hand-off rate {summary['handoff_rate']:.1%}"
            )

            self.results["speed"]["ours"] = self._load(
                assistant.url, POLICY_QA_SCENARIOS, "ours", sampler, degraded=degraded_texts()
            )

            sampler.phase = "profile"
            self.profile = {"http": http_breakdown(assistant, args.profile_reps)}
            if not self.smoke:
                self.profile["in_process"] = inprocess_breakdown(assistant, args.profile_reps, self.work / "profile")
            self.profile["meta"] = machine_load()
        finally:
            assistant.stop()
            sampler.stop()
            self.results["resources"]["rss"] = sampler.summary()

    def _load(self, url: str, scenarios, label: str, sampler: RssSampler, degraded=()) -> dict:
        args = self.args
        sampler.phase = "load_warmup"
        asyncio.run(run_load(url, scenarios, 1, conversations_per_worker=1, label=f"{label}-warmup"))
        kwargs: dict[str, Any] = (
            {"conversations_per_worker": 1, "max_turns": args.max_turns} if self.smoke else {"duration": args.duration}
        )
        recorded = dict(kwargs)
        kwargs["degraded"] = degraded

        def on_level(concurrency: int) -> None:
            sampler.phase = f"load_c{concurrency}"
            log(f"{label}: {concurrency} concurrent conversations")

        levels = run_levels(url, scenarios, args.levels, label, on_level=on_level, **kwargs)
        for row in levels:
            log(
                f"{label} c={row['concurrency']}: {row['throughput_msg_s']} msg/s, p50 {row['latency']['p50_ms']} ms, "
                f"p95 {row['latency']['p95_ms']} ms, {row['errors']} errors of {row['messages']}"
            )
        single = next((row for row in levels if row["concurrency"] == 1), None)
        return {
            "scenarios": [s.name for s in scenarios],
            "load": recorded,
            "levels": levels,
            "single_user": single["latency"] if single else None,
            "single_user_by_kind": single["latency_by_kind"] if single else None,
        }

    def baseline(self) -> None:
        log("training Rasa's starter bot (rasa init) in a temporary folder")
        info = starter.train_starter_bot(self.work)
        self.results["resources"]["baseline_training"] = info
        sampler = RssSampler(
            {},
            interval=0.5,
            discover=lambda: children_matching({"rasa_server": lambda c: "run" in c and info["model"] in c}),
        ).start()
        sampler.phase = "startup"
        began = time.monotonic()
        bot = starter.start_starter_bot(Path(info["project"]), Path(info["model"]), self.work / "starter-logs")
        try:
            self.results["resources"]["baseline_startup_s"] = round(
                starter.first_answer_time(bot.url, began, "hello", "bench-startup"), 1
            )
            self.results["speed"]["baseline"] = self._load(bot.url, STARTER_BOT_SCENARIOS, "baseline", sampler)
        finally:
            bot.stop()
            sampler.stop()
            self.results["resources"]["baseline_rss"] = sampler.summary()

    def training(self) -> None:
        log("training a copy of the project in a temporary folder (models/ is not touched)")
        self.results["resources"]["training"] = starter.train_project_copy(self.work)
        log(f"training: {self.results['resources']['training']['wall_s']} s")

    def heldout(self) -> None:
        limit = self.args.heldout_limit
        self.results["nlu"]["heldout"] = nlu.heldout(self.work / "nlu", self.out, limit)
        intent = self.results["nlu"]["heldout"]["intent"]
        log(f"held-out NLU: accuracy {intent['accuracy']}, macro-F1 {intent['macro_f1']}")

    def question_sets(self) -> None:
        """The independent held-out question sets through NLU and the policy core (bot/answer_eval.py)."""
        from bot.answer_eval import EVAL_DIR, Parser, gate_figures, run_set, summary
        from policy_core import PolicyService

        service, parser = PolicyService.load(), Parser()
        # A held-out round may lack a set (an author who did not finish); the report shows it as not measured.
        names = [n for n in ("out_of_knowledge", "colloquial", "law") if (EVAL_DIR / "heldout" / f"{n}.yml").exists()]
        found = {name: run_set(service, parser, "heldout", name) for name in names}
        figures = {
            name: {k: v for k, v in summary(verdicts).items() if k != "failures"} for name, verdicts in found.items()
        }
        figures["gate"] = gate_figures(found.get("out_of_knowledge", []), found.get("colloquial", []))
        figures["thresholds"] = {
            k: v for k, v in vars(service.gate.settings).items() if k not in ("uncovered_aspects", "question_kinds")
        }
        self.results["question_sets"] = figures
        log(
            "question sets: "
            + ", ".join(f"{name} {figures[name]['pass_rate']:.1%}" for name in names)
            + f", gate {figures['gate']}"
        )

    def cross_validation(self) -> None:
        self.results["nlu"]["cross_validation"] = nlu.cross_validation(self.work / "nlu", self.out, self.args.folds)
        intent = self.results["nlu"]["cross_validation"]["intent"]
        log(f"cross-validation: accuracy {intent['accuracy']}, macro-F1 {intent['macro_f1']}")

    # ------------------------------------------------------------ results

    def ratios(self) -> dict:
        speed, res = self.results["speed"], self.results["resources"]
        ours, base = speed.get("ours") or {}, speed.get("baseline") or {}
        ratios: dict[str, Any] = {}
        if ours and base:
            ratios["single_user_p50"] = ratio(
                report.dig(ours, "single_user", "p50_ms"), report.dig(base, "single_user", "p50_ms")
            )
            for row in ours.get("levels") or []:
                c, other = row["concurrency"], report.level(base, row["concurrency"])
                if other:
                    ratios[f"throughput_c{c}"] = ratio(row["throughput_msg_s"], other["throughput_msg_s"])
                    ratios[f"p95_c{c}"] = ratio(row["latency"]["p95_ms"], other["latency"]["p95_ms"])
        ratios["startup_s"] = ratio(res.get("startup_s"), res.get("baseline_startup_s"))
        ratios["training_s"] = ratio(
            report.dig(res, "training", "wall_s"), report.dig(res, "baseline_training", "init_and_train_s")
        )
        ratios["model_size"] = ratio(
            report.dig(res, "training", "model_size_mb"), report.dig(res, "baseline_training", "model_size_mb")
        )
        ratios["rasa_server_rss"] = ratio(
            report.dig(res, "rss", "peak_mb", "rasa_server"), report.dig(res, "baseline_rss", "peak_mb", "rasa_server")
        )
        return {key: value for key, value in ratios.items() if value is not None}

    def write(self) -> None:
        results = self.results
        results["speed"]["ratios"] = self.ratios()
        results["meta"]["load_end"] = machine_load()
        results["meta"]["finished"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        plots = report.plot_speed(results["speed"], self.out) + report.plot_per_intent_f1(results["nlu"], self.out)
        if (self.out / "confusion_matrix.png").exists() and "heldout" in results["nlu"]:
            plots.append("confusion_matrix.png")
        results["plots"] = plots
        results["targets"] = report.evaluate_targets(results)
        if self.profile:
            (self.out / "profile.md").write_text(
                profile_markdown(self.profile, self.profile.get("meta")), encoding="utf-8"
            )
            results["profile"] = {k: v for k, v in self.profile.items() if k != "meta"}
        (self.out / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
        summary = report.summary_markdown(results)
        (self.out / "summary.md").write_text("# Benchmark summary\n\n" + summary, encoding="utf-8")
        log("targets (goals, not gates):")
        for target in results["targets"]:
            state = {True: "MET", False: "NOT MET", None: "not measured"}[target["met"]]
            print(f"  {target['target']:<45} {target['goal']:<22} {target['value']:<40} {state}", flush=True)
        if not self.smoke and not self.args.no_readme:
            prefix = (
                self.out.resolve().relative_to(ROOT).as_posix() + "/" if self.out.resolve().is_relative_to(ROOT) else ""
            )
            report.update_readme(README, report.summary_markdown(results, plot_prefix=prefix))
            log("README.md: bench region updated")


def parse_args(argv: Optional[list[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="short CI version (see module doc)")
    parser.add_argument(
        "--out", type=Path, help="output folder (default bench/results, smoke: bench/results/tmp/smoke)"
    )
    parser.add_argument(
        "--levels",
        type=lambda s: [int(x) for x in s.split(",")],
        help="concurrency levels (default 1,10,20,50; smoke 1,2)",
    )
    parser.add_argument("--duration", type=float, default=30.0, help="seconds per load level (full run)")
    parser.add_argument("--max-turns", type=int, default=3, help="messages per conversation (smoke run)")
    parser.add_argument("--e2e-cases", type=int, help="only the first N conversation cases (smoke: 5)")
    parser.add_argument(
        "--heldout-limit", type=int, help="held-out NLU on N examples only (smoke: skipped unless given)"
    )
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--profile-reps", type=int, help="repetitions per profiled message (default 20, smoke 2)")
    for phase in ("baseline", "training", "cv", "nlu"):
        parser.add_argument(f"--skip-{phase}", action="store_true")
    parser.add_argument("--no-readme", action="store_true", help="do not update README.md (full run)")
    parser.add_argument("--keep-work", action="store_true", help="keep the temporary folder (logs, models)")
    args = parser.parse_args(argv)
    if args.smoke:
        args.levels = args.levels or [1, 2]
        args.e2e_cases = 5 if args.e2e_cases is None else args.e2e_cases
        args.profile_reps = args.profile_reps or 2
        args.skip_baseline = args.skip_training = args.skip_cv = True
        args.skip_nlu = args.skip_nlu or args.heldout_limit is None
    args.levels = args.levels or list(FULL_LEVELS)
    args.profile_reps = args.profile_reps or 20
    args.out = args.out or (RESULTS_DIR / "tmp" / "smoke" if args.smoke else RESULTS_DIR)
    return args


def main(argv: Optional[list[str]] = None) -> int:
    args = parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="policy-bench-"))
    bench = Bench(args, args.out, work)
    log(
        f"{bench.results['meta']['mode']} run into {args.out} (work folder {work}); "
        f"{bench.results['meta']['load_start']['uptime']}"
    )
    bench.phase("ours", bench.ours)
    if not args.skip_baseline:
        bench.phase("baseline", bench.baseline)
    if not args.skip_training:
        bench.phase("training", bench.training)
    if not args.skip_nlu:
        bench.phase("nlu_heldout", bench.heldout)
        bench.phase("question_sets", bench.question_sets)
    if not args.skip_cv and not args.skip_nlu:
        bench.phase("nlu_cross_validation", bench.cross_validation)
    if not args.smoke:  # the human desk under load (issue 14): bench/results/desk.json and desk.md
        from . import desk

        bench.phase("desk", lambda: desk.main(["--out", str(args.out)]))
    bench.results["meta"]["work_dir"] = str(work)
    bench.write()
    errors = bench.results["errors"]
    if errors or args.keep_work:
        log(f"work folder kept: {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    log(f"done: {args.out / 'results.json'}" + (f"; FAILED phases: {', '.join(errors)}" if errors else ""))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
