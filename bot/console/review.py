"""The review page of the agent console (/console/review), for operators and supervisors.

What residents asked that the assistant could not answer, answered unsurely or that got 👎, in groups of
similar wording (policy_core/review.py), with one action per group: add the questions as examples of a
fact, write a new-fact draft, or dismiss them; and the daily figures as charts and as CSV.

Every route needs a logged-in operator or supervisor (the console's login, CSRF and origin checks); an
action names the records of one group as the page showed it, and is refused when they are not (or no
longer) one group of the list, so a forged or stale list cannot mark other records reviewed.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any, Callable

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.security_headers import CONSOLE_HEADERS
from policy_core import knowledge_edit
from policy_core.answers import CHINA_TIME
from policy_core.logsafe import log_value
from policy_core.review import (
    GROUP_SIMILARITY,
    LOW_CONFIDENCE,
    MAX_ACTION_IDS,
    MAX_DAYS,
    REASON_LABELS,
    DayFigures,
    ReviewConflict,
    ReviewDesk,
    ReviewGroup,
    figures_csv,
)

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 16 * 1024  # MAX_ACTION_IDS ids and a fact id fit easily
MAX_FACT_ID_CHARS = 100
MAX_GROUPS = 200  # shown at a time; the rest follow as groups are dealt with
SHOWN_QUESTIONS = 20
DEFAULT_DAYS = 30


class BadRequest(ValueError):
    pass


def review_routes(
    console: Blueprint,
    needs_operator: Callable,
    api_error: Callable[[int, str], HTTPResponse],
    desk: Callable[[], ReviewDesk],
    page: Callable[[str], str],
) -> None:
    def ids_of(request: Request) -> tuple[list[int], dict[str, Any]] | HTTPResponse:
        if len(request.body or b"") > MAX_BODY_BYTES:
            return api_error(413, "请求太大")
        body = request.json if isinstance(request.json, dict) else None
        ids = body.get("ids") if body else None
        if (
            not isinstance(ids, list)
            or not 1 <= len(ids) <= MAX_ACTION_IDS
            or not all(isinstance(i, int) and not isinstance(i, bool) and 0 < i < 2**63 for i in ids)
            or len(set(ids)) != len(ids)
        ):
            return api_error(400, f"ids 必须是 1–{MAX_ACTION_IDS} 个不重复的记录编号")
        return ids, body

    async def act(request: Request, agent: str, work: Callable[[list[int], dict], Any]) -> HTTPResponse:
        parsed = ids_of(request)
        if isinstance(parsed, HTTPResponse):
            return parsed
        ids, body = parsed
        try:
            result = await asyncio.to_thread(work, ids, body)
        except BadRequest as bad:
            return api_error(400, str(bad))
        except ReviewConflict as conflict:
            return api_error(409, str(conflict))
        except knowledge_edit.UnknownFact as unknown:
            return api_error(404, str(unknown))
        except knowledge_edit.KnowledgeEditError as refused:
            return api_error(409, str(refused))
        return response.json(
            {"reviewed": result.reviewed, "group": result.group.id, **extra(result)}, headers=CONSOLE_HEADERS
        )

    def extra(result) -> dict[str, Any]:
        if result.examples is not None:
            return {
                "fact_id": result.examples.fact.id,
                "file": result.examples.fact.file,
                "added": list(result.examples.added),
                "already_there": list(result.examples.already_there),
            }
        if result.draft is not None:
            return {"draft": f"{knowledge_edit.DRAFTS_DIR}/{result.draft.name}"}
        return {}

    @console.get("/review")
    @needs_operator
    async def review_page(request: Request, agent: str) -> HTTPResponse:
        return response.html(page("review.html"), headers=CONSOLE_HEADERS)

    @console.get("/api/review/groups")
    @needs_operator
    async def groups(request: Request, agent: str) -> HTTPResponse:
        found = await asyncio.to_thread(desk().groups)
        return response.json(
            {
                "groups": [_group_json(g) for g in found[:MAX_GROUPS]],
                "total_groups": len(found),
                "total_records": sum(g.count for g in found),
                "settings": {"low_confidence": LOW_CONFIDENCE, "similarity": GROUP_SIMILARITY},
            },
            headers=CONSOLE_HEADERS,
        )

    @console.get("/api/review/facts")
    @needs_operator
    async def facts(request: Request, agent: str) -> HTTPResponse:
        """Every fact (id, title, where, file) for the examples action's searchable list."""
        try:
            knowledge = await asyncio.to_thread(knowledge_edit.load, desk().knowledge_dir)
        except knowledge_edit.KnowledgeEditError as broken:
            return api_error(409, str(broken))
        return response.json(
            {
                "facts": [
                    {"id": f.id, "title": f.title, "region": f.region, "topic": f.topic, "file": f.file}
                    for f in knowledge.facts
                ]
            },
            headers=CONSOLE_HEADERS,
        )

    @console.post("/api/review/examples")
    @needs_operator
    async def examples(request: Request, agent: str) -> HTTPResponse:
        def work(ids: list[int], body: dict):
            fact_id = body.get("fact_id")
            if not isinstance(fact_id, str) or not fact_id.strip() or len(fact_id) > MAX_FACT_ID_CHARS:
                raise BadRequest("请选择一条知识")
            result = desk().add_examples(ids, fact_id.strip(), agent)
            logger.info(
                "review: %s added %d examples to %s (%d records reviewed)",
                agent,
                len(result.examples.added),
                log_value(fact_id),
                result.reviewed,
            )
            return result

        return await act(request, agent, work)

    @console.post("/api/review/draft")
    @needs_operator
    async def draft(request: Request, agent: str) -> HTTPResponse:
        def work(ids: list[int], _body: dict):
            result = desk().write_draft(ids, agent)
            logger.info("review: %s wrote the draft %s (%d records reviewed)", agent, result.draft, result.reviewed)
            return result

        return await act(request, agent, work)

    @console.post("/api/review/dismiss")
    @needs_operator
    async def dismiss(request: Request, agent: str) -> HTTPResponse:
        def work(ids: list[int], _body: dict):
            result = desk().dismiss(ids, agent)
            logger.info("review: %s dismissed %d records", agent, result.reviewed)
            return result

        return await act(request, agent, work)

    @console.get("/api/review/figures")
    @needs_operator
    async def figures(request: Request, agent: str) -> HTTPResponse:
        days = _days(request)
        measured = await asyncio.to_thread(desk().figures, days)
        return response.json(
            {"days": [_day_json(d) for d in measured.days], "total": _day_json(measured.total)},
            headers=CONSOLE_HEADERS,
        )

    @console.get("/api/review/figures.csv")
    @needs_operator
    async def figures_export(request: Request, agent: str) -> HTTPResponse:
        days = _days(request)
        measured = await asyncio.to_thread(desk().figures, days)
        name = f"review-figures-{datetime.now(CHINA_TIME):%Y%m%d}-{days}d.csv"
        return response.text(
            figures_csv(measured),
            content_type="text/csv; charset=utf-8",
            headers={**CONSOLE_HEADERS, "Content-Disposition": f'attachment; filename="{name}"'},
        )


def _days(request: Request) -> int:
    try:
        return min(MAX_DAYS, max(1, int(request.args.get("days", DEFAULT_DAYS))))
    except (TypeError, ValueError):
        return DEFAULT_DAYS


def _group_json(group: ReviewGroup) -> dict[str, Any]:
    return {
        "id": group.id,
        "ids": list(group.record_ids[:MAX_ACTION_IDS]),
        "count": group.count,
        "first": group.first.timestamp(),
        "newest": group.newest.timestamp(),
        "questions": [{"text": text, "count": count} for text, count in group.questions[:SHOWN_QUESTIONS]],
        "more_questions": max(0, len(group.questions) - SHOWN_QUESTIONS),
        "reasons": [{"reason": r, "label": REASON_LABELS[r], "count": n} for r, n in group.reasons],
        "fact_ids": list(group.fact_ids),
        "subjects": list(group.subjects),
        "channels": list(group.channels),
    }


def _rate(value: Any) -> Any:
    return round(value, 4) if isinstance(value, float) else value


def _day_json(day: DayFigures) -> dict[str, Any]:
    return {
        "day": day.day.isoformat() if day.day else None,
        "conversations": day.conversations,
        "replies": day.replies,
        "answered": day.answered,
        "self_resolved": day.self_resolved,
        "handoffs": day.handoffs,
        "rated": day.rated,
        "rated_up": day.rated_up,
        "tickets_rated": day.tickets_rated,
        "tickets_satisfied": day.tickets_satisfied,
        "self_resolution_rate": _rate(day.self_resolution_rate),
        "handoff_rate": _rate(day.handoff_rate),
        "up_rate": _rate(day.up_rate),
        "satisfaction_rate": _rate(day.satisfaction_rate),
        "unanswered_subjects": [{"subject": s, "count": n} for s, n in day.unanswered_subjects],
    }
