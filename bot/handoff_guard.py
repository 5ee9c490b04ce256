"""A conversation held by the human desk survives "/restart" (issue 14, finding 8).

Rasa handles `/restart` (and `/session_start`) even in a paused conversation: it wipes the slots,
un-pauses the bot and answered with nine identical fallback messages until its circuit breaker tripped.
While the conversation has an open hand-off ticket, such a command is answered once, politely, and never
reaches Rasa: the conversation stays paused and the ticket keeps its place in the queue.
"""

from __future__ import annotations

import asyncio
import logging
from functools import cached_property
from typing import Any, Awaitable, Callable

from policy_core import wording
from policy_core.handoff import HandoffQueue
from policy_core.logsafe import log_value

logger = logging.getLogger(__name__)

RESET_COMMANDS = ("/restart", "/session_start")
STILL_WITH_AGENT_TEXT = wording.STILL_WITH_AGENT


def is_reset_command(text: Any) -> bool:
    command = (text or "").strip().split("{", 1)[0].strip().lower() if isinstance(text, str) else ""
    return command in RESET_COMMANDS


class HandoffGuard:
    @cached_property
    def queue(self) -> HandoffQueue:
        return HandoffQueue()

    async def held_by_desk(self, conversation_id: str) -> bool:
        try:
            return await asyncio.to_thread(self.queue.open_ticket_for, conversation_id) is not None
        except Exception as error:  # the database is down: let Rasa handle the command as usual
            logger.warning("hand-off state of %s unknown: %s", log_value(conversation_id), type(error).__name__)
            return False

    def wrap(self, on_new_message: Callable[[Any], Awaitable[Any]]) -> Callable[[Any], Awaitable[Any]]:
        async def handle(message: Any) -> Any:
            if is_reset_command(message.text) and await self.held_by_desk(str(message.sender_id)):
                await message.output_channel.send_text_message(message.sender_id, STILL_WITH_AGENT_TEXT)
                return None
            return await on_new_message(message)

        return handle


def guarded(on_new_message: Callable[[Any], Awaitable[Any]]) -> Callable[[Any], Awaitable[Any]]:
    return HandoffGuard().wrap(on_new_message)
