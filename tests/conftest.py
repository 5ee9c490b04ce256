import pytest


@pytest.fixture
def handoff_db(tmp_path, monkeypatch):
    """A fresh hand-off database for the action server's queue."""
    from actions import service

    url = f"sqlite:///{tmp_path / 'handoff.db'}"
    monkeypatch.setenv("HANDOFF_DB_URL", url)
    service.handoff_queue.cache_clear()
    service.answer_log.cache_clear()
    yield url
    service.handoff_queue.cache_clear()
    service.answer_log.cache_clear()
