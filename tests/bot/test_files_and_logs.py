"""Files with residents' data are private and user-controlled values cannot forge log lines (issue 14)."""

import logging
import stat

from policy_core.handoff import HandoffQueue
from policy_core.logsafe import log_value


def mode(path):
    return stat.S_IMODE(path.stat().st_mode)


def test_sqlite_files_and_their_folder_are_private(tmp_path):
    folder = tmp_path / "var"
    HandoffQueue(f"sqlite:///{folder / 'handoff.db'}").open_ticket("perm-1", "rest", "asked_for_human")
    assert mode(folder) == 0o700 and mode(folder / "handoff.db") == 0o600


def test_an_existing_world_readable_database_is_made_private(tmp_path):
    path = tmp_path / "handoff.db"
    HandoffQueue(f"sqlite:///{path}")
    path.chmod(0o644)
    HandoffQueue(f"sqlite:///{path}")
    assert mode(path) == 0o600


def test_tracker_store_file_is_private(tmp_path, monkeypatch):
    from bot.tracker_store import EnvSQLTrackerStore

    path = tmp_path / "data" / "tracker.db"
    EnvSQLTrackerStore(url=f"sqlite:///{path}")
    assert mode(path) == 0o600 and mode(path.parent) == 0o700


def test_api_token_file_is_created_private(tmp_path, monkeypatch):
    import bot.run

    monkeypatch.delenv("RASA_API_TOKEN", raising=False)
    monkeypatch.setattr(bot.run, "DATA_DIR", tmp_path / "fresh")
    bot.run.api_token()
    assert mode(tmp_path / "fresh") == 0o700 and mode(tmp_path / "fresh" / "api_token") == 0o600


def test_log_values_cannot_start_a_new_line():
    assert log_value("a\nb\rc\td") == "a\\nb\\rc\\td"
    assert log_value("\x1b[31mred\u2028") == "\\x1b[31mred\\u2028"
    assert log_value("back\\slash") == "back\\\\slash"
    assert log_value("x" * 100, limit=10) == "x" * 10 + "…"
    assert log_value(7001) == "7001"


def test_tracker_store_log_lines_escape_the_sender(caplog):
    from bot.tracker_store import EnvSQLTrackerStore

    store = EnvSQLTrackerStore.__new__(EnvSQLTrackerStore)
    store.pending = {}

    class Tracker:
        sender_id = "evil\nERROR forged line"

    with caplog.at_level(logging.ERROR):
        store._keep(Tracker(), RuntimeError("down"))
    assert "evil\\nERROR forged line" in caplog.text and "\nERROR forged" not in caplog.text
