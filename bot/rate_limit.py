"""Per-sender rate limit for the resident channels: a token bucket per conversation, in memory.

RATE_LIMIT_PER_MINUTE (default 30; 0 turns it off) messages a minute on average, with bursts up to
RATE_LIMIT_BURST (default 20). Over the limit the resident gets a polite message and the message is not
processed. Counted per Rasa process: with several processes, sticky sessions keep a sender on one.
"""
from __future__ import annotations

import logging
import os
import time
from collections import OrderedDict
from typing import Any, Awaitable, Callable, Optional

logger = logging.getLogger(__name__)

TOO_FAST_TEXT = "您发送消息太快了，请稍等片刻再发。着急的话可以拨打12345政务服务便民热线。"
MAX_TRACKED_SENDERS = 100_000  # the oldest buckets are dropped so memory stays bounded


class RateLimiter:
    def __init__(self, per_minute: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = per_minute / 60.0
        self.burst = burst
        self._clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    @classmethod
    def from_env(cls) -> Optional["RateLimiter"]:
        per_minute = float(os.environ.get("RATE_LIMIT_PER_MINUTE", "30"))
        burst = int(os.environ.get("RATE_LIMIT_BURST", "20"))
        if per_minute <= 0:
            return None
        if burst < 1:
            raise ValueError("RATE_LIMIT_BURST must be at least 1")
        return cls(per_minute, burst)

    def allow(self, sender: str) -> bool:
        now = self._clock()
        tokens, last = self._buckets.pop(sender, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) * self.rate)
        allowed = tokens >= 1.0
        self._buckets[sender] = (tokens - 1.0 if allowed else tokens, now)
        while len(self._buckets) > MAX_TRACKED_SENDERS:
            self._buckets.popitem(last=False)
        return allowed


def rate_limited(on_new_message: Callable[[Any], Awaitable[Any]],
                 limiter: Optional[RateLimiter]) -> Callable[[Any], Awaitable[Any]]:
    """Wrap a channel's message handler: over the limit, answer politely instead of processing."""
    if limiter is None:
        return on_new_message

    async def handle(message: Any) -> Any:
        if limiter.allow(str(message.sender_id)):
            return await on_new_message(message)
        logger.warning("rate limit: a message from a sender on %s was refused", message.input_channel)
        await message.output_channel.send_text_message(message.sender_id, TOO_FAST_TEXT)
        return None

    return handle
