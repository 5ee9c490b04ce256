"""Every reply is kept in the answer log; 👍/👎 on a policy answer is stored with it (issue 15)."""

import pytest

from actions.actions import ActionAnswerPolicy, ActionRateAnswer
from policy_core.answer_log import AnswerLog, AnswerRating
from tests.actions.test_actions import make_tracker, run, slot_events

QUESTION = "我在职，1月份的钱什么时候到，我电话13812345678"


def ask(sender="resident-1", channel="socketio"):
    tracker = make_tracker(
        QUESTION,
        "account_arrival",
        slots={"person_category": "in_service", "arrival_month": "1月份"},
        sender=sender,
        channel=channel,
    )
    return run(ActionAnswerPolicy(), tracker)


def rate(payload_entities, sender="resident-1", text=None):
    tracker = make_tracker(text or "/rate_answer", "rate_answer", entities=payload_entities, sender=sender)
    return run(ActionRateAnswer(), tracker)


def test_a_policy_answer_is_logged_masked_and_carries_its_answer_id(handoff_db):
    messages, _ = ask()
    [record] = AnswerLog(handoff_db).records()
    assert record.outcome == "answered" and record.channel == "socketio" and record.fact_ids
    assert "13812345678" not in record.question and "138****5678" in record.question
    rated = [m for m in messages if m.get("answer_id") is not None]
    assert rated and all(m["answer_id"] == record.id for m in rated)
    # rich channels get the short answer and its details apart; plain channels the whole text
    answer = rated[0]
    assert answer["short"] in answer["text"] and answer["details"] in answer["text"]
    assert "依据" in answer["details"] and "依据" not in answer["short"]


def test_thumbs_up_is_stored_with_the_answer(handoff_db):
    ask()
    [record] = AnswerLog(handoff_db).records()
    messages, events = rate([{"entity": "answer_id", "value": str(record.id)}, {"entity": "rating", "value": "up"}])
    assert AnswerLog(handoff_db).answer(record.id).rating is AnswerRating.UP
    assert "谢谢" in messages[0]["text"]
    assert slot_events(events)["handoff_offered"] is False


def test_thumbs_down_offers_to_rephrase_or_a_human(handoff_db):
    ask()
    [record] = AnswerLog(handoff_db).records()
    messages, events = rate([{"entity": "answer_id", "value": str(record.id)}, {"entity": "rating", "value": "down"}])
    assert AnswerLog(handoff_db).answer(record.id).rating is AnswerRating.DOWN
    assert "换个说法" in messages[0]["text"]
    assert [b["payload"] for b in messages[0]["buttons"]] == ["/request_human"]
    assert slot_events(events)["handoff_offered"] is True  # "好的" now accepts the human


def test_a_typed_thumbs_down_rates_the_newest_answer(handoff_db):
    ask()
    ask()
    newest = AnswerLog(handoff_db).records()[-1]
    rate([], text="👎")
    assert AnswerLog(handoff_db).answer(newest.id).rating is AnswerRating.DOWN
    assert AnswerLog(handoff_db).records()[0].rating is None


@pytest.mark.parametrize("forged", ["999999", "abc", "1" * 40, "-1"])
def test_a_forged_or_unknown_answer_id_rates_nothing(handoff_db, forged):
    ask()
    messages, _ = rate([{"entity": "answer_id", "value": forged}, {"entity": "rating", "value": "down"}])
    assert all(r.rating is None for r in AnswerLog(handoff_db).records())
    assert "无法评价" in messages[0]["text"]


def test_another_conversations_answer_cannot_be_rated(handoff_db):
    ask(sender="resident-1")
    [record] = AnswerLog(handoff_db).records()
    messages, _ = rate(
        [{"entity": "answer_id", "value": str(record.id)}, {"entity": "rating", "value": "down"}], sender="intruder"
    )
    assert AnswerLog(handoff_db).answer(record.id).rating is None
    assert "无法评价" in messages[0]["text"]


def test_the_answer_still_comes_when_the_log_is_down(handoff_db, monkeypatch):
    import actions.actions as module

    def broken():
        raise RuntimeError("database down")

    monkeypatch.setattr(module, "answer_log", broken)
    messages, _ = ask()
    assert "3月5日" in messages[0]["text"]
    assert all("answer_id" not in m for m in messages)
