"""Rasa's Redis lock store, made safe for several Rasa servers receiving the same conversation at once.

Rasa 3.6's RedisLockStore changes a conversation's ticket lock by GET and then SET: two servers that get
a message of the same conversation at the same moment can both be issued ticket 0 and both answer at
once, and one of the two messages then disappears from the tracker (tests/scale/ shows it). Here every
read-modify-write of a ticket lock (issue a ticket, drop expired ones, finish serving and clean up) runs
under a short per-conversation Redis mutex (redis-py's Lock: SET NX PX, released by a script), so
tickets are issued and served strictly one at a time across all servers.

endpoints.yml: `lock_store: {type: bot.lock_store.AtomicRedisLockStore, url: …, port: …, db: …}`, the
same settings as Rasa's `type: redis`.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator, Optional

from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

MUTEX_SECONDS = 10  # a lock change takes milliseconds; a crashed server's mutex expires after this


class AtomicRedisLockStore(RedisLockStore):
    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, **kwargs: Any) -> None:
        if endpoint_config is not None:  # how Rasa creates a lock store given by module path
            kwargs = {"host": endpoint_config.url or "localhost", **endpoint_config.kwargs}
        super().__init__(**kwargs)

    @contextmanager
    def _mutex(self, conversation_id: str) -> Iterator[None]:
        mutex = self.red.lock(
            f"mutex:{self.key_prefix}{conversation_id}",
            timeout=MUTEX_SECONDS,
            sleep=0.005,
            blocking_timeout=MUTEX_SECONDS,
        )
        if not mutex.acquire():
            raise LockError(f"Could not change the lock of conversation '{conversation_id}'.")
        try:
            yield
        finally:
            mutex.release()

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        with self._mutex(conversation_id):
            return super().issue_ticket(conversation_id, lock_lifetime)

    def update_lock(self, conversation_id: str) -> None:
        with self._mutex(conversation_id):
            super().update_lock(conversation_id)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        with self._mutex(conversation_id):
            super().cleanup(conversation_id, ticket_number)
