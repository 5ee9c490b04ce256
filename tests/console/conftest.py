import os
import subprocess
import sys
import time
import urllib.request

import pytest

from bot.testing import free_port
from policy_core.config import PROJECT_ROOT


@pytest.fixture
def console_server(tmp_path):
    """Start tests/console/console_server.py (no model) with its own accounts file and database; yields a
    function that starts it with extra environment and returns (url, log path)."""
    started = []

    def start(extra_env=None):
        port = free_port()
        log = tmp_path / f"console-{port}.log"
        env = {
            **os.environ,
            "PYTHONPATH": str(PROJECT_ROOT),
            "RASA_TELEMETRY_ENABLED": "false",
            "POLICY_DATA_DIR": str(tmp_path / "var"),
            "AGENT_ACCOUNTS_FILE": str(tmp_path / "agents.yml"),
            "HANDOFF_DB_URL": f"sqlite:///{tmp_path / 'var' / 'handoff.db'}",
            **(extra_env or {}),
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.console.console_server", str(port)],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=open(log, "wb"),
            stderr=subprocess.STDOUT,
        )
        started.append(process)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"{url}/console/login", timeout=2).read()
                return url, log
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    process.kill()
                    pytest.fail(f"console server did not start:\n{log.read_text(errors='replace')[-3000:]}")
                time.sleep(0.3)

    yield start
    for process in started:
        process.terminate()
        process.wait(timeout=20)
