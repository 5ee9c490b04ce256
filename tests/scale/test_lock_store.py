"""bot.lock_store.AtomicRedisLockStore against a real redis-server (no model needed): two stores, as two
Rasa servers, hit the same conversation from many threads at the same moment."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from bot.lock_store import AtomicRedisLockStore

from .services import MissingServer, start_redis

THREADS = 20


@pytest.fixture(scope="module")
def redis():
    try:
        server = start_redis()
    except MissingServer as error:
        pytest.fail(str(error), pytrace=False)
    yield server
    server.stop()


def _stores(redis):
    return [AtomicRedisLockStore(host="127.0.0.1", port=redis.port, db=1) for _ in range(2)]


def _in_threads(target, count=THREADS) -> None:
    barrier = threading.Barrier(count)
    errors = []

    def run(index):
        barrier.wait()
        try:
            target(index)
        except Exception as error:  # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []


def test_tickets_issued_at_the_same_moment_by_two_servers_are_all_different(redis):
    stores = _stores(redis)
    tickets = []
    _in_threads(lambda i: tickets.append(stores[i % 2].issue_ticket("same-moment")))
    assert sorted(tickets) == list(range(THREADS))


def test_only_one_server_at_a_time_holds_a_conversation(redis):
    stores = _stores(redis)
    inside, most_inside, served = [0], [0], []
    guard = threading.Lock()

    async def handle(index):
        async with stores[index % 2].lock("one-at-a-time", wait_time_in_seconds=0.01):
            with guard:
                inside[0] += 1
                most_inside[0] = max(most_inside[0], inside[0])
            await asyncio.sleep(0.02)
            with guard:
                inside[0] -= 1
                served.append(index)

    _in_threads(lambda i: asyncio.run(handle(i)))
    assert sorted(served) == list(range(THREADS))
    assert most_inside[0] == 1
    assert stores[0].get_lock("one-at-a-time") is None  # cleaned up once nobody waits


def test_created_from_endpoint_config_like_rasa_does(redis):
    from rasa.core.lock_store import LockStore
    from rasa.utils.endpoints import EndpointConfig

    config = EndpointConfig(url="127.0.0.1", port=redis.port, db=1, type="bot.lock_store.AtomicRedisLockStore")
    store = LockStore.create(config)
    assert isinstance(store, AtomicRedisLockStore)
    assert store.issue_ticket(f"from-config-{time.time()}") == 0
