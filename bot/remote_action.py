"""Two changes to Rasa 3.6's RemoteAction (the call to the action server), installed when the Rasa server
loads the project's channels (bot/channels/__init__.py).

1. When the action server cannot be reached, the resident still gets a polite answer. Rasa logs a failed
   custom action and sends nothing, so the resident would wait in silence. A connection failure or 5xx
   becomes a message that the bot cannot look it up right now, with 12345 and the hand-off offered. The
   next message calls the action server again, so the bot answers normally as soon as it is back — no
   restart needed.
   A request that could not even be written — aiohttp reused a keep-alive connection the action server
   had just closed ("Cannot write to closing transport", seen under concurrent load) — never reached the
   action server, so it is sent once more on a fresh connection before anything fails.
2. The action server's response is validated against Rasa's JSON schema with a validator built once.
   Rasa calls jsonschema.validate(), which checks the schema itself against its meta-schema on every
   call: ~24 of the ~57 ms of a single-user message (bench/results/profile.md). Same checks, same errors.
3. With ACTION_SERVER_TOKEN set, every call carries it (`Authorization: Bearer …`), which the action
   server (bot/action_server.py) requires. A header, not Rasa's `?token=`: URLs end up in logs.
"""

from __future__ import annotations

import functools
import logging
import os
from typing import Any

from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.core.events import BotUttered, Event
from rasa.shared.exceptions import RasaException

from policy_core import wording

logger = logging.getLogger(__name__)

UNAVAILABLE_TEXT = wording.ACTIONS_UNAVAILABLE
# A new session must still start (it carries slots and the hand-off pause), so its failure stays an error.
NOT_WRAPPED = {"action_session_start"}

_original_run = RemoteAction.run


def _never_sent(error: BaseException) -> bool:
    """Did the request fail while being written (so the action server cannot have run the action)?"""
    seen: set[int] = set()
    cause: Any = error
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        text = str(cause)
        if "Cannot write to closing transport" in text or "Can not write request body" in text:
            return True
        cause = cause.__cause__ or cause.__context__
    return False


def _authorize(endpoint: Any) -> None:
    token = os.environ.get("ACTION_SERVER_TOKEN", "").strip()
    if token and endpoint is not None:
        endpoint.headers["Authorization"] = f"Bearer {token}"


async def _run_or_apologise(
    self: RemoteAction, output_channel: Any, nlg: Any, tracker: Any, domain: Any
) -> list[Event]:
    _authorize(self.action_endpoint)
    try:
        try:
            return await _original_run(self, output_channel, nlg, tracker, domain)
        except RasaException as first:
            if isinstance(first, ActionExecutionRejection) or not _never_sent(first):
                raise
            logger.warning("action server connection was closed before %s was sent: sending it again", self.name())
            return await _original_run(self, output_channel, nlg, tracker, domain)
    except ActionExecutionRejection:
        raise
    except RasaException as error:
        if self.name() in NOT_WRAPPED:
            raise
        logger.error("action server unavailable for %s (%s): told the resident to try later", self.name(), error)
        return [
            BotUttered(
                UNAVAILABLE_TEXT,
                data={"buttons": [{"title": wording.HUMAN_BUTTON[0], "payload": wording.HUMAN_BUTTON[1]}]},
                metadata={"action_server_unavailable": True},
            )
        ]


@functools.lru_cache(maxsize=1)
def _response_validator() -> Any:
    from jsonschema import validators

    spec = RemoteAction.action_response_format_spec()
    validator_class = validators.validator_for(spec)
    validator_class.check_schema(spec)  # once, instead of on every response
    return validator_class(spec)


def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    from jsonschema import exceptions

    error = exceptions.best_match(_response_validator().iter_errors(result))
    if error is not None:  # the same message Rasa gives
        error.message += (
            ". Failed to validate Action server response from API, make sure your response from "
            f"the Action endpoint is valid. For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise error
    return True


def install() -> None:
    RemoteAction.run = _run_or_apologise
    RemoteAction._validate_action_result = _validate_action_result
