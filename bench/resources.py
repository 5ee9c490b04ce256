"""Resources: resident memory of server processes (psutil), machine load, timed subprocesses."""

from __future__ import annotations

import os
import re
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional, Sequence

import psutil


def tree_rss(pid: int) -> Optional[int]:
    """Resident set size in bytes of a process and all its children; None if it has gone."""
    try:
        process = psutil.Process(pid)
        processes = [process, *process.children(recursive=True)]
    except psutil.Error:
        return None
    total = 0
    for proc in processes:
        try:
            total += proc.memory_info().rss
        except psutil.Error:
            pass
    return total


@dataclass
class RssSampler:
    """Samples the RSS of named process trees every `interval` s in a background thread; keeps the peak
    per process and per phase (the orchestrator sets `phase`). `discover`, if given, is called before
    each sample and returns more {name: pid} (processes that are still starting)."""

    pids: dict[str, int]
    interval: float = 0.5
    discover: Optional[Callable[[], dict[str, int]]] = None
    phase: str = "start"
    peaks: dict[str, int] = field(default_factory=dict)
    phase_peaks: dict[str, dict[str, int]] = field(default_factory=dict)
    last: dict[str, int] = field(default_factory=dict)
    samples: int = 0

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def sample(self) -> None:
        if self.discover is not None:
            try:
                self.pids.update(self.discover())
            except psutil.Error:
                pass
        for name, pid in list(self.pids.items()):
            rss = tree_rss(pid)
            if rss is None:
                continue
            self.last[name] = rss
            self.peaks[name] = max(self.peaks.get(name, 0), rss)
            per_phase = self.phase_peaks.setdefault(self.phase, {})
            per_phase[name] = max(per_phase.get(name, 0), rss)
        self.samples += 1

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def start(self) -> RssSampler:
        self.sample()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def summary(self) -> dict:
        mb = 1_000_000  # MB and GB are decimal (SI) throughout the benchmark
        return {
            "interval_s": self.interval,
            "samples": self.samples,
            "peak_mb": {name: round(value / mb, 1) for name, value in self.peaks.items()},
            "peak_mb_by_phase": {
                phase: {name: round(value / mb, 1) for name, value in peaks.items()}
                for phase, peaks in self.phase_peaks.items()
            },
        }


def children_matching(patterns: dict[str, Callable[[list[str]], bool]]) -> dict[str, int]:
    """{name: pid} of this process's children whose command line matches the named predicate."""
    found: dict[str, int] = {}
    for child in psutil.Process().children():
        try:
            cmdline = child.cmdline()
        except psutil.Error:
            continue
        for name, matches in patterns.items():
            if name not in found and matches(cmdline):
                found[name] = child.pid
    return found


def machine_load() -> dict:
    """`uptime` output and the load averages (1, 5, 15 min) with the number of CPUs."""
    try:
        uptime = subprocess.run(["uptime"], capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        uptime = ""
    one, five, fifteen = os.getloadavg()
    return {
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "uptime": uptime,
        "loadavg": [round(one, 2), round(five, 2), round(fifteen, 2)],
        "cpus": os.cpu_count(),
    }


def size_bytes(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


@dataclass
class TimedRun:
    command: list[str]
    returncode: int
    wall_s: float
    peak_rss_mb: Optional[float]
    lines: list[tuple[float, str]]  # (seconds since start, output line)

    def tail(self, n: int = 40) -> str:
        return "\n".join(line for _, line in self.lines[-n:])


def run_timed(command: Sequence[str], cwd: Path, env: dict, log_file: Path, timeout: float = 7200) -> TimedRun:
    """Run a command, time it, sample its memory, and timestamp each output line (written to log_file)."""
    lines: list[tuple[float, str]] = []
    start = time.monotonic()
    process = subprocess.Popen(
        list(command),
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        bufsize=1,
    )
    sampler = RssSampler({"process": process.pid}, interval=1.0).start()
    log_file.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(log_file, "w", encoding="utf-8") as log:
            assert process.stdout is not None
            for line in process.stdout:
                elapsed = time.monotonic() - start
                lines.append((elapsed, line.rstrip("\n")))
                log.write(f"[{elapsed:8.1f}s] {line}")
                if elapsed > timeout:
                    process.kill()
            returncode = process.wait(timeout=60)
    finally:
        sampler.stop()
        if process.poll() is None:
            process.kill()
    wall = time.monotonic() - start
    peak = sampler.summary()["peak_mb"].get("process")
    return TimedRun(list(command), returncode, wall, peak, lines)


_START = re.compile(r"Starting to train component '([^']+)'")
_END = re.compile(r"Finished training component '([^']+)'")


def component_times(lines: Sequence[tuple[float, str]]) -> dict[str, float]:
    """Seconds per trained component from Rasa's 'Starting/Finished training component' log lines."""
    started: dict[str, float] = {}
    times: dict[str, float] = {}
    for elapsed, line in lines:
        if match := _START.search(line):
            started[match.group(1)] = elapsed
        elif (match := _END.search(line)) and match.group(1) in started:
            name = match.group(1)
            times[name] = round(times.get(name, 0.0) + elapsed - started.pop(name), 1)
    return times
