"""Start the action server and the Rasa server together (make run / make shell).

The HTTP API is always token-protected: RASA_API_TOKEN, or a random token saved to var/api_token.
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
from .cors import cors_arguments

MODEL = PROJECT_ROOT / "models" / "policy-qa.tar.gz"
RASA = str(Path(sys.executable).with_name("rasa"))


def api_token() -> str:
    token = os.environ.get("RASA_API_TOKEN", "").strip()
    if token:
        return token
    path = DATA_DIR / "api_token"
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(32))
        path.chmod(0o600)
    return path.read_text().strip()


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
    actions = subprocess.Popen(
        [RASA, "run", "actions", "--actions", "actions", "--port", str(args.actions_port)],
        cwd=PROJECT_ROOT, env=env,
    )
    try:
        wait_until_up(f"http://127.0.0.1:{args.actions_port}/health", 60)
        common = ["-m", str(MODEL), "--endpoints", "endpoints.yml"]
        if args.shell:
            subprocess.run([RASA, "shell", *common], cwd=PROJECT_ROOT, env=env, check=False)
            return
        print(f"政策通: REST channel at http://localhost:{args.port}/webhooks/rest/webhook", flush=True)
        print(f"政策通: web chat at http://localhost:{args.port}/webchat/", flush=True)
        print(f"政策通: HTTP API token in RASA_API_TOKEN or {DATA_DIR / 'api_token'}", flush=True)
        print(f"政策通: agent console at http://localhost:{args.port}/console/ (accounts: make agent NAME=…)",
              flush=True)
        server = subprocess.Popen(
            [RASA, "run", *common, "--credentials", "credentials.yml", "--enable-api",
             "--auth-token", api_token(), "--port", str(args.port), "--interface", "127.0.0.1",
             *cors_arguments(env)],
            cwd=PROJECT_ROOT, env=env,
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
