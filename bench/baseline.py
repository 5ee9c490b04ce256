"""Rasa's starter bot (`rasa init`, trained in a temporary folder) as the speed baseline, and a timed
training of a copy of this project (so the real model is never retrained in place)."""

from __future__ import annotations

import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.testing import MODEL, RASA, _wait, free_port

from .nlu import ROOT, rasa_env
from .resources import component_times, run_timed, size_bytes

TRAINING_INPUTS = ("config.yml", "domain.yml", "data")


@dataclass
class StarterBot:
    url: str
    process: subprocess.Popen

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


def train_starter_bot(work: Path) -> dict[str, Any]:
    """`rasa init --no-prompt` in `work/starter` (creates and trains the starter bot, offline)."""
    project = work / "starter"
    project.mkdir(parents=True, exist_ok=True)
    run = run_timed(
        [RASA, "init", "--no-prompt", "--init-dir", str(project)],
        work,
        rasa_env(work / "starter-cache"),
        work / "starter-init.log",
    )
    models = sorted((project / "models").glob("*.tar.gz"))
    if run.returncode != 0 or not models:
        raise RuntimeError(f"rasa init failed ({run.returncode}):\n{run.tail()}")
    return {
        "project": str(project),
        "model": str(models[-1]),
        "init_and_train_s": round(run.wall_s, 1),
        "model_size_mb": round(size_bytes(models[-1]) / 1e6, 2),
        "training_peak_rss_mb": run.peak_rss_mb,
        "components_s": component_times(run.lines),
    }


def start_starter_bot(project: Path, model: Path, log_dir: Path) -> StarterBot:
    """The starter bot on a free port with the REST channel only, as generated (in-memory tracker store,
    no action server)."""
    credentials = project / "bench-credentials.yml"
    credentials.write_text("rest:\n", encoding="utf-8")
    port = free_port()
    log_dir.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        [
            RASA,
            "run",
            "-m",
            str(model),
            "--credentials",
            str(credentials),
            "--endpoints",
            str(project / "endpoints.yml"),
            "--port",
            str(port),
            "--interface",
            "127.0.0.1",
        ],
        cwd=project,
        env=rasa_env(project / ".rasa" / "cache"),
        stdout=open(log_dir / "starter-rasa.log", "wb"),
        stderr=subprocess.STDOUT,
    )
    bot = StarterBot(f"http://127.0.0.1:{port}", process)
    try:
        _wait(f"{bot.url}/", 180, process)
    except Exception:
        bot.stop()
        raise
    return bot


def train_project_copy(work: Path) -> dict[str, Any]:
    """`rasa train` on a copy of config.yml, domain.yml and data/ in a temporary folder: wall time, time per
    component, model size, peak memory. The trained model in models/ is not touched."""
    project = work / "project-copy"
    if project.exists():
        shutil.rmtree(project)
    project.mkdir(parents=True)
    for name in TRAINING_INPUTS:
        source = ROOT / name
        (shutil.copytree if source.is_dir() else shutil.copyfile)(source, project / name)
    out = project / "models"
    run = run_timed(
        [RASA, "train", "--fixed-model-name", "policy-qa", "--out", str(out)],
        project,
        rasa_env(project / ".rasa" / "cache"),
        work / "training.log",
    )
    model = out / "policy-qa.tar.gz"
    if run.returncode != 0 or not model.exists():
        raise RuntimeError(f"rasa train failed ({run.returncode}):\n{run.tail()}")
    return {
        "wall_s": round(run.wall_s, 1),
        "components_s": component_times(run.lines),
        "peak_rss_mb": run.peak_rss_mb,
        "model_size_mb": round(size_bytes(model) / 1e6, 2),
        "deployed_model_size_mb": round(size_bytes(MODEL) / 1e6, 2),
    }


def first_answer_time(url: str, started: float, message: str, sender: str, timeout: float = 120) -> float:
    """Seconds from `started` (monotonic) until `message` gets a non-empty REST answer."""
    import httpx

    from .load import REST_PATH, is_answer

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            response = httpx.post(url + REST_PATH, json={"sender": sender, "message": message}, timeout=60)
            if response.status_code == 200 and is_answer(response.json()):
                return time.monotonic() - started
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(0.2)
    raise TimeoutError(f"no answer from {url} within {timeout} s")
