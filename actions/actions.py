"""Rasa custom actions: thin adapters between trackers and the policy core (policy_core.respond)."""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, ConversationPaused, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from policy_core import Question, Reply, respond, wording
from policy_core.answer_log import AnswerRating
from policy_core.handoff import HandoffReason, Rating, TicketFlood
from policy_core.privacy import find_contact
from policy_core.replies import ROUTED

from .service import answer_log, handoff_queue, policy_service, service_hours

logger = logging.getLogger(__name__)

UNSATISFIED_INTENTS = ("deny", "complain")
# A place name as NLU extracts it (北京, 深圳市, 西城区 …). Entities typed as an intent payload
# ('/account_arrival{"region": "<script>…"}') can be anything: such values are not places and are never
# repeated in an answer.
PLACE_NAME = re.compile(r"[\u4e00-\u9fff]{1,12}")

service_hours()  # a bad HANDOFF_SERVICE_HOURS stops the action server at start, with a clear error


def _latest_entities(tracker: Tracker, name: str) -> list[str]:
    return [e.get("value") for e in tracker.latest_message.get("entities", []) if e.get("entity") == name]


def _latest_intent(tracker: Tracker) -> Optional[str]:
    return (tracker.latest_message.get("intent") or {}).get("name")


def _place(value: Any) -> Optional[str]:
    return value.strip() if isinstance(value, str) and PLACE_NAME.fullmatch(value.strip()) else None


def _previous_user_intent(tracker: Tracker) -> tuple[Optional[str], float]:
    user_events = [e for e in tracker.events if e.get("event") == "user"]
    if len(user_events) < 2:
        return None, 0.0
    intent = (user_events[-2].get("parse_data") or {}).get("intent") or {}
    return intent.get("name"), float(intent.get("confidence") or 0.0)


def question_from(tracker: Tracker) -> Question:
    message = tracker.latest_message
    previous = _previous_user_intent(tracker)
    ranking = tuple(
        (item.get("name"), float(item.get("confidence") or 0))
        for item in message.get("intent_ranking") or []
        if item.get("name")
    )
    return Question(
        text=message.get("text") or "",
        intent=_latest_intent(tracker),
        ranking=ranking,
        entity_categories=tuple(v for v in _latest_entities(tracker, "person_category") if isinstance(v, str)),
        entity_month=bool(_latest_entities(tracker, "month")),
        # Every place named in this message counts ("在湛江看病，深圳参保"), then the one remembered.
        regions=tuple(_place(v) for v in (*_latest_entities(tracker, "region"), tracker.get_slot("region"))),
        last_topic=tracker.get_slot("last_topic"),
        person_category=tracker.get_slot("person_category"),
        arrival_month=tracker.get_slot("arrival_month"),
        previous_intent=previous[0],
        previous_confidence=previous[1],
    )


def send(
    dispatcher: CollectingDispatcher, message: wording.Message, answer_id: Optional[int] = None, **extra: Any
) -> None:
    """Plain text for every channel; rich channels (web chat, Telegram) also get the short answer and its
    details apart, and the answer id that 👍/👎 refer to (message metadata, which other channels ignore)."""
    buttons = [{"title": title, "payload": payload} for title, payload in message.buttons]
    if message.details:
        extra.update(short=message.text, details=message.details)
    if answer_id is not None and message.fact_ids:
        extra["answer_id"] = answer_id
    dispatcher.utter_message(text=message.plain(), buttons=buttons, **extra)


def record_answer(tracker: Tracker, question: Question, reply: Reply) -> Optional[int]:
    """Keep the reply in the answer log (review page, daily figures); None when the log is unavailable,
    which must never stop the answer."""
    confidence = (tracker.latest_message.get("intent") or {}).get("confidence")
    try:
        return answer_log().record(
            tracker.sender_id,
            tracker.get_latest_input_channel() or "unknown",
            question.text,
            reply.outcome,
            topic=reply.topic,
            fact_ids=reply.fact_ids,
            confidence=float(confidence) if confidence is not None else None,
            subject=reply.subject,
            gate_reason=reply.gate_reason,
        )
    except Exception:
        logger.exception("could not record the answer for %r", tracker.sender_id)
        return None


def reply_events(reply: Reply) -> list[EventType]:
    """The slots that remember what the resident told us and what we offered."""
    events: list[EventType] = [
        SlotSet("handoff_offered", reply.offer_handoff),
        SlotSet("rating_requested", False),
        SlotSet("last_outcome", reply.outcome),
    ]
    if reply.topic:
        events.append(SlotSet("last_topic", reply.topic))
    if reply.person_category:
        events.append(SlotSet("person_category", reply.person_category))
    if reply.arrival_month:
        events.append(SlotSet("arrival_month", reply.arrival_month))
    return events


async def answer(tracker: Tracker, dispatcher: CollectingDispatcher) -> list[EventType]:
    question = question_from(tracker)
    reply = respond(policy_service(), question)
    logger.info(
        "outcome %s topic %s facts %s (%s)", reply.outcome, reply.topic, ",".join(reply.fact_ids), reply.gate_reason
    )
    answer_id = await asyncio.to_thread(record_answer, tracker, question, reply)  # the loop serves others
    for message in reply.messages:
        send(dispatcher, message, answer_id)
    events = reply_events(reply)
    if reply.handoff_reason:
        events += hand_off(tracker, dispatcher, HandoffReason(reply.handoff_reason))
    return events


def hand_off(tracker: Tracker, dispatcher: CollectingDispatcher, reason: HandoffReason) -> list[EventType]:
    """Queue the conversation for a human and pause the bot in it (outside service hours: a message left)."""
    user_texts = [e.get("text") or "" for e in tracker.events if e.get("event") == "user"]
    channel = tracker.get_latest_input_channel() or "unknown"
    hours = service_hours()
    on_duty = hours.on_duty()
    queued = True
    try:
        ticket = handoff_queue().open_ticket(
            tracker.sender_id,
            channel,
            reason,
            contact=find_contact(user_texts),
            summary="\n".join(user_texts[-5:]),
            after_hours=not on_duty,
        )
        logger.info("hand-off ticket %s opened for %r (%s)", ticket.id, tracker.sender_id, reason.value)
    except TicketFlood:  # too many new tickets from this address this minute: not paused, may ask again
        logger.warning("hand-off refused for %r: too many new tickets from one client address", tracker.sender_id)
        send(dispatcher, wording.HANDOFF_BUSY)
        return [SlotSet("handoff_offered", False)]
    except Exception:  # the resident must still get an answer when the queue database is down
        logger.exception("could not open a hand-off ticket for %r", tracker.sender_id)
        queued = False
    message = (
        wording.handoff_queued(reason.value, queued)
        if on_duty
        else wording.handoff_after_hours(reason.value, hours.describe())
    )
    send(dispatcher, message, handoff="queued")
    return [
        SlotSet("handoff_active", True),
        SlotSet("handoff_offered", False),
        SlotSet("rating_requested", False),
        ConversationPaused(),
    ]


class ActionAnswerPolicy(Action):
    """Every resident message that is not conversation control: the policy core decides what to say."""

    def name(self) -> str:
        return "action_answer_policy"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        return await answer(tracker, dispatcher)


class ActionPolicyFallback(ActionAnswerPolicy):
    """Not understood by NLU: the same core, which routes the question or hands off after two misses."""

    def name(self) -> str:
        return "action_policy_fallback"


class ActionHandoff(Action):
    def name(self) -> str:
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        intent = _latest_intent(tracker)
        if intent == "complain":
            reason = HandoffReason.DISSATISFIED
        elif tracker.get_slot("last_outcome") == ROUTED:
            reason = HandoffReason.OUT_OF_SCOPE
        else:
            reason = HandoffReason.ASKED_FOR_HUMAN
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
            logger.exception("could not record the rating of %r", tracker.sender_id)
        send(dispatcher, wording.RATING_THANKS if rating is Rating.SATISFIED else wording.RATING_SORRY)
        return [SlotSet("rating_requested", False)]


RATING_VALUES = {"up": AnswerRating.UP, "down": AnswerRating.DOWN}


def _rating_of(tracker: Tracker) -> tuple[Optional[int], bool, AnswerRating]:
    """(answer id, whether an id was given, rating) from the 👍/👎 button's payload, or from a 👍/👎 typed as
    a message (no id: the newest answer)."""
    values = _latest_entities(tracker, "rating")
    rating = RATING_VALUES.get(values[0] if values and isinstance(values[0], str) else "")
    if rating is None:
        rating = AnswerRating.DOWN if "👎" in (tracker.latest_message.get("text") or "") else AnswerRating.UP
    ids = _latest_entities(tracker, "answer_id")
    raw = ids[0] if ids else None
    answer_id = int(raw) if isinstance(raw, (str, int)) and str(raw).isdigit() and len(str(raw)) < 12 else None
    return answer_id, bool(ids), rating


class ActionRateAnswer(Action):
    """👍/👎 on an answer: stored with the answer (question, fact ids, channel); 👎 offers to rephrase or a human."""

    def name(self) -> str:
        return "action_rate_answer"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        answer_id, given, rating = _rating_of(tracker)
        try:
            if not given:
                latest = answer_log().latest_answer(tracker.sender_id)
                answer_id = latest.id if latest else None
            rated = answer_log().rate(answer_id, tracker.sender_id, rating) if answer_id is not None else None
        except Exception:  # the reply must not depend on the database
            logger.exception("could not record the answer rating of %r", tracker.sender_id)
            rated = None
        if rated is None:
            send(dispatcher, wording.ANSWER_NOT_RATEABLE)
            return [SlotSet("handoff_offered", True)]
        logger.info("answer %s rated %s", rated.id, rating.value)
        if rating is AnswerRating.UP:
            send(dispatcher, wording.ANSWER_RATED_UP)
            return [SlotSet("handoff_offered", False)]
        send(dispatcher, wording.ANSWER_RATED_DOWN)
        return [SlotSet("handoff_offered", True)]


def _has_open_ticket(conversation_id: str) -> bool:
    """An open ticket keeps the conversation paused even if the slot was lost (e.g. /restart)."""
    try:
        return handoff_queue().open_ticket_for(conversation_id) is not None
    except Exception:  # the session must start when the queue database is down; the slot still holds
        logger.exception("could not read the hand-off queue for %r", conversation_id)
        return False


class ActionSessionStart(Action):
    """Starts a new session, keeping slots; a conversation held by a human stays paused."""

    def name(self) -> str:
        return "action_session_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        events: list[EventType] = [SessionStarted()]
        events += [
            SlotSet(name, value)
            for name, value in tracker.current_slot_values().items()
            if value is not None and name != "requested_slot"
        ]
        events.append(ActionExecuted("action_listen"))
        if tracker.get_slot("handoff_active") or _has_open_ticket(tracker.sender_id):
            events.append(ConversationPaused())
        return events
