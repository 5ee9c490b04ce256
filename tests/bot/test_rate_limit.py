import asyncio

import pytest

from bot.rate_limit import TOO_FAST_TEXT, RateLimiter, rate_limited


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_burst_then_steady_rate_per_sender():
    clock = Clock()
    limiter = RateLimiter(per_minute=30, burst=3, clock=clock)
    assert [limiter.allow("a") for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("b")  # other senders are not affected
    clock.now += 2.0  # 30 a minute = one every 2 s
    assert limiter.allow("a") and not limiter.allow("a")


def test_off_and_bad_settings(monkeypatch):
    monkeypatch.setenv("RATE_LIMIT_PER_MINUTE", "0")
    assert RateLimiter.from_env() is None
    monkeypatch.setenv("RATE_LIMIT_PER_MINUTE", "30")
    monkeypatch.setenv("RATE_LIMIT_BURST", "0")
    with pytest.raises(ValueError, match="RATE_LIMIT_BURST"):
        RateLimiter.from_env()


class Output:
    def __init__(self):
        self.sent = []

    async def send_text_message(self, recipient, text, **kwargs):
        self.sent.append((recipient, text))


class Message:
    def __init__(self, sender, output):
        self.sender_id, self.output_channel, self.input_channel = sender, output, "rest"


def test_over_the_limit_the_resident_is_told_politely():
    handled, output = [], Output()

    async def handler(message):
        handled.append(message.sender_id)

    limited = rate_limited(handler, RateLimiter(per_minute=1, burst=2, clock=Clock()))
    for _ in range(3):
        asyncio.run(limited(Message("r1", output)))
    assert handled == ["r1", "r1"]
    assert output.sent == [("r1", TOO_FAST_TEXT)]
