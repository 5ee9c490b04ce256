"""Rate limits for the resident channels: a token bucket per conversation and one per client address,
in memory.

Per sender: RATE_LIMIT_PER_MINUTE (default 30; 0 turns it off) messages a minute on average, with bursts
up to RATE_LIMIT_BURST (default 20). Per client address (so that new sender ids do not escape the limit):
RATE_LIMIT_PER_ADDRESS_PER_MINUTE (default 600; 0 = off) with bursts up to RATE_LIMIT_ADDRESS_BURST
(default 200) — generous, since many residents may share one address (a mobile carrier's NAT).
Over a limit the resident gets a polite message and the message is not processed. Counted per Rasa
process: with several processes, sticky sessions keep a sender on one.
"""

from __future__ import annotations

import logging
import os
import time
from collections import OrderedDict
from typing import Any, Awaitable, Callable, Optional

from bot.client import message_client
from policy_core import wording
from policy_core.logsafe import log_value

logger = logging.getLogger(__name__)

TOO_FAST_TEXT = wording.RATE_LIMITED
MAX_TRACKED_SENDERS = 100_000  # the oldest buckets are dropped so memory stays bounded


class RateLimiter:
    def __init__(self, per_minute: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = per_minute / 60.0
        self.burst = burst
        self._clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    @classmethod
    def from_env(
        cls,
        rate: str = "RATE_LIMIT_PER_MINUTE",
        burst_name: str = "RATE_LIMIT_BURST",
        defaults: tuple[str, str] = ("30", "20"),
    ) -> Optional[RateLimiter]:
        per_minute = float(os.environ.get(rate, defaults[0]))
        burst = int(os.environ.get(burst_name, defaults[1]))
        if per_minute <= 0:
            return None
        if burst < 1:
            raise ValueError(f"{burst_name} must be at least 1")
        return cls(per_minute, burst)

    @classmethod
    def per_address_from_env(cls) -> Optional[RateLimiter]:
        return cls.from_env("RATE_LIMIT_PER_ADDRESS_PER_MINUTE", "RATE_LIMIT_ADDRESS_BURST", ("600", "200"))

    def allow(self, sender: str) -> bool:
        now = self._clock()
        tokens, last = self._buckets.pop(sender, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) * self.rate)
        allowed = tokens >= 1.0
        self._buckets[sender] = (tokens - 1.0 if allowed else tokens, now)
        while len(self._buckets) > MAX_TRACKED_SENDERS:
            self._buckets.popitem(last=False)
        return allowed


def rate_limited(
    on_new_message: Callable[[Any], Awaitable[Any]],
    limiter: Optional[RateLimiter],
    address_limiter: Optional[RateLimiter] = None,
) -> Callable[[Any], Awaitable[Any]]:
    """Wrap a channel's message handler: over a limit, answer politely instead of processing.

    The address limit applies to messages whose metadata carries the channel's client tag (bot/client.py)."""
    if limiter is None and address_limiter is None:
        return on_new_message

    async def handle(message: Any) -> Any:
        client = message_client(getattr(message, "metadata", None))
        by_address = address_limiter is None or client is None or address_limiter.allow(client)
        # An address over its limit does not also use up the sender's budget.
        if by_address and (limiter is None or limiter.allow(str(message.sender_id))):
            return await on_new_message(message)
        logger.warning(
            "rate limit: a message from a %s on %s was refused",
            "sender" if by_address else "client address",
            log_value(message.input_channel),
        )
        await message.output_channel.send_text_message(message.sender_id, TOO_FAST_TEXT)
        return None

    return handle
