import pytest


@pytest.fixture(autouse=True)
def handoff_db_for_channels(tmp_path, monkeypatch):
    """The web chat channel keeps agents' replies in the hand-off database: a test one, never var/."""
    monkeypatch.setenv("HANDOFF_DB_URL", f"sqlite:///{tmp_path / 'handoff.db'}")
