"""The action server, started by bot/run.py instead of `rasa run actions`: rasa_sdk's app, bound to
loopback by default and, with a shared secret, refusing every caller but the Rasa server.

- ACTIONS_HOST (default 127.0.0.1): the interface to listen on. Set it (e.g. 0.0.0.0) only when the Rasa
  servers run on other machines — and then set ACTION_SERVER_TOKEN too.
- ACTION_SERVER_TOKEN: when set, every request except GET /health must carry it, as
  `Authorization: Bearer <token>` (what our Rasa servers send, bot/remote_action.py) or `?token=<token>`
  (Rasa's own `token:` in endpoints.yml); anything else gets 401 and runs no action.

The guard also hands the client tag of the resident's message (set by the channel, bot/client.py) to
the hand-off queue, which caps new tickets per client and minute (policy_core/handoff.py), and the
contact in the message (to be sealed for a call-back, policy_core/contact.py).
"""

from __future__ import annotations

import argparse
import hmac
import logging
import os
from typing import Any, Optional

from rasa_sdk import utils
from rasa_sdk.endpoint import create_app
from sanic import response
from sanic.request import Request

from bot.client import client_address, message_client
from policy_core.contact import REQUEST_CONTACT, find_raw_contact
from policy_core.handoff import REQUEST_CLIENT
from policy_core.logsafe import log_value

logger = logging.getLogger(__name__)
OPEN_PATHS = {"/health"}


def presented_token(request: Request) -> str:
    header = request.headers.get("authorization") or ""
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.args.get("token") or ""


def guard(app: Any, token: Optional[str]) -> Any:
    """Add the token check and the client hand-over to a rasa_sdk app."""

    @app.middleware("request")
    async def check(request: Request) -> Any:
        if request.path in OPEN_PATHS:
            return None
        if token and not hmac.compare_digest(presented_token(request).encode(), token.encode()):
            logger.warning(
                "action server: %s %s without a valid token refused (client %s)",
                request.method,
                log_value(request.path),
                log_value(client_address(request)),
            )
            return response.json({"error": "unauthorized"}, status=401)
        if request.path == "/webhook":
            body = request.json if isinstance(request.json, dict) else {}
            latest = (body.get("tracker") or {}).get("latest_message") or {}
            REQUEST_CLIENT.set(message_client(latest.get("metadata")))  # same task as the action: seen by it
            REQUEST_CONTACT.set(find_raw_contact(latest.get("text")))  # sealed if a ticket is opened
        return None

    return app


def main(argv: Optional[list[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--actions", default="actions")
    parser.add_argument("--host", default=os.environ.get("ACTIONS_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("ACTIONS_PORT", 5055)))
    args = parser.parse_args(argv)
    utils.configure_colored_logging("INFO")
    logging.getLogger("matplotlib").setLevel(logging.WARNING)
    token = os.environ.get("ACTION_SERVER_TOKEN", "").strip() or None
    app = guard(create_app(args.actions, cors_origins=None), token)
    if token is None and args.host not in ("127.0.0.1", "localhost", "::1"):
        logger.warning(
            "action server listens on %s without ACTION_SERVER_TOKEN: anyone who reaches it can "
            "run actions (open hand-off tickets, record ratings)",
            args.host,
        )
    logger.info(
        "action server on http://%s:%s (%s)",
        args.host,
        args.port,
        "token required" if token else "no token: loopback only",
    )
    app.run(args.host, args.port, workers=1, access_log=False)


if __name__ == "__main__":
    main()
