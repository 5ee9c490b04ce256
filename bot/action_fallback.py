"""When the action server cannot be reached, the resident still gets a polite answer.

Rasa 3.6 logs a failed custom action and sends nothing, so the resident would wait in silence. This
wraps RemoteAction.run: a connection failure or 5xx becomes a message that the bot cannot look it up right
now, with 12345 and the hand-off offered. The next message calls the action server again, so the bot
answers normally as soon as it is back — no restart needed. Installed when the Rasa server loads the
project's channels (bot/channels/__init__.py).
"""
from __future__ import annotations

import logging
from typing import Any

from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.shared.core.events import BotUttered, Event
from rasa.shared.exceptions import RasaException

logger = logging.getLogger(__name__)

UNAVAILABLE_TEXT = ("抱歉，系统暂时无法查询政策资料，请稍后再试。"
                    "着急的话请拨打12345政务服务便民热线；稍后也可以回复“转人工”联系工作人员。")
# A new session must still start (it carries slots and the hand-off pause), so its failure stays an error.
NOT_WRAPPED = {"action_session_start"}

_original_run = RemoteAction.run


async def _run_or_apologise(self: RemoteAction, output_channel: Any, nlg: Any, tracker: Any,
                            domain: Any) -> list[Event]:
    try:
        return await _original_run(self, output_channel, nlg, tracker, domain)
    except ActionExecutionRejection:
        raise
    except RasaException as error:
        if self.name() in NOT_WRAPPED:
            raise
        logger.error("action server unavailable for %s (%s): told the resident to try later",
                     self.name(), error)
        return [BotUttered(UNAVAILABLE_TEXT, data={"buttons": [{"title": "转人工", "payload": "/request_human"}]},
                           metadata={"action_server_unavailable": True})]


def install() -> None:
    if RemoteAction.run is not _run_or_apologise:
        RemoteAction.run = _run_or_apologise
