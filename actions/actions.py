"""Rasa custom actions: thin adapters between trackers and the policy core."""
from __future__ import annotations

import logging
import re
from typing import Any, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import (
    ActionExecuted,
    ConversationPaused,
    EventType,
    SessionStarted,
    SlotSet,
)
from rasa_sdk.executor import CollectingDispatcher

from policy_core.handoff import HandoffReason, Rating

from policy_core.privacy import find_contact
from policy_core import render
from policy_core.replies import (
    ASK_ARRIVAL_MONTH,
    ASK_PERSON_CATEGORY,
    Reply,
    is_policy_topic,
    reply_to,
    understood_category,
    understood_month,
)
from .service import handoff_queue, policy_service, service_hours

logger = logging.getLogger(__name__)

NOT_UNDERSTOOD_INTENTS = ("nlu_fallback", "gibberish")
SLOTS_FROM_ENTITIES = ("person_category", "month", "region")
SUGGESTION_MIN_CONFIDENCE = 0.1
UNSATISFIED_INTENTS = ("deny", "complain")

service_hours()  # a bad HANDOFF_SERVICE_HOURS stops the action server at start, with a clear error


def _latest_entities(tracker: Tracker, name: str) -> list[str]:
    return [e.get("value") for e in tracker.latest_message.get("entities", []) if e.get("entity") == name]


def _latest_intent(tracker: Tracker) -> Optional[str]:
    return (tracker.latest_message.get("intent") or {}).get("name")


# A place name as NLU extracts it (北京, 深圳市, 西城区 …). Entities typed as an intent payload
# ('/account_arrival{"region": "<script>…"}') can be anything: such values are not places and are never
# repeated in an answer.
PLACE_NAME = re.compile(r"[\u4e00-\u9fff]{1,12}")


def _place(value: Any) -> Optional[str]:
    return value.strip() if isinstance(value, str) and PLACE_NAME.fullmatch(value.strip()) else None


def _regions(tracker: Tracker) -> list[str]:
    # Every place named in this message counts ("在湛江看病，深圳参保"), then the one remembered.
    return [_place(value) for value in (*_latest_entities(tracker, "region"), tracker.get_slot("region"))]


def _send(dispatcher: CollectingDispatcher, prompt: render.Prompt) -> None:
    buttons = [{"title": title, "payload": payload} for title, payload in prompt.buttons]
    dispatcher.utter_message(text=prompt.text, buttons=buttons)


def _say(dispatcher: CollectingDispatcher, reply: Reply) -> list[EventType]:
    """Send a Reply and return the slot events that remember what the resident told us."""
    if reply.bad_month:
        _send(dispatcher, render.BAD_MONTH)
    elif reply.ask == ASK_ARRIVAL_MONTH:
        _send(dispatcher, render.ASK_ARRIVAL_MONTH)
    elif reply.ask == ASK_PERSON_CATEGORY:
        _send(dispatcher, render.ASK_PERSON_CATEGORY)
    if reply.text:
        dispatcher.utter_message(text=reply.text)
    if reply.offer_handoff:
        _send(dispatcher, render.HANDOFF_OFFER)
    events: list[EventType] = [SlotSet("last_topic", reply.topic), SlotSet("handoff_offered", reply.offer_handoff),
                               SlotSet("rating_requested", False)]
    if reply.person_category:
        events.append(SlotSet("person_category", reply.person_category))
    if reply.arrival_month:
        events.append(SlotSet("arrival_month", reply.arrival_month))
    elif reply.bad_month:
        events.append(SlotSet("arrival_month", None))
    return events


def _answer(tracker: Tracker, dispatcher: CollectingDispatcher, topic: str) -> list[EventType]:
    text = tracker.latest_message.get("text")
    service = policy_service()
    reply = reply_to(
        service,
        topic,
        category_text=understood_category(text, tracker.get_slot("person_category"),
                                          _latest_entities(tracker, "person_category")),
        month_text=understood_month(text, tracker.get_slot("arrival_month"),
                                    bool(_latest_entities(tracker, "month")), service),
        regions=_regions(tracker),
    )
    events = _say(dispatcher, reply)
    if reply.handoff_reason:
        events += hand_off(tracker, dispatcher, HandoffReason(reply.handoff_reason))
    return events


def hand_off(tracker: Tracker, dispatcher: CollectingDispatcher, reason: HandoffReason) -> list[EventType]:
    """Queue the conversation for a human and pause the bot in it (outside service hours: a message left)."""
    user_texts = [e.get("text") or "" for e in tracker.events if e.get("event") == "user"]
    channel = tracker.get_latest_input_channel() or "unknown"
    hours = service_hours()
    on_duty = hours.on_duty()
    try:
        ticket = handoff_queue().open_ticket(
            tracker.sender_id,
            channel,
            reason,
            contact=find_contact(user_texts),
            summary="\n".join(user_texts[-5:]),
            after_hours=not on_duty,
        )
        logger.info("hand-off ticket %s opened for %s (%s)", ticket.id, tracker.sender_id, reason.value)
        queued = "已为您转接人工客服，"
    except Exception:  # the resident must still get an answer when the queue database is down
        logger.exception("could not open a hand-off ticket for %s", tracker.sender_id)
        queued = "正在为您转接人工客服，"
    if on_duty:
        text = (f"{queued}原因：{reason.label}。工作人员接手后会在这里回复您，请稍候；"
                "在此期间我不会再自动回答。如需尽快办理，也可以拨打12345政务服务便民热线。")
    else:
        text = (f"现在不是人工客服的服务时间（{hours.describe()}），原因：{reason.label}。"
                "您可以直接在这里留言，工作人员上班后会在这里回复您；在此期间我不会再自动回答。"
                "着急的话请拨打12345政务服务便民热线。")
    dispatcher.utter_message(text=text)
    return [SlotSet("handoff_active", True), SlotSet("handoff_offered", False),
            SlotSet("rating_requested", False), ConversationPaused()]


class ActionAnswerPolicy(Action):
    """Answers a policy question; `inform` continues the topic asked before ("那退休的呢")."""

    def name(self) -> str:
        return "action_answer_policy"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        intent = _latest_intent(tracker)
        topic = intent if is_policy_topic(policy_service(), intent) else tracker.get_slot("last_topic")
        if not is_policy_topic(policy_service(), topic):
            dispatcher.utter_message(response="utter_ask_topic")
            return []
        return _answer(tracker, dispatcher, topic)


def _previous_user_intent(tracker: Tracker) -> Optional[str]:
    user_events = [e for e in tracker.events if e.get("event") == "user"]
    if len(user_events) < 2:
        return None
    return (user_events[-2].get("parse_data") or {}).get("intent", {}).get("name")


class ActionPolicyFallback(Action):
    """Not understood: continue a pending topic if the message fills it, else offer the closest
    knowledge-base questions as buttons; a second miss in a row goes to a human."""

    def name(self) -> str:
        return "action_policy_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        last_topic = tracker.get_slot("last_topic")
        fills_topic = any(_latest_entities(tracker, name) for name in SLOTS_FROM_ENTITIES)
        if fills_topic and is_policy_topic(policy_service(), last_topic):
            return _answer(tracker, dispatcher, last_topic)
        if _previous_user_intent(tracker) in NOT_UNDERSTOOD_INTENTS:
            return hand_off(tracker, dispatcher, HandoffReason.NOT_UNDERSTOOD)
        buttons = [{"title": title, "payload": f"/{topic}"} for topic, title in _suggestions(tracker)]
        if buttons:
            text = "抱歉，我不太确定您的意思。您是不是想问："
        else:
            text = ("抱歉，我没有理解您的问题。我可以解答医保、社保方面的问题，"
                    "例如医保存折什么时候到账、发票能不能报销。请换个说法再问一次，或者转人工：")
        buttons.append({"title": "转人工", "payload": "/request_human"})
        dispatcher.utter_message(text=text, buttons=buttons)
        return []


def _suggestions(tracker: Tracker, limit: int = 3) -> list[tuple[str, str]]:
    """(topic, title) pairs: NLU's own runners-up first, then fuzzy knowledge-base matches."""
    service = policy_service()
    topics = [item.get("name") for item in tracker.latest_message.get("intent_ranking") or []
              if item.get("confidence", 0) >= SUGGESTION_MIN_CONFIDENCE]
    topics += [hit.fact.topic for hit in service.search(tracker.latest_message.get("text") or "")]
    unique = [t for i, t in enumerate(topics) if is_policy_topic(service, t) and t not in topics[:i]]
    return [(topic, render.topic_title(service.knowledge, topic)) for topic in unique[:limit]]


class ActionHandoff(Action):
    def name(self) -> str:
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        intent = _latest_intent(tracker)
        reason = HandoffReason.DISSATISFIED if intent == "complain" else HandoffReason.ASKED_FOR_HUMAN
        return hand_off(tracker, dispatcher, reason)


class ActionRecordRating(Action):
    """The resident's answer to "问题解决了吗" after an agent closed the ticket."""

    def name(self) -> str:
        return "action_record_rating"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        rating = Rating.UNSATISFIED if _latest_intent(tracker) in UNSATISFIED_INTENTS else Rating.SATISFIED
        try:
            ticket = handoff_queue().record_rating(tracker.sender_id, rating)
            logger.info("rating %s for ticket %s", rating.value, ticket.id if ticket else None)
        except Exception:  # the thanks must not depend on the database
            logger.exception("could not record the rating of %s", tracker.sender_id)
        if rating is Rating.SATISFIED:
            text = "感谢您的评价！还有其他医保、社保问题，可以继续问我。"
        else:
            text = ("抱歉没能解决您的问题，您的评价已记录，我们会改进。需要的话可以回复“转人工”再次联系工作人员，"
                    "也可以拨打12345政务服务便民热线。")
        dispatcher.utter_message(text=text)
        return [SlotSet("rating_requested", False)]


class ActionSessionStart(Action):
    """Starts a new session, keeping slots; a conversation held by a human stays paused."""

    def name(self) -> str:
        return "action_session_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        events: list[EventType] = [SessionStarted()]
        events += [SlotSet(name, value) for name, value in tracker.current_slot_values().items()
                   if value is not None and name != "requested_slot"]
        events.append(ActionExecuted("action_listen"))
        if tracker.get_slot("handoff_active"):
            events.append(ConversationPaused())
        return events
