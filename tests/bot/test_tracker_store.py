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
    tracker = DialogueStateTracker.from_events(
        "resident", [UserUttered("我退休了"), SlotSet("person_category", "retired")]
    )
    await store.save(tracker)
    reopened = EnvSQLTrackerStore(domain=DOMAIN)  # a restarted server
    return await reopened.retrieve("resident")


def test_conversations_survive_a_restart(tmp_path, monkeypatch):
    import asyncio

    monkeypatch.setenv("TRACKER_STORE_URL", f"sqlite:///{tmp_path / 'tracker.db'}")
    restored = asyncio.run(_save_and_reload(None))
    assert restored.get_slot("person_category") == "retired"
    assert (tmp_path / "tracker.db").exists()


def test_personal_data_is_masked_before_it_is_stored(tmp_path, monkeypatch):
    import asyncio
    import sqlite3

    monkeypatch.setenv("TRACKER_STORE_URL", f"sqlite:///{tmp_path / 'tracker.db'}")
    text = "我手机13812345678，身份证11010519900307123X，卡号6222021234567890123，邮箱zhang@example.com"
    tracker = DialogueStateTracker.from_events(
        "resident",
        [
            UserUttered(
                text,
                parse_data={
                    "text": text,
                    "intent": {"name": "inform", "confidence": 1.0},
                    "entities": [{"entity": "phone", "value": "13812345678"}],
                },
            )
        ],
    )
    asyncio.run(EnvSQLTrackerStore(domain=DOMAIN).save(tracker))
    with sqlite3.connect(tmp_path / "tracker.db") as db:
        stored = "\n".join(row[0] for row in db.execute("select data from events"))
    for secret in ("13812345678", "11010519900307123X", "6222021234567890123", "zhang@example.com"):
        assert secret not in stored
    assert "138****5678" in stored
    restored = asyncio.run(EnvSQLTrackerStore(domain=DOMAIN).retrieve("resident"))
    assert "138****5678" in restored.latest_message.text
