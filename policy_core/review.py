"""The operators' review of what residents asked (the console's review page), and the daily figures.

What needs review: every unreviewed answer-log record that
- was not answered: routed (in the domain, but no fact covers it) or not understood;
- was answered with NLU confidence below LOW_CONFIDENCE (except a follow-up answered in the conversation's
  topic, "退休" or "三月份": NLU's confidence is not about the topic there); or
- was rated 👎.
Declined requests (someone else's records), chitchat and questions out of the domain (no word of the
routing table, e.g. 护照, 停水: the assistant rightly sends them to 12345) are not gaps in the knowledge,
and neither are requests for a person or button presses (no wording to learn from). Any reply rated 👎
is listed.

Grouping: questions are compared normalized (simplified characters, half-width, lower case, without
punctuation and spaces) with rapidfuzz's ratio (WRatio grouped the labelled out-of-knowledge questions of
tests/eval no better, at a far higher cost). Oldest first, each question joins the group whose first
question it resembles most, at GROUP_SIMILARITY or more, else it starts a group. Questions the assistant
took for different things (two routing subjects, two topics, or a subject and a topic) never share a
group: a group is to become examples of one fact. A group keeps the id of its first record, so it is the
same group while new questions join it.

Order: the group whose newest question came on the latest (China-time) day first; among groups of the
same day, the most frequent first; then the newest.
"""

from __future__ import annotations

import csv
import io
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Iterable, Optional, Sequence

from rapidfuzz import fuzz, process, utils
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import sessionmaker

from . import knowledge_edit
from .answer_log import AnswerLog, AnswerRating, AnswerRecord, AnswerRow
from .answers import CHINA_TIME
from .config import database_url
from .db import Base, create_engine, upgrade_schema
from .handoff import Rating, Ticket, TicketRow
from .normalize import normalize_text
from .replies import ANSWERED, CHITCHAT, NOT_UNDERSTOOD, ROUTED
from .understanding import asks_for_a_human

UNANSWERED_OUTCOMES = (ROUTED, NOT_UNDERSTOOD)
# An answer NLU was less sure of than this (its first intent's confidence) is shown for review. The gate
# gives facts from 0.10 when the question names the fact's subject and aspect (knowledge/answerability.yml).
LOW_CONFIDENCE = 0.5
# rapidfuzz ratio (0–100) to a group's first question that counts as the same question in other words.
GROUP_SIMILARITY = 55
# Only the newest records needing review are grouped, so that the page stays fast however long the backlog.
MAX_REVIEW_RECORDS = 2000
MAX_ACTION_IDS = 500  # one action covers at most this many records (a group lists at most these)
TOP_SUBJECTS = 5
MAX_DAYS = 366

# Gate reasons (policy_core/replies.py, answerability.py) of answers given from the conversation's topic.
CONTEXT_REASONS = ("follow-up", "subject carried from the conversation")

LOW_CONFIDENCE_REASON = "low_confidence"
RATED_DOWN_REASON = "rated_down"
REASON_LABELS = {
    ROUTED: "无相关知识（已转介）",
    NOT_UNDERSTOOD: "没听懂",
    LOW_CONFIDENCE_REASON: "低置信度回答",
    RATED_DOWN_REASON: "居民点了👎",
}


def china_day(moment: datetime) -> date:
    return moment.astimezone(CHINA_TIME).date()


def review_reasons(record: AnswerRecord, low_confidence: float = LOW_CONFIDENCE) -> tuple[str, ...]:
    """Why the record is on the review list (REASON_LABELS keys); empty when it is not."""
    question = record.question.strip()
    if not question or question.startswith("/") or asks_for_a_human(normalize_text(question)):
        return ()
    reasons = []
    if record.outcome in UNANSWERED_OUTCOMES:
        reasons.append(record.outcome)
    if (
        record.outcome == ANSWERED
        and record.confidence is not None
        and record.confidence < low_confidence
        and not (record.gate_reason or "").startswith(CONTEXT_REASONS)
    ):
        reasons.append(LOW_CONFIDENCE_REASON)
    if record.rating is AnswerRating.DOWN:
        reasons.append(RATED_DOWN_REASON)
    return tuple(reasons)


def comparable(question: str) -> str:
    """The wording that grouping compares."""
    return utils.default_process(normalize_text(question)).replace(" ", "")


def taken_for(record: AnswerRecord) -> Optional[str]:
    """What the assistant took the question for: its routing subject, the topic it answered, or nothing."""
    if record.subject:
        return "subject:" + record.subject
    if record.outcome == ANSWERED and record.topic:
        return "topic:" + record.topic
    return None


@dataclass(frozen=True)
class ReviewGroup:
    id: int  # the id of its first (oldest) record
    records: tuple[AnswerRecord, ...]  # newest first
    questions: tuple[tuple[str, int], ...]  # each wording once, newest first, with how often it was asked
    count: int
    first: datetime
    newest: datetime
    reasons: tuple[tuple[str, int], ...]  # (reason, how many records), most first
    fact_ids: tuple[str, ...]  # facts the assistant gave, most often first
    subjects: tuple[str, ...]  # routing subjects, most often first
    channels: tuple[str, ...] = ()

    @property
    def record_ids(self) -> tuple[int, ...]:
        return tuple(r.id for r in self.records)

    def sort_key(self) -> tuple:
        return (-china_day(self.newest).toordinal(), -self.count, -self.newest.timestamp(), -self.id)


@dataclass
class _Builder:
    records: list[AnswerRecord] = field(default_factory=list)
    reasons: Counter = field(default_factory=Counter)

    def build(self) -> ReviewGroup:
        newest_first = sorted(self.records, key=lambda r: (r.created_at, r.id), reverse=True)
        wordings = Counter(r.question.strip() for r in newest_first)
        order = list(dict.fromkeys(r.question.strip() for r in newest_first))
        facts = Counter(f for r in newest_first for f in r.fact_ids)
        subjects = Counter(r.subject for r in newest_first if r.subject)
        return ReviewGroup(
            id=self.records[0].id,
            records=tuple(newest_first),
            questions=tuple((q, wordings[q]) for q in order),
            count=len(self.records),
            first=self.records[0].created_at,
            newest=newest_first[0].created_at,
            reasons=tuple(self.reasons.most_common()),
            fact_ids=tuple(f for f, _ in facts.most_common()),
            subjects=tuple(s for s, _ in subjects.most_common()),
            channels=tuple(dict.fromkeys(r.channel for r in newest_first)),
        )


def group_records(
    records: Iterable[AnswerRecord],
    similarity: float = GROUP_SIMILARITY,
    low_confidence: float = LOW_CONFIDENCE,
) -> list[ReviewGroup]:
    """The records that need review, grouped by similar wording, in the page's order (module docstring)."""
    builders: list[_Builder] = []
    # Per taken_for (None: nothing): the first questions of its groups and the groups' indexes.
    leaders: dict[Optional[str], tuple[list[str], list[int]]] = {}
    exact: dict[tuple[Optional[str], str], int] = {}
    for record in sorted(records, key=lambda r: (r.created_at, r.id)):
        reasons = review_reasons(record, low_confidence)
        if not reasons:
            continue
        text, taken = comparable(record.question), taken_for(record)
        index = exact.get((taken, text))
        if index is None and text:
            pools = [leaders.get(taken), leaders.get(None)] if taken else list(leaders.values())
            best: Optional[tuple[float, int]] = None
            for pool in filter(None, pools):
                match = process.extractOne(text, pool[0], scorer=fuzz.ratio, score_cutoff=similarity)
                if match is not None and (best is None or match[1] > best[0]):
                    best = (match[1], pool[1][match[2]])
            index = best[1] if best else None
        if index is None:
            index = len(builders)
            builders.append(_Builder())
            texts, indexes = leaders.setdefault(taken, ([], []))
            texts.append(text)
            indexes.append(index)
        exact.setdefault((taken, text), index)
        builders[index].records.append(record)
        builders[index].reasons.update(reasons)
    return sorted((b.build() for b in builders), key=ReviewGroup.sort_key)


# --- daily figures -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DayFigures:
    """One China-time day (or, with day None, a whole period: the sums of its days).

    A conversation counts on a day when it asked something that day (a logged reply other than chitchat)
    or was handed off that day. It is self-resolved that day when the assistant gave a fact in it, no
    ticket was opened for it and none of its answers that day got 👎 (per conversation, not per answer)."""

    day: Optional[date]
    conversations: int = 0
    replies: int = 0
    answered: int = 0
    self_resolved: int = 0
    handoffs: int = 0
    rated: int = 0
    rated_up: int = 0
    tickets_rated: int = 0
    tickets_satisfied: int = 0
    unanswered_subjects: tuple[tuple[str, int], ...] = ()  # routing subjects of routed questions, top 5

    @staticmethod
    def _rate(part: int, whole: int) -> Optional[float]:
        return part / whole if whole else None

    @property
    def self_resolution_rate(self) -> Optional[float]:
        return self._rate(self.self_resolved, self.conversations)

    @property
    def handoff_rate(self) -> Optional[float]:
        return self._rate(self.handoffs, self.conversations)

    @property
    def up_rate(self) -> Optional[float]:
        return self._rate(self.rated_up, self.rated)

    @property
    def satisfaction_rate(self) -> Optional[float]:
        return self._rate(self.tickets_satisfied, self.tickets_rated)


@dataclass(frozen=True)
class Figures:
    days: tuple[DayFigures, ...]  # oldest first, every day of the period (days without traffic too)
    total: DayFigures


def day_window(days: int, today: date) -> tuple[datetime, datetime]:
    """[start, end) in UTC of the `days` China-time days ending with `today`."""
    start = datetime.combine(today - timedelta(days=days - 1), datetime.min.time(), CHINA_TIME)
    return start.astimezone(UTC), (start + timedelta(days=days)).astimezone(UTC)


def daily_figures(
    records: Iterable[AnswerRecord], tickets: Iterable[Ticket], first_day: date, last_day: date
) -> Figures:
    by_day_records: dict[date, list[AnswerRecord]] = {}
    for record in records:
        by_day_records.setdefault(china_day(record.created_at), []).append(record)
    by_day_tickets: dict[date, list[Ticket]] = {}
    for ticket in tickets:
        by_day_tickets.setdefault(china_day(ticket.created_at), []).append(ticket)
    days, subjects_all = [], Counter()
    day = first_day
    while day <= last_day:
        figures, subjects = _one_day(day, by_day_records.get(day, []), by_day_tickets.get(day, []))
        days.append(figures)
        subjects_all.update(subjects)
        day += timedelta(days=1)
    sums = {
        name: sum(getattr(d, name) for d in days)
        for name in (
            "conversations",
            "replies",
            "answered",
            "self_resolved",
            "handoffs",
            "rated",
            "rated_up",
            "tickets_rated",
            "tickets_satisfied",
        )
    }
    total = DayFigures(None, **sums, unanswered_subjects=tuple(subjects_all.most_common(TOP_SUBJECTS)))
    return Figures(tuple(days), total)


def _one_day(day: date, records: list[AnswerRecord], tickets: list[Ticket]) -> tuple[DayFigures, Counter]:
    handed_off = {t.conversation_id for t in tickets}
    asked = {r.conversation_id for r in records if r.outcome != CHITCHAT} | handed_off
    answered = {r.conversation_id for r in records if r.outcome == ANSWERED}
    rated_down = {r.conversation_id for r in records if r.rating is AnswerRating.DOWN}
    rated = [r for r in records if r.rating is not None]
    rated_tickets = [t for t in tickets if t.rating is not None]
    subjects = Counter(r.subject for r in records if r.outcome == ROUTED and r.subject)
    figures = DayFigures(
        day,
        conversations=len(asked),
        replies=len(records),
        answered=sum(r.outcome == ANSWERED for r in records),
        self_resolved=len((answered & asked) - handed_off - rated_down),
        handoffs=len(handed_off),
        rated=len(rated),
        rated_up=sum(r.rating is AnswerRating.UP for r in rated),
        tickets_rated=len(rated_tickets),
        tickets_satisfied=sum(t.rating is Rating.SATISFIED for t in rated_tickets),
        unanswered_subjects=tuple(subjects.most_common(TOP_SUBJECTS)),
    )
    return figures, subjects


CSV_COLUMNS = (
    ("日期", lambda d: d.day.isoformat() if d.day else "合计"),
    ("会话数", lambda d: d.conversations),
    ("答复数", lambda d: d.replies),
    ("给出知识的答复数", lambda d: d.answered),
    ("自助解决会话数", lambda d: d.self_resolved),
    ("自助解决率", lambda d: d.self_resolution_rate),
    ("转人工会话数", lambda d: d.handoffs),
    ("转人工率", lambda d: d.handoff_rate),
    ("评价的答复数", lambda d: d.rated),
    ("👍数", lambda d: d.rated_up),
    ("👍率", lambda d: d.up_rate),
    ("评价的人工服务数", lambda d: d.tickets_rated),
    ("满意数", lambda d: d.tickets_satisfied),
    ("人工服务满意率", lambda d: d.satisfaction_rate),
    ("最常问的未答主题", lambda d: "；".join(f"{s}（{n}）" for s, n in d.unanswered_subjects)),
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    """A spreadsheet must not run a cell as a formula: text starting with = + - @ gets a leading '."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}"
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def figures_csv(figures: Figures) -> str:
    """UTF-8 CSV with a byte-order mark (Excel then reads the Chinese right); one row a day and a total."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([name for name, _ in CSV_COLUMNS])
    for day in (*figures.days, figures.total):
        writer.writerow([csv_cell(value(day)) for _, value in CSV_COLUMNS])
    return "\ufeff" + out.getvalue()


# --- the review desk: the list, the operator's actions, the figures, over the desk database ---------------


class ReviewConflict(Exception):
    """The records are not (any more) one group of the review list; the message is for the operator."""


@dataclass(frozen=True)
class ActionResult:
    group: ReviewGroup
    reviewed: int
    examples: Optional[knowledge_edit.ExamplesAdded] = None
    draft: Optional[Path] = None


class ReviewDesk:
    """The review list and figures from the answer log and the hand-off tickets (desk database,
    HANDOFF_DB_URL), and the knowledge directory the operator's actions write to."""

    def __init__(self, url: Optional[str] = None, knowledge_dir: Optional[Path] = None) -> None:
        self.url = url or database_url("HANDOFF_DB_URL", "handoff.db")
        self.log = AnswerLog(self.url)
        engine = create_engine(self.url)
        upgrade_schema(engine, Base.metadata)
        self._session = sessionmaker(engine, future=True, expire_on_commit=False)
        self._knowledge_dir = knowledge_dir
        # An action checks its group and marks it reviewed in one step: two operators cannot both act on it.
        self._lock = threading.Lock()

    @property
    def knowledge_dir(self) -> Path:
        return Path(self._knowledge_dir or knowledge_edit.knowledge_dir())

    def candidates(self, limit: int = MAX_REVIEW_RECORDS) -> list[AnswerRecord]:
        """The newest unreviewed records that may need review (review_reasons decides), one query."""
        needs = or_(
            AnswerRow.outcome.in_(UNANSWERED_OUTCOMES),
            and_(AnswerRow.outcome == ANSWERED, AnswerRow.confidence < LOW_CONFIDENCE),
            AnswerRow.rating == AnswerRating.DOWN.value,
        )
        query = (
            select(AnswerRow)
            .where(AnswerRow.reviewed_at.is_(None), needs)
            .order_by(AnswerRow.created_at.desc(), AnswerRow.id.desc())
            .limit(limit)
        )
        with self._session() as session:
            return [AnswerRecord.from_row(row) for row in session.execute(query).scalars()]

    def groups(self) -> list[ReviewGroup]:
        return group_records(self.candidates())

    def group_of(self, ids: Sequence[int]) -> ReviewGroup:
        """The current group all `ids` belong to (a part of it is fine: questions may have joined since)."""
        wanted = set(ids)
        if not wanted:
            raise ReviewConflict("没有选择任何记录")
        for group in self.groups():
            if wanted & set(group.record_ids):
                if wanted <= set(group.record_ids):
                    return group
                break
        raise ReviewConflict("这些记录不是复核列表中的同一组（可能已被处理，或列表已更新），请刷新后重试")

    def _act(self, ids: Sequence[int], action: str, operator: str, work) -> ActionResult:
        """Check that `ids` are (part of) one current group, do `work` with the group and the questions of
        those records, then take the records off the list."""
        with self._lock:
            group = self.group_of(ids)
            wanted = set(ids)
            done = work(group, [r.question for r in group.records if r.id in wanted])
            reviewed = self.log.mark_reviewed(ids, f"{action} by {operator}")
        return ActionResult(group, reviewed, **done)

    def add_examples(self, ids: Sequence[int], fact_id: str, operator: str) -> ActionResult:
        def work(group: ReviewGroup, questions: list[str]) -> dict:
            return {"examples": knowledge_edit.add_examples(fact_id, questions, self.knowledge_dir)}

        return self._act(ids, f"examples for {fact_id}", operator, work)

    def write_draft(self, ids: Sequence[int], operator: str, today: Optional[date] = None) -> ActionResult:
        def work(group: ReviewGroup, questions: list[str]) -> dict:
            day = today or datetime.now(CHINA_TIME).date()
            path = knowledge_edit.write_draft(
                questions, day, group.subjects, group.fact_ids, operator, self.knowledge_dir
            )
            return {"draft": path}

        return self._act(ids, "new-fact draft", operator, work)

    def dismiss(self, ids: Sequence[int], operator: str) -> ActionResult:
        return self._act(ids, "dismissed", operator, lambda group, questions: {})

    def tickets(self, since: datetime, until: datetime) -> list[Ticket]:
        query = select(TicketRow).where(TicketRow.created_at >= since, TicketRow.created_at < until)
        with self._session() as session:
            return [Ticket.from_row(row) for row in session.execute(query).scalars()]

    def figures(self, days: int, today: Optional[date] = None) -> Figures:
        days = max(1, min(MAX_DAYS, days))
        today = today or datetime.now(CHINA_TIME).date()
        since, until = day_window(days, today)
        return daily_figures(
            self.log.records(since, until), self.tickets(since, until), today - timedelta(days=days - 1), today
        )
