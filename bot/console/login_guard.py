"""Console login under attack: throttling with growing delays and a temporary lockout, per account and
per client address, and password checks that never run on the server's event loop.

Every attempt counts as a failure from the moment it starts (and is forgiven when it succeeds), so a
burst of parallel guesses is throttled as surely as a sequential one. A throttled attempt is answered at
once, without checking the password, and still counts towards the lockout: not even the right password
logs in during a delay or a lockout. (An attacker can thus lock an agent out for the lockout time;
the per-address lockout stops one address from doing that again and again.)

Settings (environment):
- LOGIN_FREE_ATTEMPTS (3): failures per account before delays start; then each further attempt must
  wait 1 s, 2 s, 4 s, … (at most 60 s) after the previous failure;
- LOGIN_LOCKOUT_FAILURES (10): failures per account that lock it for LOGIN_LOCKOUT_MINUTES (15);
- a client address gets three times as many (several agents may share an office address).
Counted per Rasa process, in memory; failures are forgotten after the lockout time without failures.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable, Optional

from .accounts import AgentAccount, authenticate

MAX_TRACKED_KEYS = 50_000
# One worker: scrypt takes one core for ~50 ms; the other core stays free for residents.
_HASHING = ThreadPoolExecutor(max_workers=1, thread_name_prefix="console-login")
MAX_QUEUED_CHECKS = 8  # more waiting checks than this: the server is being flooded, refuse at once


@dataclass
class _State:
    failures: int = 0
    last_failure: float = 0.0
    locked_until: float = 0.0


class Throttle:
    """Failure counts per key with growing delays and a lockout."""

    def __init__(
        self,
        free: int,
        lockout_after: int,
        lockout_seconds: float,
        base_delay: float = 1.0,
        max_delay: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.free, self.lockout_after, self.lockout_seconds = free, lockout_after, lockout_seconds
        self.base_delay, self.max_delay = base_delay, max_delay
        self._clock = clock
        self._states: OrderedDict[str, _State] = OrderedDict()

    def _state(self, key: str) -> _State:
        now = self._clock()
        state = self._states.pop(key, None) or _State()
        if state.locked_until and now >= state.locked_until:
            state = _State()  # a lockout served wipes the slate
        elif state.failures and not state.locked_until and now - state.last_failure > self.lockout_seconds:
            state = _State()  # so does a quiet period
        self._states[key] = state
        while len(self._states) > MAX_TRACKED_KEYS:
            self._states.popitem(last=False)
        return state

    def wait_seconds(self, key: str) -> float:
        """0 when an attempt is allowed now, else how long to wait."""
        state, now = self._state(key), self._clock()
        if now < state.locked_until:
            return state.locked_until - now
        if state.failures >= self.free:
            delay = min(self.max_delay, self.base_delay * 2 ** (state.failures - self.free))
            return max(0.0, state.last_failure + delay - now)
        return 0.0

    def fail(self, key: str) -> None:
        state = self._state(key)
        state.failures += 1
        state.last_failure = self._clock()
        if state.failures >= self.lockout_after:
            state.locked_until = state.last_failure + self.lockout_seconds

    def strike(self, key: str) -> None:
        """An attempt made while throttled: counts towards the lockout, the delay still runs from the last check."""
        state = self._state(key)
        state.failures += 1
        if state.failures >= self.lockout_after and state.locked_until < self._clock():
            state.locked_until = self._clock() + self.lockout_seconds

    def forgive(self, key: str) -> None:
        state = self._state(key)
        state.failures = max(0, state.failures - 1)

    def reset(self, key: str) -> None:
        self._states.pop(key, None)


class LoginRefused(Exception):
    def __init__(self, retry_after: float, reason: str) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class LoginGuard:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        free = int(os.environ.get("LOGIN_FREE_ATTEMPTS", "3"))
        lockout = int(os.environ.get("LOGIN_LOCKOUT_FAILURES", "10"))
        seconds = float(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15")) * 60
        self.accounts = Throttle(free, lockout, seconds, clock=clock)
        self.addresses = Throttle(free * 3, lockout * 3, seconds, clock=clock)
        self._queued = 0

    async def login(self, username: str, password: str, address: str) -> Optional[AgentAccount]:
        """The account, or None for a wrong name or password; LoginRefused while throttled."""
        keys = [(self.accounts, username.lower()), (self.addresses, address)]
        waits = [throttle.wait_seconds(key) for throttle, key in keys]
        if max(waits) > 0:
            # Hammering during a delay is guessing too: it brings the lockouts nearer (not the next check).
            for throttle, key in keys:
                throttle.strike(key)
            raise LoginRefused(max(throttle.wait_seconds(key) for throttle, key in keys), "throttled")
        if self._queued >= MAX_QUEUED_CHECKS:
            raise LoginRefused(1.0, "busy")
        for throttle, key in keys:  # counted before the check: parallel guesses see each other
            throttle.fail(key)
        self._queued += 1
        try:
            account = await asyncio.get_running_loop().run_in_executor(_HASHING, authenticate, username, password)
        finally:
            self._queued -= 1
        if account is not None:
            self.accounts.reset(username.lower())
            self.addresses.forgive(address)
        return account
