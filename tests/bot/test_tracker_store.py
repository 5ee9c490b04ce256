from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.tracker_store import EnvSQLTrackerStore

DOMAIN = Domain.from_yaml("""
version: "3.1"
slots:
  person_category:
    type: text
    mappings: [{type: custom}]
""")


async def _save_and_reload(url):
    store = EnvSQLTrackerStore(domain=DOMAIN)
    tracker = DialogueStateTracker.from_events("resident", [UserUttered("我退休了"), SlotSet("person_category", "retired")])
    await store.save(tracker)
    reopened = EnvSQLTrackerStore(domain=DOMAIN)  # a restarted server
    return await reopened.retrieve("resident")


def test_conversations_survive_a_restart(tmp_path, monkeypatch):
    import asyncio

    monkeypatch.setenv("TRACKER_STORE_URL", f"sqlite:///{tmp_path / 'tracker.db'}")
    restored = asyncio.run(_save_and_reload(None))
    assert restored.get_slot("person_category") == "retired"
    assert (tmp_path / "tracker.db").exists()
