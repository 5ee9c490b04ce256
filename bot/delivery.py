"""Guaranteed delivery of agents' replies (issue 14), of the system messages about a ticket (re-queued,
transferred) and of the rating question after an agent closed it: a reply is kept in the hand-off database
(policy_core/handoff.py, table handoff_replies) until the resident's side has it.

- Web chat: pushed with its reply id to the session's open sockets (state `sent`); the page confirms it
  (`delivered`). A page that was closed or suspended gets every unconfirmed reply again when it
  reconnects; it drops the ones it already shows (bot/channels/socketio.py, web/chat.js).
- Telegram: `delivered` once the Bot API accepted it.
- REST (no push): `waiting`, and sent at the top of the answer to the resident's next message.
The console shows each reply's state: 等待居民上线 / 已发送 / 已送达.
"""

from __future__ import annotations

import asyncio
import logging
from functools import cached_property
from typing import Any, Awaitable, Callable, Optional

from policy_core.handoff import HandoffQueue, PendingReply, QueueStatus, ReplyState
from policy_core.logsafe import log_value

logger = logging.getLogger(__name__)

__all__ = ["ReplyOutbox", "ReplyState", "deliver_waiting_replies"]


class ReplyOutbox:
    """The channels' view of the replies table; a database failure never breaks a resident's message."""

    @cached_property
    def queue(self) -> HandoffQueue:
        return HandoffQueue()

    async def undelivered(self, conversation_id: str) -> list[PendingReply]:
        try:
            return await asyncio.to_thread(self.queue.undelivered_replies, conversation_id)
        except Exception as error:
            logger.warning("agents' replies for %s not read: %s", log_value(conversation_id), type(error).__name__)
            return []

    async def queue_status(self, conversation_id: str) -> Optional[QueueStatus]:
        try:
            return await asyncio.to_thread(self.queue.queue_status, conversation_id)
        except Exception as error:
            logger.warning("queue status of %s not read: %s", log_value(conversation_id), type(error).__name__)
            return None

    async def mark(self, reply_id: int, state: ReplyState, conversation_id: str) -> None:
        try:
            await asyncio.to_thread(self.queue.mark_reply, reply_id, state, conversation_id)
        except Exception as error:
            logger.warning("agent's reply %s not marked %s: %s", reply_id, state.value, type(error).__name__)


def deliver_waiting_replies(
    on_new_message: Callable[[Any], Awaitable[Any]], outbox: ReplyOutbox
) -> Callable[[Any], Awaitable[Any]]:
    """For channels without push (REST): the resident's next message brings the replies waiting for them."""

    async def handle(message: Any) -> Any:
        for reply in await outbox.undelivered(str(message.sender_id)):
            if reply.buttons:  # the rating question after closing
                await message.output_channel.send_text_with_buttons(
                    message.sender_id, reply.text, [dict(b) for b in reply.buttons]
                )
            else:
                await message.output_channel.send_text_message(message.sender_id, reply.text)
            await outbox.mark(reply.id, ReplyState.DELIVERED, str(message.sender_id))
        return await on_new_message(message)

    return handle
