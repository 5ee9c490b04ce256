"""The agent console, served by the Rasa server as an input channel at /console/.

Agents log in (accounts: bot/console/accounts.py), see the hand-off queue, read a conversation's
transcript from the tracker store, take a ticket, reply (the reply reaches the resident on their own
channel, also while the bot is paused) and close it; closing resumes the bot, which asks for a rating.
Every page, file and API call except the login form needs a logged-in session.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from functools import cached_property
from pathlib import Path
from typing import Any, Awaitable, Callable, Optional

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.server import update_conversation_with_events
from rasa.shared.core.events import ActionExecuted, BotUttered, ConversationResumed, Event, SlotSet
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from policy_core.answers import CHINA_TIME
from policy_core.privacy import mask_personal_data
from policy_core.handoff import HandoffQueue, Ticket, TicketConflict, TicketStatus

from .accounts import authenticate, load_accounts
from .sessions import SessionStore

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).with_name("static")
STATIC_FILES = {"console.js": "application/javascript; charset=utf-8", "console.css": "text/css; charset=utf-8"}
COOKIE = "console_session"
MAX_REPLY_LENGTH = 2000
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; "
                               "img-src 'self' data:; base-uri 'none'; object-src 'none'; frame-ancestors 'none'",
}
# The login form is the one page without a session; it has inline styles and posts to itself.
LOGIN_HEADERS = {**SECURITY_HEADERS, "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                                                                 "form-action 'self'; frame-ancestors 'none'"}
RATING_QUESTION = "工作人员已结束本次服务，接下来由政策通智能助手继续为您服务。请问您的问题解决了吗？"
RATING_BUTTONS = [{"title": "满意，已解决", "payload": "/affirm"}, {"title": "不满意", "payload": "/complain"}]


class AgentConsoleInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "console"

    def url_prefix(self) -> str:
        return "/console"  # absolute: served at /console/, not under /webhooks/

    @classmethod
    def from_credentials(cls, credentials: Optional[dict[str, Any]]) -> "AgentConsoleInput":
        return cls()

    @cached_property
    def queue(self) -> HandoffQueue:
        return HandoffQueue()

    @cached_property
    def sessions(self) -> SessionStore:
        return SessionStore()

    def get_output_channel(self) -> Optional[OutputChannel]:
        return None  # agents are not residents: nothing is ever sent to the console this way

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        console = Blueprint("agent_console", __name__)

        def agent_of(request: Request) -> Optional[str]:
            return self.sessions.agent_for(request.cookies.get(COOKIE))

        def api_error(status: int, message: str) -> HTTPResponse:
            return response.json({"error": message}, status=status, headers=SECURITY_HEADERS)

        def needs_agent(handler):
            async def wrapped(request: Request, *args, **kwargs) -> HTTPResponse:
                agent = agent_of(request)
                if agent is None:
                    if request.path.startswith("/console/api/"):
                        return api_error(401, "请先登录")
                    return response.html(_page("login.html", error="请先登录。"), status=401, headers=LOGIN_HEADERS)
                return await handler(request, agent, *args, **kwargs)
            wrapped.__name__ = handler.__name__
            return wrapped

        @console.get("/login")
        async def login_form(request: Request) -> HTTPResponse:
            return response.html(_page("login.html"), headers=LOGIN_HEADERS)

        @console.post("/login")
        async def login(request: Request) -> HTTPResponse:
            username = (request.form.get("username") or "").strip()
            account = authenticate(username, request.form.get("password") or "")
            if account is None:
                logger.warning("console: failed login for %r", username[:32])
                return response.html(_page("login.html", error="用户名或密码不正确。"), status=401,
                                     headers=LOGIN_HEADERS)
            result = response.redirect("/console/", status=303, headers=SECURITY_HEADERS)
            # Sanic 21.12's cookie API: a morsel per name.
            result.cookies[COOKIE] = self.sessions.create(account.username)
            result.cookies[COOKIE]["path"] = "/console"
            result.cookies[COOKIE]["httponly"] = True
            result.cookies[COOKIE]["samesite"] = "Strict"
            result.cookies[COOKIE]["secure"] = request.scheme == "https"
            logger.info("console: %s logged in", account.username)
            return result

        @console.post("/logout")
        async def logout(request: Request) -> HTTPResponse:
            self.sessions.end(request.cookies.get(COOKIE))
            result = response.redirect("/console/login", status=303, headers=SECURITY_HEADERS)
            result.cookies[COOKIE] = ""
            result.cookies[COOKIE]["path"] = "/console"
            result.cookies[COOKIE]["max-age"] = 0
            return result

        @console.get("/")
        @needs_agent
        async def page(request: Request, agent: str) -> HTTPResponse:
            return response.html(_page("console.html"), headers=SECURITY_HEADERS)

        @console.get("/static/<name>")
        @needs_agent
        async def static(request: Request, agent: str, name: str) -> HTTPResponse:
            if name not in STATIC_FILES:  # an allow-list: no path from the request reaches the file system
                return api_error(404, "not found")
            return response.text((STATIC_DIR / name).read_text(encoding="utf-8"), content_type=STATIC_FILES[name],
                                 headers=SECURITY_HEADERS)

        @console.get("/api/me")
        @needs_agent
        async def me(request: Request, agent: str) -> HTTPResponse:
            account = load_accounts().get(agent)
            return response.json({"username": agent, "name": account.display_name if account else agent},
                                 headers=SECURITY_HEADERS)

        @console.get("/api/tickets")
        @needs_agent
        async def tickets(request: Request, agent: str) -> HTTPResponse:
            open_tickets = self.queue.tickets(TicketStatus.WAITING) + self.queue.tickets(TicketStatus.TAKEN)
            now = datetime.now(timezone.utc)
            rows = []
            for ticket in open_tickets:
                tracker = await request.app.ctx.agent.tracker_store.retrieve(ticket.conversation_id)
                last = max((e.timestamp for e in tracker.events), default=ticket.created_at.timestamp()) \
                    if tracker else ticket.created_at.timestamp()
                rows.append({**_ticket_json(ticket), "waiting_seconds": int((now - ticket.created_at).total_seconds()),
                             "last_activity": last})
            rows.sort(key=lambda row: row["last_activity"], reverse=True)
            start_of_day = datetime.now(CHINA_TIME).replace(hour=0, minute=0, second=0, microsecond=0)
            counts = self.queue.counts(start_of_day)
            return response.json({
                "agent": agent,
                "counts": {"waiting": counts.waiting, "taken": counts.taken, "closed_today": counts.closed_today,
                           "rated": counts.rated, "satisfaction_rate": counts.satisfaction_rate},
                "tickets": rows,
            }, headers=SECURITY_HEADERS)

        @console.get("/api/tickets/<ticket_id:int>")
        @needs_agent
        async def ticket_detail(request: Request, agent: str, ticket_id: int) -> HTTPResponse:
            ticket = self.queue.ticket(ticket_id)
            if ticket is None:
                return api_error(404, "没有这个工单")
            tracker = await request.app.ctx.agent.tracker_store.retrieve_full_tracker(ticket.conversation_id)
            return response.json({**_ticket_json(ticket), "transcript": _transcript(tracker.events if tracker else [])},
                                 headers=SECURITY_HEADERS)

        @console.post("/api/tickets/<ticket_id:int>/take")
        @needs_agent
        async def take(request: Request, agent: str, ticket_id: int) -> HTTPResponse:
            try:
                ticket = self.queue.take(ticket_id, agent)
            except KeyError:
                return api_error(404, "没有这个工单")
            except TicketConflict as conflict:
                return api_error(409, str(conflict))
            logger.info("console: %s took ticket %s", agent, ticket_id)
            return response.json(_ticket_json(ticket), headers=SECURITY_HEADERS)

        @console.post("/api/tickets/<ticket_id:int>/reply")
        @needs_agent
        async def reply(request: Request, agent: str, ticket_id: int) -> HTTPResponse:
            ticket = self.queue.ticket(ticket_id)
            if ticket is None:
                return api_error(404, "没有这个工单")
            if ticket.status is not TicketStatus.TAKEN or ticket.agent != agent:
                return api_error(409, "请先接手这个工单再回复")
            body = request.json if isinstance(request.json, dict) else {}
            text = body.get("text")
            if not isinstance(text, str) or not text.strip():
                return api_error(400, "回复内容不能为空")
            if len(text) > MAX_REPLY_LENGTH:
                return api_error(400, f"回复不能超过 {MAX_REPLY_LENGTH} 个字")
            event = BotUttered(text.strip(), metadata={"agent": agent, "ticket": ticket_id})
            try:
                delivered = await _push(request.app, ticket.conversation_id, [event])
            except Exception as error:  # e.g. Telegram refused: the agent must know it did not arrive
                logger.warning("console: reply to ticket %s not delivered: %s", ticket_id, type(error).__name__)
                return api_error(502, "消息没有送达居民，请稍后重试")
            return response.json({"delivered": delivered}, headers=SECURITY_HEADERS)

        @console.post("/api/tickets/<ticket_id:int>/close")
        @needs_agent
        async def close(request: Request, agent: str, ticket_id: int) -> HTTPResponse:
            try:
                ticket = self.queue.close(ticket_id, agent)
            except KeyError:
                return api_error(404, "没有这个工单")
            except TicketConflict as conflict:
                return api_error(409, str(conflict))
            # The bot takes over again (also in later sessions) and asks whether the problem was solved.
            events = [ConversationResumed(), SlotSet("handoff_active", False), SlotSet("rating_requested", True),
                      ActionExecuted("action_listen"),
                      BotUttered(RATING_QUESTION, data={"buttons": RATING_BUTTONS}, metadata={"ticket": ticket_id})]
            try:
                delivered = await _push(request.app, ticket.conversation_id, events)
            except Exception as error:
                logger.warning("console: rating question for ticket %s not delivered: %s", ticket_id,
                               type(error).__name__)
                delivered = False
            logger.info("console: %s closed ticket %s", agent, ticket_id)
            return response.json({**_ticket_json(ticket), "delivered": delivered}, headers=SECURITY_HEADERS)

        return console


def _page(name: str, error: str = "") -> str:
    html = (STATIC_DIR / name).read_text(encoding="utf-8")
    return html.replace("{{error}}", error)  # the only substitution, and only our own fixed texts


def _ticket_json(ticket: Ticket) -> dict[str, Any]:
    return {
        "id": ticket.id, "conversation_id": ticket.conversation_id, "channel": ticket.channel,
        "reason": ticket.reason.value, "reason_label": ticket.reason.label, "status": ticket.status.value,
        "agent": ticket.agent, "contact": ticket.contact, "after_hours": ticket.after_hours,
        "created_at": ticket.created_at.timestamp(),
        "rating": ticket.rating.value if ticket.rating else None,
    }


def _transcript(events: list[Event]) -> list[dict[str, Any]]:
    lines = []
    for event in events:
        if event.type_name == "user":
            intent = event.intent or {}
            lines.append({"role": "resident", "text": mask_personal_data(event.text or ""), "time": event.timestamp,
                          "intent": intent.get("name"), "confidence": intent.get("confidence")})
        elif event.type_name == "bot":
            agent = (event.metadata or {}).get("agent")
            buttons = [b.get("title") for b in (event.data or {}).get("buttons") or []]
            lines.append({"role": "agent" if agent else "bot", "agent": agent, "text": event.text or "",
                          "buttons": buttons, "time": event.timestamp})
        elif event.type_name in ("pause", "resume"):
            lines.append({"role": "system", "text": "机器人暂停（人工处理中）" if event.type_name == "pause"
                          else "机器人恢复服务", "time": event.timestamp})
    return lines


async def _push(app: Any, conversation_id: str, events: list[Event]) -> bool:
    """Append events to the conversation and send its bot messages on the resident's own channel.

    The same steps as Rasa's `POST /conversations/<id>/tracker/events?execute_side_effects=true
    &output_channel=latest`. Returns False when that channel cannot push (REST): the message is then only
    stored, and the resident sees it in the transcript of their next reply.
    """
    agent = app.ctx.agent
    async with agent.lock_store.lock(conversation_id):
        tracker = await update_conversation_with_events(conversation_id, agent.processor, agent.domain, events)
        latest = tracker.get_latest_input_channel()
        channels = [c for c in getattr(app.ctx, "input_channels", None) or [] if c.name() == latest]
        output = channels[0].get_output_channel() if channels else None
        if output is not None:
            await agent.processor.execute_side_effects(events, tracker, output)
        await agent.tracker_store.save(tracker)
    return output is not None
