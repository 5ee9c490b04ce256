"""Start the assistant (action server + Rasa server) on free local ports — used by tests and benchmarks."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from policy_core.config import PROJECT_ROOT

from .cors import cors_arguments
from .run import action_server_command

MODEL = PROJECT_ROOT / "models" / "policy-qa.tar.gz"
RASA = str(Path(sys.executable).with_name("rasa"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(url: str, seconds: float, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process for {url} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (OSError, urllib.error.URLError):
            time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer within {seconds:.0f} s")


@dataclass
class RunningAssistant:
    url: str
    token: str
    data_dir: Path
    log_dir: Path
    processes: list[subprocess.Popen] = field(default_factory=list)
    actions_url: str = ""  # the action server's base URL (started here or shared with another assistant)

    def post(self, path: str, payload: Any, timeout: float = 60) -> tuple[int, Any]:
        body = payload if isinstance(payload, (bytes, bytearray)) else json.dumps(payload).encode("utf-8")
        request = urllib.request.Request(f"{self.url}{path}", data=body, headers={"Content-Type": "application/json"})
        return self._send(request, timeout)

    def get(self, path: str, timeout: float = 30) -> tuple[int, Any]:
        return self._send(urllib.request.Request(f"{self.url}{path}"), timeout)

    @staticmethod
    def _send(request: urllib.request.Request, timeout: float) -> tuple[int, Any]:
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                raw = response.read()
                status = response.status
        except urllib.error.HTTPError as error:
            raw, status = error.read(), error.code
        try:
            return status, json.loads(raw or b"null")
        except ValueError:
            return status, raw.decode("utf-8", "replace")

    def say(self, sender: str, message: str) -> list[dict]:
        status, body = self.post("/webhooks/rest/webhook", {"sender": sender, "message": message})
        if status != 200:
            raise AssertionError(f"REST channel answered {status}: {body}")
        return body

    def tracker(self, sender: str) -> dict:
        status, body = self.get(f"/conversations/{sender}/tracker?token={self.token}")
        if status != 200:
            raise AssertionError(f"tracker API answered {status}")
        return body

    def is_paused(self, sender: str) -> bool:
        return bool(self.tracker(sender).get("paused"))

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def start_assistant(
    work_dir: Path,
    token: str = "test-token",
    extra_env: Optional[dict] = None,
    credentials: Path = PROJECT_ROOT / "credentials.yml",
    endpoints_extra: str = "",
    actions_url: Optional[str] = None,
) -> RunningAssistant:
    """Start both servers with their databases and logs in `work_dir`.

    `endpoints_extra` is appended to the generated endpoints.yml (e.g. a `lock_store:` block);
    with `actions_url` (another assistant's `actions_url`) only the Rasa server is started and it uses
    that action server: several Rasa servers behind one action server, as in production."""
    if not MODEL.exists():
        raise FileNotFoundError(f"{MODEL} not found: run `make train` first")
    data_dir, log_dir = work_dir / "var", work_dir / "logs"
    data_dir.mkdir(parents=True, exist_ok=True)
    log_dir.mkdir(parents=True, exist_ok=True)
    rasa_port = free_port()
    actions_port = None if actions_url else free_port()
    actions_url = actions_url or f"http://127.0.0.1:{actions_port}"
    endpoints = work_dir / "endpoints.yml"
    endpoints.write_text(
        f'action_endpoint:\n  url: "{actions_url}/webhook"\n'
        "tracker_store:\n  type: bot.tracker_store.EnvSQLTrackerStore\n" + endpoints_extra,
        encoding="utf-8",
    )
    # A developer's real Telegram settings never reach a test server: only extra_env can set them.
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
    # Every test resident comes from 127.0.0.1: the per-address limits (bot/rate_limit.py, the hand-off
    # ticket cap) would count a whole test suite as one flooding client. Tests of those limits set them.
    per_address_off = {"RATE_LIMIT_PER_ADDRESS_PER_MINUTE": "0", "HANDOFF_TICKETS_PER_CLIENT_PER_MINUTE": "0"}
    env = {
        **inherited,
        "PYTHONPATH": str(PROJECT_ROOT),
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "POLICY_DATA_DIR": str(data_dir),
        **per_address_off,
        **(extra_env or {}),
    }
    running = RunningAssistant(f"http://127.0.0.1:{rasa_port}", token, data_dir, log_dir, actions_url=actions_url)
    try:
        if actions_port is not None:
            actions = subprocess.Popen(
                action_server_command(actions_port, "127.0.0.1"),
                cwd=PROJECT_ROOT,
                env=env,
                stdout=open(log_dir / "actions.log", "wb"),
                stderr=subprocess.STDOUT,
            )
            running.processes.append(actions)
            _wait(f"{actions_url}/health", 90, actions)
        server = subprocess.Popen(
            [
                RASA,
                "run",
                "-m",
                str(MODEL),
                "--endpoints",
                str(endpoints),
                "--credentials",
                str(credentials),
                "--enable-api",
                f"--auth-token={token}",
                "--port",
                str(rasa_port),
                "--interface",
                "127.0.0.1",
                *cors_arguments(env),
            ],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=open(log_dir / "rasa.log", "wb"),
            stderr=subprocess.STDOUT,
        )
        running.processes.append(server)
        _wait(f"{running.url}/status?token={token}", 180, server)
    except Exception:
        running.stop()
        raise
    return running
