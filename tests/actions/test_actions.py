"""Actions run against rasa_sdk trackers and dispatchers, no server."""

import asyncio
from datetime import date

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import service
from actions.actions import (
    ActionAnswerPolicy,
    ActionHandoff,
    ActionPolicyFallback,
    ActionRecordRating,
    ActionSessionStart,
)
from policy_core import PolicyService
from policy_core.handoff import HandoffQueue, Rating, TicketStatus
from policy_core.service_hours import ServiceHours


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    fixed = PolicyService.load(today=lambda: date(2026, 11, 22))
    monkeypatch.setattr(service, "policy_service", lambda: fixed)
    import actions.actions as module

    monkeypatch.setattr(module, "policy_service", lambda: fixed)


def user_event(text, intent, entities=()):
    return {
        "event": "user",
        "text": text,
        "parse_data": {"intent": {"name": intent, "confidence": 0.9}, "entities": list(entities)},
    }


def make_tracker(text, intent, slots=None, entities=(), history=(), channel="rest", sender="resident-1"):
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.9},
        "entities": list(entities),
        "intent_ranking": [{"name": intent, "confidence": 0.9}],
    }
    events = [*history, {**user_event(text, intent, entities), "input_channel": channel}]
    return Tracker(sender, slots or {}, latest, events, False, None, {}, "action_listen")


def run(action, tracker):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, {}))
    return dispatcher.messages, events


def texts(messages):
    return "\n".join(m.get("text") or "" for m in messages)


def slot_events(events):
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


def test_arrival_with_slots_answers_with_date():
    tracker = make_tracker(
        "我在职，1月份的钱什么时候到",
        "account_arrival",
        slots={"person_category": "in_service", "arrival_month": "1月份"},
    )
    messages, events = run(ActionAnswerPolicy(), tracker)
    assert "2026年3月5日" in texts(messages)
    assert slot_events(events) == {
        "last_topic": "account_arrival",
        "handoff_offered": False,
        "rating_requested": False,
        "person_category": "in_service",
        "arrival_month": "2026-01",
        "last_outcome": "answered",
    }


def test_inform_continues_last_topic():
    tracker = make_tracker(
        "那退休的呢",
        "inform",
        slots={"person_category": "retired", "arrival_month": "2026-01", "last_topic": "account_arrival"},
        entities=[{"entity": "person_category", "value": "retired"}],
    )
    messages, _ = run(ActionAnswerPolicy(), tracker)
    assert "2026年2月5日" in texts(messages)


def test_receipt_verdict_uses_all_regions_in_message():
    tracker = make_tracker(
        "在湛江看急诊，深圳参保，发票被结算了5元报不了",
        "reimburse_settled_receipt",
        slots={"region": "湛江"},
        entities=[{"entity": "region", "value": "湛江"}, {"entity": "region", "value": "深圳"}],
    )
    messages, _ = run(ActionAnswerPolicy(), tracker)
    assert "第七十条" in texts(messages) and "暂不能报销" in texts(messages)


def test_pension_amount_answers_then_hands_off(handoff_db):
    messages, events = run(ActionAnswerPolicy(), make_tracker("我能领多少养老金", "ss_pension_amount"))
    assert "第十六条" in texts(messages) and "人工" in texts(messages)
    assert {"event": "pause", "timestamp": None} in events
    ticket = HandoffQueue(handoff_db).open_ticket_for("resident-1")
    assert ticket.reason.value == "needs_personal_records" and ticket.status is TicketStatus.WAITING


def test_handoff_records_masked_contact_and_pauses(handoff_db):
    history = [user_event("我电话13812345678，身份证11010519900307123X", "inform")]
    tracker = make_tracker("转人工", "request_human", history=history, channel="telegram")
    messages, events = run(ActionHandoff(), tracker)
    assert "12345" in texts(messages) and "人工" in texts(messages)
    assert slot_events(events) == {"handoff_active": True, "handoff_offered": False, "rating_requested": False}
    assert any(e["event"] == "pause" for e in events)
    [ticket] = HandoffQueue(handoff_db).tickets()
    assert (ticket.channel, ticket.reason.value, ticket.contact) == ("telegram", "asked_for_human", "138****5678")
    assert "13812345678" not in ticket.summary and "11010519900307123X" not in ticket.summary


def test_dismissal_answer_offers_a_human():
    messages, events = run(ActionAnswerPolicy(), make_tracker("被单位除名了工龄还算吗", "ss_dismissal_service_years"))
    assert "连续工龄" in texts(messages)
    assert [b["payload"] for b in messages[-1]["buttons"]] == ["/request_human", "/deny"]
    assert slot_events(events)["handoff_offered"] is True


def test_complaint_is_recorded_as_dissatisfied(handoff_db):
    run(ActionHandoff(), make_tracker("答非所问，太差了", "complain"))
    assert HandoffQueue(handoff_db).tickets()[0].reason.value == "dissatisfied"


def test_handoff_still_answers_when_database_is_down(monkeypatch):
    def broken():
        raise RuntimeError("database is locked")

    monkeypatch.setattr("actions.actions.handoff_queue", broken)
    messages, events = run(ActionHandoff(), make_tracker("转人工", "request_human"))
    assert "12345" in texts(messages)
    assert any(e["event"] == "pause" for e in events)


def test_category_from_wording_without_entity():
    tracker = make_tracker(
        "退了休的，1月的钱啥时候进存折",
        "account_arrival",
        slots={"arrival_month": "1月"},
        entities=[{"entity": "month", "value": "1月"}],
    )
    messages, _ = run(ActionAnswerPolicy(), tracker)
    assert "2026年2月5日" in texts(messages)


def test_noise_after_a_miss_hands_off(handoff_db):
    history = [user_event("阿巴阿巴", "gibberish")]
    messages, events = run(ActionPolicyFallback(), make_tracker("我想问个事", "nlu_fallback", history=history))
    assert any(e["event"] == "pause" for e in events)


def test_fallback_with_a_category_continues_the_topic():
    tracker = make_tracker(
        "退",
        "nlu_fallback",
        slots={"person_category": "retired", "arrival_month": "2026-03", "last_topic": "account_arrival"},
        entities=[{"entity": "person_category", "value": "retired"}],
    )
    messages, _ = run(ActionPolicyFallback(), tracker)
    assert "2026年4月5日" in texts(messages)


def test_session_start_keeps_slots_and_pause():
    tracker = make_tracker("hi", "greet", slots={"handoff_active": True, "person_category": "retired"})
    _, events = run(ActionSessionStart(), tracker)
    kinds = [e["event"] for e in events]
    assert kinds[0] == "session_started" and kinds[-1] == "pause"
    assert slot_events(events) == {"handoff_active": True, "person_category": "retired"}
    _, events = run(ActionSessionStart(), make_tracker("hi", "greet", slots={"handoff_active": False}))
    assert "pause" not in [e["event"] for e in events]


def test_outside_service_hours_the_resident_leaves_a_message(handoff_db, monkeypatch):
    monkeypatch.setattr("actions.actions.service_hours", lambda: ServiceHours.parse("sun 00:00-00:01"))
    messages, events = run(ActionHandoff(), make_tracker("转人工", "request_human"))
    text = texts(messages)
    assert "不是人工客服的服务时间（周日 00:00–00:01）" in text and "留言" in text and "12345" in text
    assert any(e["event"] == "pause" for e in events)
    [ticket] = HandoffQueue(handoff_db).tickets()
    assert ticket.after_hours and ticket.status is TicketStatus.WAITING


def test_within_service_hours_no_after_hours_notice(handoff_db, monkeypatch):
    monkeypatch.setattr("actions.actions.service_hours", lambda: ServiceHours.parse("always"))
    messages, _ = run(ActionHandoff(), make_tracker("转人工", "request_human"))
    assert "服务时间" not in texts(messages) and "工作人员接手后" in texts(messages)
    assert not HandoffQueue(handoff_db).tickets()[0].after_hours


def _closed_ticket(handoff_db, sender="resident-1"):
    queue = HandoffQueue(handoff_db)
    ticket = queue.open_ticket(sender, "socketio", "asked_for_human")
    queue.take(ticket.id, "wang")
    queue.close(ticket.id, "wang")
    return queue, ticket


@pytest.mark.parametrize(
    "text,intent,rating",
    [
        ("满意", "affirm", Rating.SATISFIED),
        ("没解决", "deny", Rating.UNSATISFIED),
        ("不满意", "complain", Rating.UNSATISFIED),
    ],
)
def test_rating_is_recorded_with_the_closed_ticket(handoff_db, text, intent, rating):
    queue, ticket = _closed_ticket(handoff_db)
    messages, events = run(ActionRecordRating(), make_tracker(text, intent, slots={"rating_requested": True}))
    assert queue.ticket(ticket.id).rating is rating
    assert slot_events(events) == {"rating_requested": False}
    assert ("感谢您的评价" in texts(messages)) is (rating is Rating.SATISFIED)
    assert not any(e["event"] == "pause" for e in events)  # a bad rating is recorded, not a new hand-off


def test_rating_still_thanks_when_database_is_down(monkeypatch):
    def broken():
        raise RuntimeError("database is locked")

    monkeypatch.setattr("actions.actions.handoff_queue", broken)
    messages, _ = run(ActionRecordRating(), make_tracker("满意", "affirm"))
    assert "感谢您的评价" in texts(messages)


def test_a_policy_answer_ends_a_pending_rating():
    _, events = run(
        ActionAnswerPolicy(), make_tracker("医保存折是什么", "account_what_is", slots={"rating_requested": True})
    )
    assert slot_events(events)["rating_requested"] is False


def test_arrival_without_category_gives_both_rules_then_asks():
    messages, events = run(ActionAnswerPolicy(), make_tracker("医保存折的钱什么时候到账", "account_arrival"))
    text = texts(messages)
    assert "下下月初5日" in text and "次月初5日" in text and "在职职工" in messages[-1]["text"]
    assert [b["title"] for b in messages[-1]["buttons"]][:2] == ["在职职工", "退休人员"]


def test_uncovered_question_is_routed_with_a_human_offered():
    messages, events = run(ActionPolicyFallback(), make_tracker("医保卡丢了怎么补办", "reimburse_photocopy"))
    text = texts(messages)
    assert "12333" in text and "原始" not in text
    assert slot_events(events)["handoff_offered"] is True and slot_events(events)["last_outcome"] == "routed"


def test_accepting_the_offer_after_a_routed_question_is_out_of_scope(handoff_db):
    tracker = make_tracker("好的", "affirm", slots={"handoff_offered": True, "last_outcome": "routed"})
    run(ActionHandoff(), tracker)
    assert HandoffQueue(handoff_db).tickets()[0].reason.value == "out_of_scope"


def test_second_miss_in_a_row_hands_off(handoff_db):
    history = [user_event("嗯嗯额额", "nlu_fallback")]
    messages, events = run(ActionPolicyFallback(), make_tracker("啊这个那个", "nlu_fallback", history=history))
    assert any(e["event"] == "pause" for e in events)
    assert HandoffQueue(handoff_db).tickets()[0].reason.value == "not_understood"
