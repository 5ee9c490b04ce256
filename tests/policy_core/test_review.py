"""The review list (which records, grouped how, in which order), the daily figures and their CSV, from a
hand-made answer log and hand-made tickets with known answers."""

import csv
import io
import shutil
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from policy_core import PolicyService, Question, respond
from policy_core.answer_log import AnswerLog, AnswerRating, AnswerRecord
from policy_core.answers import CHINA_TIME
from policy_core.config import PROJECT_ROOT
from policy_core.handoff import HandoffQueue, HandoffReason, Rating, Ticket, TicketStatus
from policy_core.knowledge_base import load_knowledge_base
from policy_core.review import (
    CONTEXT_REASONS,
    LOW_CONFIDENCE,
    ReviewConflict,
    ReviewDesk,
    csv_cell,
    daily_figures,
    figures_csv,
    group_records,
    review_reasons,
)

NOW = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)  # 12:00 in China


def record(
    id,
    question,
    outcome="routed",
    at=NOW,
    conversation="c1",
    subject=None,
    confidence=0.9,
    rating=None,
    fact_ids=(),
    channel="rest",
    topic=None,
    gate_reason=None,
):
    return AnswerRecord(
        id,
        at,
        conversation,
        channel,
        question,
        outcome,
        topic,
        tuple(fact_ids),
        confidence,
        subject,
        gate_reason,
        rating,
        None,
        None,
        None,
    )


def ticket(id, conversation, at, rating=None):
    return Ticket(
        id,
        conversation,
        "rest",
        HandoffReason.ASKED_FOR_HUMAN,
        TicketStatus.CLOSED,
        "wang",
        None,
        None,
        at,
        rating=rating,
    )


# --- what is on the list -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes,reasons",
    [
        ({"outcome": "routed", "subject": "社保卡补办"}, ("routed",)),
        ({"outcome": "not_understood"}, ("not_understood",)),
        ({"outcome": "out_of_domain", "question": "护照过期了去哪换新的"}, ()),
        ({"outcome": "out_of_domain", "rating": AnswerRating.DOWN}, ("rated_down",)),
        ({"outcome": "declined"}, ()),
        ({"outcome": "chitchat"}, ()),
        ({"outcome": "answered", "confidence": 0.95}, ()),
        ({"outcome": "answered", "confidence": LOW_CONFIDENCE - 0.01}, ("low_confidence",)),
        ({"outcome": "answered", "confidence": LOW_CONFIDENCE}, ()),
        ({"outcome": "answered", "confidence": None}, ()),
        ({"outcome": "answered", "confidence": 0.9, "rating": AnswerRating.DOWN}, ("rated_down",)),
        ({"outcome": "answered", "confidence": 0.2, "rating": AnswerRating.DOWN}, ("low_confidence", "rated_down")),
        ({"outcome": "answered", "confidence": 0.2, "rating": AnswerRating.UP}, ("low_confidence",)),
        ({"outcome": "declined", "rating": AnswerRating.DOWN}, ("rated_down",)),
        ({"outcome": "routed", "question": "我要转人工"}, ()),  # a request for a person, not a gap
        ({"outcome": "not_understood", "question": "我要找真人客服"}, ()),
        ({"outcome": "answered", "confidence": 0.1, "question": "/account_arrival"}, ()),  # a button
        ({"outcome": "not_understood", "question": "   "}, ()),
    ],
)
def test_which_records_need_review(changes, reasons):
    base = record(1, "社保卡丢了怎么补办")
    assert review_reasons(replace(base, **changes)) == reasons


def test_a_follow_up_answered_in_the_conversations_topic_is_not_low_confidence():
    """ "退休" after a question on the arrival date: NLU is unsure of the words alone, the answer is right."""
    service = PolicyService.load(today=lambda: date(2026, 12, 1))
    reply = respond(
        service,
        Question(
            "退休",
            intent="inform",
            ranking=(("inform", 0.2),),
            last_topic="account_arrival",
            entity_categories=("retired",),
        ),
    )
    assert reply.outcome == "answered" and reply.gate_reason.startswith(CONTEXT_REASONS)
    follow_up = record(1, "退休", "answered", confidence=0.2, gate_reason=reply.gate_reason)
    assert review_reasons(follow_up) == ()
    assert review_reasons(replace(follow_up, rating=AnswerRating.DOWN)) == ("rated_down",)
    assert review_reasons(replace(follow_up, gate_reason="subject and aspect named")) == ("low_confidence",)


# --- groups ---------------------------------------------------------------------------------------------


def test_similar_wordings_form_one_group_with_its_counts_facts_and_subjects():
    minute = timedelta(minutes=1)
    records = [
        record(1, "社保卡丢了怎么补办？", at=NOW, subject="社保卡补办"),
        record(2, "社保卡丢了怎么补办", at=NOW + minute, conversation="c2", subject="社保卡补办"),
        record(3, "社保卡丢了去哪补办", at=NOW + 2 * minute, conversation="c3", subject="社保卡补办"),
        record(4, "醫保電子憑證怎麼激活", at=NOW + 3 * minute, outcome="not_understood"),  # traditional characters
        record(5, "医保电子凭证怎么激活", at=NOW + 4 * minute, outcome="answered", confidence=0.3, fact_ids=["f1"]),
        record(
            6,
            "医保电子凭证怎么激活呢",
            at=NOW + 5 * minute,
            outcome="answered",
            rating=AnswerRating.DOWN,
            fact_ids=["f1"],
        ),
        record(7, "今天天气怎么样", at=NOW + 6 * minute, outcome="chitchat"),  # not on the list
        record(8, "失业金每个月能领多少钱", at=NOW + 7 * minute, subject="失业保险金标准"),
    ]
    groups = group_records(records)
    by_first = {g.id: g for g in groups}
    assert set(by_first) == {1, 4, 8}

    card = by_first[1]
    assert card.count == 3 and card.record_ids == (3, 2, 1)  # newest first
    assert card.questions == (("社保卡丢了去哪补办", 1), ("社保卡丢了怎么补办", 1), ("社保卡丢了怎么补办？", 1))
    assert card.first == NOW and card.newest == NOW + 2 * minute
    assert card.reasons == (("routed", 3),) and card.subjects == ("社保卡补办",) and card.fact_ids == ()

    voucher = by_first[4]
    assert voucher.record_ids == (6, 5, 4) and voucher.fact_ids == ("f1",)
    assert dict(voucher.reasons) == {"not_understood": 1, "low_confidence": 1, "rated_down": 1}
    assert by_first[8].count == 1


def test_the_same_words_taken_for_two_things_are_two_groups():
    later = [NOW + timedelta(seconds=i) for i in range(6)]
    groups = group_records(
        [
            record(1, "年限能加在一起吗", "answered", later[0], confidence=0.3, topic="pension_transfer"),
            record(2, "年限能合在一起算吗", "routed", later[1], subject="失业保险金的申领"),
            record(3, "年限能合在一起吗", "answered", later[2], confidence=0.3, topic="pension_transfer"),
            record(4, "年限能加在一起吗", "answered", later[3], rating=AnswerRating.DOWN, topic="unemployment_period"),
            record(5, "年限能加到一起吗", "not_understood", later[4]),  # taken for nothing: joins the closest
        ]
    )
    assert sorted(g.record_ids for g in groups) == [(2,), (4,), (5, 3, 1)]


def test_the_same_words_sent_to_two_routing_subjects_are_two_groups():
    groups = group_records(
        [
            record(1, "这个怎么办理", subject="社保卡补办"),
            record(2, "这个怎么办理", subject="异地就医备案", at=NOW + timedelta(seconds=1)),
            record(3, "这个怎么办理呢", at=NOW + timedelta(seconds=2), outcome="not_understood"),  # no subject
        ]
    )
    assert sorted(g.record_ids for g in groups) == [(2,), (3, 1)]


def test_dissimilar_questions_stay_apart():
    groups = group_records(
        [record(1, "社保卡丢了怎么补办"), record(2, "公积金贷款最多能贷多少", at=NOW + timedelta(1))]
    )
    assert len(groups) == 2


def test_order_latest_day_first_then_most_frequent_then_newest():
    yesterday, today = NOW - timedelta(days=1), NOW
    records = [
        # A: five times, the last yesterday.
        *[record(10 + i, "公积金贷款最多能贷多少", at=yesterday + timedelta(minutes=i)) for i in range(5)],
        # B: once, today late.
        record(20, "社保卡丢了怎么补办", at=today + timedelta(hours=3)),
        # C: three times today, the last earlier than B.
        *[record(30 + i, "失业金每个月能领多少钱", at=today + timedelta(minutes=i)) for i in range(3)],
        # D: once today, earlier than C's last.
        record(40, "新生儿怎么参加医保", at=today - timedelta(hours=1)),
    ]
    assert [g.id for g in group_records(records)] == [30, 20, 40, 10]


def test_a_group_keeps_its_id_when_newer_questions_join():
    first = group_records([record(1, "社保卡丢了怎么补办"), record(2, "社保卡丢了去哪补办", at=NOW + timedelta(1))])
    later = group_records(
        [
            record(1, "社保卡丢了怎么补办"),
            record(2, "社保卡丢了去哪补办", at=NOW + timedelta(1)),
            record(3, "社保卡丢了怎么办理补办", at=NOW + timedelta(2)),
        ]
    )
    assert [g.id for g in first] == [1] and [(g.id, g.record_ids) for g in later] == [(1, (3, 2, 1))]


# --- figures -----------------------------------------------------------------------------------------


def china(day, hour, minute=0):
    return datetime(2026, 11, day, hour, minute, tzinfo=CHINA_TIME)


def test_daily_figures_from_a_known_log():
    records = [
        # 30 November (China time)
        record(1, "q", "answered", china(30, 10), "a"),
        record(2, "q", "answered", china(30, 10, 1), "a", rating=AnswerRating.UP),
        record(3, "q", "answered", china(30, 11), "b", rating=AnswerRating.DOWN),
        record(4, "q", "routed", china(30, 12), "c", subject="社保卡补办"),
        record(5, "你好", "chitchat", china(30, 12), "d"),
        record(6, "q", "routed", china(30, 13), "e", subject="社保卡补办"),
        record(7, "q", "routed", china(30, 13, 1), "e", subject="异地就医备案"),
        record(8, "q", "answered", china(30, 14), "e"),
        # 1 December, 00:30 in China: still 30 November in UTC.
        record(9, "q", "answered", datetime(2026, 11, 30, 16, 30, tzinfo=UTC), "a"),
        record(10, "我要转人工", "routed", datetime(2026, 12, 1, 2, 0, tzinfo=UTC), "f"),
    ]
    tickets = [
        ticket(1, "c", china(30, 12, 5), Rating.SATISFIED),
        ticket(2, "f", datetime(2026, 12, 1, 2, 1, tzinfo=UTC), Rating.UNSATISFIED),
        ticket(3, "g", datetime(2026, 12, 1, 3, 0, tzinfo=UTC)),  # only a ticket (a button), not yet rated
    ]
    figures = daily_figures(records, tickets, date(2026, 11, 30), date(2026, 12, 2))
    first, second, third = figures.days
    assert first.day == date(2026, 11, 30)
    assert (first.conversations, first.replies, first.answered) == (4, 8, 4)  # a b c e; d only chatted
    assert first.self_resolved == 2  # a, and e (answered, no ticket, no 👎); b got 👎, c was handed off
    assert first.handoffs == 1 and first.handoff_rate == 0.25 and first.self_resolution_rate == 0.5
    assert (first.rated, first.rated_up, first.up_rate) == (2, 1, 0.5)
    assert (first.tickets_rated, first.tickets_satisfied, first.satisfaction_rate) == (1, 1, 1.0)
    assert first.unanswered_subjects == (("社保卡补办", 2), ("异地就医备案", 1))

    assert second.day == date(2026, 12, 1)
    assert (second.conversations, second.self_resolved, second.handoffs) == (3, 1, 2)  # a, f, g
    assert second.up_rate is None and second.rated == 0
    assert (second.tickets_rated, second.satisfaction_rate) == (1, 0.0)
    assert second.unanswered_subjects == ()

    assert third.day == date(2026, 12, 2) and third.conversations == 0
    assert third.self_resolution_rate is None and third.handoff_rate is None and third.satisfaction_rate is None

    total = figures.total
    assert total.day is None
    assert (total.conversations, total.self_resolved, total.handoffs) == (7, 3, 3)
    assert total.self_resolution_rate == pytest.approx(3 / 7) and total.up_rate == 0.5
    assert (total.tickets_rated, total.tickets_satisfied) == (2, 1)
    assert total.unanswered_subjects == (("社保卡补办", 2), ("异地就医备案", 1))


def test_the_csv_has_a_bom_a_row_a_day_and_a_total_and_no_formulas():
    records = [
        record(1, "q", "routed", china(30, 9), "a", subject='=HYPERLINK("http://evil")'),
        record(2, "q", "answered", china(30, 9), "b", rating=AnswerRating.UP),
    ]
    text = figures_csv(daily_figures(records, [], date(2026, 11, 29), date(2026, 11, 30)))
    assert text.startswith("\ufeff日期,会话数,")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    header = rows[0]
    assert [r[0] for r in rows[1:]] == ["2026-11-29", "2026-11-30", "合计"]
    day = dict(zip(header, rows[2]))
    assert day["会话数"] == "2" and day["自助解决会话数"] == "1" and day["自助解决率"] == "0.5000"
    assert day["👍率"] == "1.0000" and day["人工服务满意率"] == ""
    assert day["最常问的未答主题"] == '\'=HYPERLINK("http://evil")（1）'
    assert dict(zip(header, rows[1]))["会话数"] == "0" and dict(zip(header, rows[1]))["自助解决率"] == ""


@pytest.mark.parametrize(
    "value,cell",
    [
        ("=1+1", "'=1+1"),
        ("+SUM(A1)", "'+SUM(A1)"),
        ("-2", "'-2"),
        ("@cmd", "'@cmd"),
        ("\t=x", "'\t=x"),
        ("社保", "社保"),
        (3, "3"),
        (0.25, "0.2500"),
        (None, ""),
    ],
)
def test_csv_cells_never_start_a_formula(value, cell):
    assert csv_cell(value) == cell


# --- the desk over a real database and a copy of the knowledge --------------------------------------------


@pytest.fixture
def desk(tmp_path):
    knowledge = tmp_path / "knowledge"
    knowledge.mkdir()
    for path in (PROJECT_ROOT / "knowledge").glob("*.yml"):
        shutil.copyfile(path, knowledge / path.name)
    url = f"sqlite:///{tmp_path / 'handoff.db'}"
    return ReviewDesk(url, knowledge), AnswerLog(url), HandoffQueue(url), knowledge


def test_desk_lists_acts_on_one_group_and_refuses_others(desk):
    review, log, _, knowledge = desk
    lost = [
        log.record(f"r{i}", "rest", text, "routed", subject="社保卡补办")
        for i, text in enumerate(["社保卡丢了怎么补办", "社保卡丢了去哪补办"])
    ]
    other = log.record("r9", "rest", "公积金贷款最多能贷多少", "not_understood")
    answered = log.record(
        "r8", "rest", "失业金能领多久", "answered", fact_ids=["cn_unemployment_benefit_period"], confidence=0.95
    )
    assert [sorted(g.record_ids) for g in review.groups()] == [lost, [other]]  # the same day: the larger first
    with pytest.raises(ReviewConflict):
        review.dismiss([lost[0], other], "ops")  # two groups
    with pytest.raises(ReviewConflict):
        review.dismiss([answered], "ops")  # not on the list
    with pytest.raises(ReviewConflict):
        review.dismiss([999], "ops")
    assert all(r.reviewed_at is None for r in log.records())

    result = review.dismiss([other], "ops")
    assert result.reviewed == 1 and log.answer(other).review_action == "dismissed by ops"
    with pytest.raises(ReviewConflict):
        review.dismiss([other], "ops")  # already reviewed

    result = review.write_draft(lost, "ops", today=date(2026, 12, 1))
    assert result.draft == knowledge / "drafts" / "2026-12-01-1.yml" and result.reviewed == 2
    assert "社保卡丢了去哪补办" in result.draft.read_text(encoding="utf-8")
    assert review.groups() == []
    assert len(load_knowledge_base(knowledge).facts) == len(load_knowledge_base(PROJECT_ROOT / "knowledge").facts)


def test_desk_adds_a_groups_questions_as_examples(desk):
    review, log, _, knowledge = desk
    ids = [
        log.record(
            "r1",
            "rest",
            "失业金最长领几个月呀",
            "answered",
            confidence=0.3,
            fact_ids=["cn_unemployment_benefit_period"],
        )
    ]
    ids.append(log.record("r2", "rest", "失业金最长领几个月", "answered", fact_ids=["cn_unemployment_benefit_period"]))
    log.rate(ids[1], "r2", AnswerRating.DOWN)
    [group] = review.groups()
    assert set(group.record_ids) == set(ids) and group.fact_ids == ("cn_unemployment_benefit_period",)
    result = review.add_examples(ids, "cn_unemployment_benefit_period", "ops")
    assert set(result.examples.added) == {"失业金最长领几个月呀", "失业金最长领几个月"} and result.reviewed == 2
    fact = next(f for f in load_knowledge_base(knowledge).facts if f.id == "cn_unemployment_benefit_period")
    assert fact.questions[-2:] == ("失业金最长领几个月", "失业金最长领几个月呀")  # newest first
    assert log.answer(ids[0]).review_action == "examples for cn_unemployment_benefit_period by ops"
    assert review.groups() == []


def test_desk_figures_count_todays_tickets_and_ratings(desk):
    review, log, queue, _ = desk
    assert review.figures(7).total.conversations == 0
    answer = log.record("r1", "rest", "失业金能领多久", "answered", fact_ids=["x"], confidence=0.9)
    log.rate(answer, "r1", AnswerRating.UP)
    log.record("r2", "rest", "我要转人工", "routed")
    opened = queue.open_ticket("r2", "rest", HandoffReason.ASKED_FOR_HUMAN)
    queue.take(opened.id, "wang")
    queue.close(opened.id, "wang")
    queue.record_rating("r2", Rating.SATISFIED)
    figures = review.figures(7)
    assert len(figures.days) == 7 and figures.days[-1].day == datetime.now(CHINA_TIME).date()
    today = figures.days[-1]
    assert (today.conversations, today.self_resolved, today.handoffs) == (2, 1, 1)
    assert (today.up_rate, today.satisfaction_rate) == (1.0, 1.0)
    assert figures.days[0].conversations == 0
    assert review.figures(10**6).days[0].day == datetime.now(CHINA_TIME).date() - timedelta(days=365)


def test_the_list_reads_only_the_newest_records_that_may_need_review(desk):
    review, log, _, _ = desk
    start = datetime.now(UTC) - timedelta(hours=1)
    routed = [log.record(f"r{i}", "rest", f"问题{i}", "routed", at=start + timedelta(minutes=i)) for i in range(5)]
    for i in range(3):
        log.record(f"a{i}", "rest", "失业金能领多久", "answered", confidence=0.9, at=start + timedelta(minutes=10 + i))
    assert [r.id for r in review.candidates(limit=3)] == routed[:1:-1]
    assert len(review.candidates()) == 5
