"""Start the action server and the Rasa server together (make run / make shell).

The HTTP API is always token-protected: RASA_API_TOKEN, or a random token saved to var/api_token.
The action server (bot/action_server.py) listens on ACTIONS_HOST (default 127.0.0.1) and, when
ACTION_SERVER_TOKEN is set, accepts only calls that carry it (the Rasa server sends it).
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from policy_core.config import DATA_DIR, PROJECT_ROOT
from policy_core.db import private_dir

from .cors import cors_arguments

MODEL = PROJECT_ROOT / "models" / "policy-qa.tar.gz"
RASA = str(Path(sys.executable).with_name("rasa"))


def api_token() -> str:
    token = os.environ.get("RASA_API_TOKEN", "").strip()
    if token:
        return token
    path = DATA_DIR / "api_token"
    if not path.exists():
        private_dir(DATA_DIR)
        # Created 0600 before the token is written: it is never readable by others, not even briefly.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(32))
    return path.read_text().strip()


def action_server_command(port: int, host: str = "") -> list[str]:
    """The one way this project starts an action server (also bot/testing.py)."""
    return [
        sys.executable,
        "-m",
        "bot.action_server",
        "--actions",
        "actions",
        "--port",
        str(port),
        "--host",
        host or os.environ.get("ACTIONS_HOST", "127.0.0.1"),
    ]


def wait_until_up(url: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"{url} did not answer within {seconds:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shell", action="store_true", help="chat in the terminal instead of serving REST")
    parser.add_argument("--port", type=int, default=int(os.environ.get("RASA_PORT", 5005)))
    parser.add_argument("--actions-port", type=int, default=int(os.environ.get("ACTIONS_PORT", 5055)))
    args = parser.parse_args()

    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "RASA_TELEMETRY_ENABLED": "false"}
    actions = subprocess.Popen(action_server_command(args.actions_port), cwd=PROJECT_ROOT, env=env)
    try:
        wait_until_up(f"http://127.0.0.1:{args.actions_port}/health", 60)
        common = ["-m", str(MODEL), "--endpoints", "endpoints.yml"]
        if args.shell:
            subprocess.run([RASA, "shell", *common], cwd=PROJECT_ROOT, env=env, check=False)
            return
        print(f"政策通: REST channel at http://localhost:{args.port}/webhooks/rest/webhook", flush=True)
        print(f"政策通: web chat at http://localhost:{args.port}/webchat/", flush=True)
        print(f"政策通: HTTP API token in RASA_API_TOKEN or {DATA_DIR / 'api_token'}", flush=True)
        print(
            f"政策通: agent console at http://localhost:{args.port}/console/ (accounts: make agent NAME=…)", flush=True
        )
        server = subprocess.Popen(
            [
                RASA,
                "run",
                *common,
                "--credentials",
                "credentials.yml",
                "--enable-api",
                f"--auth-token={api_token()}",
                "--port",
                str(args.port),
                "--interface",
                "127.0.0.1",
                *cors_arguments(env),
            ],
            cwd=PROJECT_ROOT,
            env=env,
        )
        signal.signal(signal.SIGTERM, lambda *_: server.terminate())
        server.wait()
    except KeyboardInterrupt:
        pass
    finally:
        actions.terminate()
        actions.wait(timeout=10)


if __name__ == "__main__":
    main()
