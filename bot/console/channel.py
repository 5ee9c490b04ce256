"""The agent console, served by the Rasa server as an input channel at /console/.

Agents log in (accounts: bot/console/accounts.py), see the hand-off queue, read a conversation's
transcript from the tracker store, take a ticket, reply (the reply reaches the resident on their own
channel, also while the bot is paused) and close it; closing resumes the bot, which asks for a rating.
Every page, file and API call except the login form needs a logged-in session. Tickets are for agents and
supervisors; the review page (bot/console/review.py) for operators and supervisors (roles: accounts.py).

Against attackers (docs/desk-security.md): logins are throttled and their password checks run in a
worker thread (login_guard.py); every POST must come from the console's own origin (or CORS_ORIGINS),
and API POSTs must carry JSON and the session's CSRF token (X-CSRF-Token, from /api/me); the ticket list
reads only the ticket table, a page at a time. A ticket whose agent has been inactive for
HANDOFF_AGENT_IDLE_MINUTES (default 15) returns to the queue and the resident is told.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import os
import time
from datetime import UTC, datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any, Awaitable, Callable, Optional, Sequence

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.server import update_conversation_with_events
from rasa.shared.core.events import ActionExecuted, BotUttered, ConversationResumed, Event, SlotSet
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.client import client_address
from bot.cors import cors_origins
from bot.security_headers import CONSOLE_HEADERS, CONSOLE_LOGIN_HEADERS
from policy_core import canned, wording
from policy_core.answers import CHINA_TIME, PolicyService
from policy_core.canned import MAX_QUERY_CHARS
from policy_core.contact import retention_days
from policy_core.handoff import HandoffQueue, ReplyState, Ticket, TicketConflict, TicketStatus
from policy_core.knowledge_base import KnowledgeBase
from policy_core.logsafe import log_value
from policy_core.privacy import mask_personal_data
from policy_core.review import ReviewDesk

from .accounts import AgentAccount, active_account, load_accounts
from .login_guard import LoginGuard, LoginRefused
from .review import review_routes
from .sessions import SessionStore

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).with_name("static")
STATIC_FILES = {
    "console.js": "application/javascript; charset=utf-8",
    "console.css": "text/css; charset=utf-8",
    "review.js": "application/javascript; charset=utf-8",
    "review.css": "text/css; charset=utf-8",
}
COOKIE = "console_session"
MAX_REPLY_LENGTH = 2000
# From bot/security_headers.py, shared with the web chat; the console's own CSP and framing rules.
SECURITY_HEADERS = CONSOLE_HEADERS
LOGIN_HEADERS = CONSOLE_LOGIN_HEADERS
RATING_QUESTION = wording.AFTER_HANDOFF_RATING.text
RATING_BUTTONS = [{"title": title, "payload": payload} for title, payload in wording.AFTER_HANDOFF_RATING.buttons]
RELEASED_TEXT = wording.TICKET_RELEASED
TRANSFERRED_TEXT = wording.TICKET_TRANSFERRED
CSRF_HEADER = "X-CSRF-Token"
PAGE_SIZE, MAX_PAGE_SIZE = 50, 200
TOUCH_EVERY = 30.0  # seconds between writes of an agent's activity


def agent_idle() -> timedelta:
    return timedelta(minutes=float(os.environ.get("HANDOFF_AGENT_IDLE_MINUTES", "15")))


def csrf_token(session_cookie: str) -> str:
    """Bound to the session: only a page that can read /api/me (same origin) learns it."""
    return hmac.new(session_cookie.encode("utf-8"), b"console-csrf", hashlib.sha256).hexdigest()


def origin_allowed(request: Request) -> bool:
    """No Origin (not a browser, or an old one: the CSRF token still protects the API), or our own / CORS_ORIGINS."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    own = f"{request.scheme}://{request.host}"
    return origin.rstrip("/") in {own, *cors_origins()}


def json_body_required(request: Request) -> bool:
    """True when the request is not JSON: a body or a content type, other than application/json."""
    content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    return (bool(request.body) or bool(content_type)) and content_type != "application/json"


class AgentConsoleInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "console"

    def url_prefix(self) -> str:
        return "/console"  # absolute: served at /console/, not under /webhooks/

    @classmethod
    def from_credentials(cls, credentials: Optional[dict[str, Any]]) -> AgentConsoleInput:
        return cls()

    @cached_property
    def queue(self) -> HandoffQueue:
        return HandoffQueue()

    @cached_property
    def sessions(self) -> SessionStore:
        return SessionStore()

    @cached_property
    def guard(self) -> LoginGuard:
        return LoginGuard()

    @cached_property
    def review_desk(self) -> ReviewDesk:
        return ReviewDesk()

    @cached_property
    def knowledge(self) -> KnowledgeBase:
        """The knowledge base the canned-reply search looks in (loaded on the first search)."""
        return PolicyService.load().knowledge

    def get_output_channel(self) -> Optional[OutputChannel]:
        return None  # agents are not residents: nothing is ever sent to the console this way

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        console = Blueprint("agent_console", __name__)
        touched: dict[str, float] = {}

        def agent_of(request: Request) -> Optional[str]:
            agent = self.sessions.agent_for(request.cookies.get(COOKIE))
            # A removed or disabled account's sessions stop working at once.
            return agent if active_account(agent) is not None else None

        def api_error(status: int, message: str) -> HTTPResponse:
            return response.json({"error": message}, status=status, headers=SECURITY_HEADERS)

        def forged(request: Request) -> Optional[HTTPResponse]:
            """Refuses a POST another site's page could have made in the agent's browser."""
            if not origin_allowed(request):
                logger.warning(
                    "console: POST %s from foreign origin %s refused (client %s)",
                    log_value(request.path),
                    log_value(request.headers.get("origin")),
                    log_value(client_address(request)),
                )
                return api_error(403, "请求来源不被允许")
            if request.path.startswith("/console/api/"):
                if json_body_required(request):
                    return api_error(415, "请求必须是 JSON（Content-Type: application/json）")
                cookie = request.cookies.get(COOKIE) or ""
                if not hmac.compare_digest(request.headers.get(CSRF_HEADER, ""), csrf_token(cookie)):
                    return api_error(403, "缺少或错误的 CSRF 令牌，请刷新页面")
            return None

        def guarded(handler, may: Optional[Callable[[AgentAccount], bool]] = None, refused_page: str = ""):
            """Logged in, with a role that `may` do this; POSTs also from our own pages (CSRF, origin)."""

            async def wrapped(request: Request, *args, **kwargs) -> HTTPResponse:
                agent = agent_of(request)
                if agent is None:
                    if request.path.startswith("/console/api/"):
                        return api_error(401, "请先登录")
                    return response.html(_page("login.html", error="请先登录。"), status=401, headers=LOGIN_HEADERS)
                account = active_account(agent)
                if may is not None and (account is None or not may(account)):
                    if request.path.startswith("/console/api/"):
                        return api_error(403, "您的账号没有这项权限")
                    return response.html(_page("login.html", error=refused_page), status=403, headers=LOGIN_HEADERS)
                if request.method == "POST":
                    refused = forged(request)
                    if refused is not None:
                        return refused
                if time.monotonic() - touched.get(agent, 0.0) > TOUCH_EVERY:
                    touched[agent] = time.monotonic()
                    self.queue.touch_agent(agent)  # the agent is at the console: their tickets are not idle
                return await handler(request, agent, *args, **kwargs)

            wrapped.__name__ = handler.__name__
            return wrapped

        def needs_login(handler):
            """Any role: the console page, its files, who is logged in."""
            return guarded(handler)

        def needs_agent(handler):
            """Tickets and what serving residents needs: agents and supervisors."""
            return guarded(handler, lambda account: account.works_tickets, "您的账号不能处理工单。")

        def needs_operator(handler):
            """The review page and its API: operators and supervisors."""
            return guarded(
                handler, lambda account: account.reviews_answers, "您的账号没有复核页的权限，请用运营或主管账号登录。"
            )

        @console.listener("after_server_start")
        async def start_idle_release(app: Any, _loop: Any) -> None:
            app.ctx.console_idle_task = asyncio.create_task(self._release_idle_tickets(app))

        @console.listener("before_server_stop")
        async def stop_idle_release(app: Any, _loop: Any) -> None:
            task = getattr(app.ctx, "console_idle_task", None)
            if task is not None:
                task.cancel()

        @console.get("/login")
        async def login_form(request: Request) -> HTTPResponse:
            return response.html(_page("login.html"), headers=LOGIN_HEADERS)

        @console.post("/login")
        async def login(request: Request) -> HTTPResponse:
            if not origin_allowed(request):  # login CSRF: another site must not log the agent in as someone else
                return response.html(_page("login.html", error="请求来源不被允许。"), status=403, headers=LOGIN_HEADERS)
            username = (request.form.get("username") or "").strip()[:64]
            address = client_address(request)
            try:
                account = await self.guard.login(username, request.form.get("password") or "", address)
            except LoginRefused as refused:
                wait = max(1, int(refused.retry_after + 0.999))
                logger.warning(
                    "console: login for %s from %s refused (%s, %d s)",
                    log_value(username),
                    log_value(address),
                    refused,
                    wait,
                )
                text = (
                    (
                        f"尝试次数过多，请 {wait} 秒后再试。"
                        if wait < 120
                        else f"尝试次数过多，账号已暂时锁定，请 {(wait + 59) // 60} 分钟后再试。"
                    )
                    if str(refused) == "throttled"
                    else "系统繁忙，请稍后再试。"
                )
                return response.html(
                    _page("login.html", error=text), status=429, headers={**LOGIN_HEADERS, "Retry-After": str(wait)}
                )
            if account is None:
                logger.warning("console: failed login for %s from %s", log_value(username), log_value(address))
                return response.html(
                    _page("login.html", error="用户名或密码不正确。"), status=401, headers=LOGIN_HEADERS
                )
            result = response.redirect("/console/", status=303, headers={**SECURITY_HEADERS})
            # Sanic 21.12's cookie API: a morsel per name.
            result.cookies[COOKIE] = self.sessions.create(account.username)
            result.cookies[COOKIE]["path"] = "/console"
            result.cookies[COOKIE]["httponly"] = True
            result.cookies[COOKIE]["samesite"] = "Strict"
            result.cookies[COOKIE]["secure"] = request.scheme == "https"
            logger.info("console: %s logged in from %s", account.username, log_value(address))
            return result

        @console.post("/logout")
        async def logout(request: Request) -> HTTPResponse:
            if not origin_allowed(request):
                return api_error(403, "请求来源不被允许")
            self.sessions.end(request.cookies.get(COOKIE))
            result = response.redirect("/console/login", status=303, headers={**SECURITY_HEADERS})
            result.cookies[COOKIE] = ""
            result.cookies[COOKIE]["path"] = "/console"
            result.cookies[COOKIE]["max-age"] = 0
            return result

        @console.get("/")
        @needs_login
        async def page(request: Request, agent: str) -> HTTPResponse:
            account = active_account(agent)
            if account is not None and not account.works_tickets:  # an operator's console is the review page
                return response.redirect("/console/review", status=303, headers={**SECURITY_HEADERS})
            return response.html(_page("console.html"), headers=SECURITY_HEADERS)

        @console.get("/static/<name>")
        @needs_login
        async def static(request: Request, agent: str, name: str) -> HTTPResponse:
            if name not in STATIC_FILES:  # an allow-list: no path from the request reaches the file system
                return api_error(404, "not found")
            return response.text(
                (STATIC_DIR / name).read_text(encoding="utf-8"),
                content_type=STATIC_FILES[name],
                headers=SECURITY_HEADERS,
            )

        @console.get("/api/me")
        @needs_login
        async def me(request: Request, agent: str) -> HTTPResponse:
            account = load_accounts().get(agent)
            return response.json(
                {
                    "username": agent,
                    "name": account.display_name if account else agent,
                    "role": account.role if account else "agent",
                    "works_tickets": bool(account and account.works_tickets),
                    "reviews_answers": bool(account and account.reviews_answers),
                    "csrf_token": csrf_token(request.cookies.get(COOKIE) or ""),
                },
                headers=SECURITY_HEADERS,
            )

        @console.get("/api/agents")
        @needs_agent
        async def agents(request: Request, agent: str) -> HTTPResponse:
            """Colleagues a ticket can be transferred to."""
            return response.json(
                {
                    "agents": [
                        {"username": a.username, "name": a.display_name}
                        for a in load_accounts().values()
                        if not a.disabled and a.works_tickets
                    ]
                },
                headers=SECURITY_HEADERS,
            )

        @console.get("/api/tickets")
        @needs_agent
        async def tickets(request: Request, agent: str) -> HTTPResponse:
            # Only the ticket table, one indexed page, longest waiting first: no conversation is read.
            offset = _int_arg(request, "offset", 0, 0, 10**9)
            limit = _int_arg(request, "limit", PAGE_SIZE, 1, MAX_PAGE_SIZE)
            page, total = self.queue.open_tickets(offset, limit)
            now = datetime.now(UTC)
            rows = [
                {
                    **_ticket_json(ticket),
                    "waiting_seconds": int((now - ticket.created_at).total_seconds()),
                    "last_activity": (ticket.updated_at or ticket.created_at).timestamp(),
                }
                for ticket in page
            ]
            counts = self.queue.counts(china_midnight())
            return response.json(
                {
                    "agent": agent,
                    "counts": {
                        "waiting": counts.waiting,
                        "taken": counts.taken,
                        "closed_today": counts.closed_today,
                        "rated": counts.rated,
                        "satisfaction_rate": counts.satisfaction_rate,
                    },
                    "tickets": rows,
                    "total": total,
                    "offset": offset,
                    "limit": limit,
                },
                headers=SECURITY_HEADERS,
            )

        @console.get("/api/tickets/<ticket_id:int>")
        @needs_agent
        async def ticket_detail(request: Request, agent: str, ticket_id: int) -> HTTPResponse:
            ticket = self.queue.ticket(ticket_id)
            if ticket is None:
                return api_error(404, "没有这个工单")
            tracker = await request.app.ctx.agent.tracker_store.retrieve_full_tracker(ticket.conversation_id)
            # The full contact only for the agent holding the ticket (for a call-back); masked for everyone else.
            full = self.queue.full_contact(ticket_id, agent) if ticket.has_full_contact else None
            notes = [
                {"agent": n.agent, "text": n.text, "time": n.created_at.timestamp()}
                for n in self.queue.notes(ticket_id)
            ]
            return response.json(
                {
                    **_ticket_json(ticket),
                    "contact_full": full,
                    "notes": notes,
                    "transcript": _transcript(tracker.events if tracker else [], self.queue.reply_states(ticket_id)),
                },
                headers=SECURITY_HEADERS,
            )

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

        @console.post("/api/tickets/<ticket_id:int>/notes")
        @needs_agent
        async def add_note(request: Request, agent: str, ticket_id: int) -> HTTPResponse:
            """A private note: for colleagues only, never sent to the resident."""
            body = request.json if isinstance(request.json, dict) else {}
            text = body.get("text")
            if not isinstance(text, str) or not text.strip() or len(text) > MAX_REPLY_LENGTH:
                return api_error(400, f"备注不能为空，也不能超过 {MAX_REPLY_LENGTH} 个字")
            try:
                note = self.queue.add_note(ticket_id, agent, text.strip())
            except KeyError:
                return api_error(404, "没有这个工单")
            return response.json(
                {"agent": note.agent, "text": note.text, "time": note.created_at.timestamp()}, headers=SECURITY_HEADERS
            )

        @console.get("/api/history")
        @needs_agent
        async def history(request: Request, agent: str) -> HTTPResponse:
            """Closed tickets, most recently closed first, with a search over conversation, agent and summary."""
            search = (request.args.get("q") or "").strip()[:100]
            offset = _int_arg(request, "offset", 0, 0, 10**9)
            limit = _int_arg(request, "limit", PAGE_SIZE, 1, MAX_PAGE_SIZE)
            page, total = self.queue.closed_tickets(search, offset, limit)
            rows = [
                {**_ticket_json(t), "closed_at": t.closed_at.timestamp() if t.closed_at else None, "summary": t.summary}
                for t in page
            ]
            return response.json(
                {"tickets": rows, "total": total, "offset": offset, "limit": limit}, headers=SECURITY_HEADERS
            )

        @console.get("/api/knowledge")
        @needs_agent
        async def knowledge(request: Request, agent: str) -> HTTPResponse:
            """Canned replies: the fixed ones for an empty query, else the knowledge base's closest facts
            (title and example questions), at most 8, each with the text to insert (answer, basis, source)."""
            query = (request.args.get("q") or "").strip()[:MAX_QUERY_CHARS]
            found = await asyncio.to_thread(canned.search, self.knowledge, query)
            return response.json(
                {
                    "query": query,
                    "results": [
                        {"title": r.title, "region": r.region, "text": r.text, "fact_id": r.fact_id} for r in found
                    ],
                },
                headers=SECURITY_HEADERS,
            )

        @console.post("/api/tickets/<ticket_id:int>/release")
        @needs_agent
        async def release(request: Request, agent: str, ticket_id: int) -> HTTPResponse:
            """Back to the queue: by the holder, or by a supervisor."""
            account = active_account(agent)
            try:
                ticket = self.queue.release(ticket_id, agent, supervisor=bool(account and account.is_supervisor))
            except KeyError:
                return api_error(404, "没有这个工单")
            except TicketConflict as conflict:
                return api_error(409, str(conflict))
            logger.info("console: %s released ticket %s", agent, ticket_id)
            delivered = await self._tell(request.app, ticket, RELEASED_TEXT)
            return response.json({**_ticket_json(ticket), "delivered": delivered}, headers=SECURITY_HEADERS)

        @console.post("/api/tickets/<ticket_id:int>/transfer")
        @needs_agent
        async def transfer(request: Request, agent: str, ticket_id: int) -> HTTPResponse:
            """To another agent: by the holder, or by a supervisor (who may also assign a waiting ticket)."""
            body = request.json if isinstance(request.json, dict) else {}
            target = body.get("to")
            target_account = active_account(target) if isinstance(target, str) else None
            if target_account is None or not target_account.works_tickets:
                return api_error(400, "请选择一位在职的工作人员")
            account = active_account(agent)
            try:
                ticket = self.queue.transfer(
                    ticket_id, agent, target, supervisor=bool(account and account.is_supervisor)
                )
            except KeyError:
                return api_error(404, "没有这个工单")
            except TicketConflict as conflict:
                return api_error(409, str(conflict))
            logger.info("console: %s transferred ticket %s to %s", agent, ticket_id, target)
            delivered = await self._tell(request.app, ticket, TRANSFERRED_TEXT) if target != agent else False
            return response.json({**_ticket_json(ticket), "delivered": delivered}, headers=SECURITY_HEADERS)

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
            # Kept until the resident's side confirms it: a closed web chat tab gets it when it reconnects,
            # a REST resident with their next message (bot/delivery.py).
            account = load_accounts().get(agent)
            staff_name = account.display_name if account else agent  # shown to the resident beside the reply
            reply_id = self.queue.add_reply(ticket.conversation_id, ticket_id, text.strip(), sender_name=staff_name)
            event = BotUttered(
                text.strip(),
                metadata={"agent": agent, "agent_name": staff_name, "ticket": ticket_id, "reply_id": reply_id},
            )
            try:
                state = await _push_reply(request.app, ticket.conversation_id, event, reply_id)
            except Exception as error:  # e.g. Telegram refused: the agent must know it did not arrive
                logger.warning("console: reply to ticket %s not delivered: %s", ticket_id, type(error).__name__)
                self.queue.drop_reply(reply_id)
                return api_error(502, "消息没有送达居民，请稍后重试")
            self.queue.mark_reply(reply_id, state)
            return response.json(
                {
                    "delivered": state is ReplyState.DELIVERED,
                    "state": state.value,
                    "state_label": state.label,
                    "reply_id": reply_id,
                },
                headers=SECURITY_HEADERS,
            )

        @console.post("/api/tickets/<ticket_id:int>/close")
        @needs_agent
        async def close(request: Request, agent: str, ticket_id: int) -> HTTPResponse:
            try:
                ticket = self.queue.close(ticket_id, agent)
            except KeyError:
                return api_error(404, "没有这个工单")
            except TicketConflict as conflict:
                return api_error(409, str(conflict))
            # The bot takes over again (also in later sessions) and asks whether the problem was solved. The
            # question is kept like an agent's reply: a closed web chat tab gets it when it reopens, a REST
            # resident with their next message (bot/delivery.py).
            resumed = [
                ConversationResumed(),
                SlotSet("handoff_active", False),
                SlotSet("rating_requested", True),
                ActionExecuted("action_listen"),
            ]
            state = None
            try:
                reply_id = await asyncio.to_thread(
                    self.queue.add_reply, ticket.conversation_id, ticket_id, RATING_QUESTION, RATING_BUTTONS
                )
                question = BotUttered(
                    RATING_QUESTION,
                    data={"buttons": RATING_BUTTONS},
                    metadata={"ticket": ticket_id, "reply_id": reply_id},
                )
                state = await _push_reply(request.app, ticket.conversation_id, question, reply_id, resumed)
                await asyncio.to_thread(self.queue.mark_reply, reply_id, state)
            except Exception as error:
                logger.warning(
                    "console: rating question for ticket %s not delivered: %s", ticket_id, type(error).__name__
                )
            logger.info("console: %s closed ticket %s", agent, ticket_id)
            return response.json(
                {
                    **_ticket_json(ticket),
                    "delivered": state is ReplyState.DELIVERED,
                    "rating_state": state.value if state else None,
                },
                headers=SECURITY_HEADERS,
            )

        review_routes(console, needs_operator, api_error, lambda: self.review_desk, _page)
        return console

    async def _tell(self, app: Any, ticket: Ticket, text: str) -> bool:
        """A system message to the resident, through the same push path (and guaranteed delivery) as an
        agent's reply."""
        try:
            reply_id = await asyncio.to_thread(self.queue.add_reply, ticket.conversation_id, ticket.id, text)
            state = await _push_reply(
                app,
                ticket.conversation_id,
                BotUttered(text, metadata={"ticket": ticket.id, "reply_id": reply_id}),
                reply_id,
            )
            await asyncio.to_thread(self.queue.mark_reply, reply_id, state)
            return state is ReplyState.DELIVERED
        except Exception as error:
            logger.warning(
                "console: message to the resident of ticket %s not delivered: %s", ticket.id, type(error).__name__
            )
            return False

    async def _release_idle_tickets(self, app: Any) -> None:
        """Every HANDOFF_IDLE_CHECK_SECONDS (30): idle agents' tickets go back to the queue."""
        every = float(os.environ.get("HANDOFF_IDLE_CHECK_SECONDS", "30"))
        while True:
            await asyncio.sleep(every)
            try:
                released = await asyncio.to_thread(self.queue.release_idle, agent_idle())
            except Exception as error:  # the database may be down for a moment: try again next time
                logger.warning("console: idle tickets not checked: %s", type(error).__name__)
                continue
            for ticket in released:
                logger.info("console: ticket %s returned to the queue (agent inactive)", ticket.id)
                await self._tell(app, ticket, RELEASED_TEXT)
            try:
                erased = await asyncio.to_thread(self.queue.erase_contacts, timedelta(days=retention_days()))
                if erased:
                    logger.info("console: %d call-back contacts erased after the retention time", erased)
            except Exception as error:
                logger.warning("console: contacts not erased: %s", type(error).__name__)


def china_midnight(now: Optional[datetime] = None) -> datetime:
    """Start of today in China time (今日已关闭 counts from here)."""
    moment = (now or datetime.now(UTC)).astimezone(CHINA_TIME)
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def _int_arg(request: Request, name: str, default: int, low: int, high: int) -> int:
    try:
        return min(high, max(low, int(request.args.get(name, default))))
    except (TypeError, ValueError):
        return default


def _page(name: str, error: str = "") -> str:
    html = (STATIC_DIR / name).read_text(encoding="utf-8")
    return html.replace("{{error}}", error)  # the only substitution, and only our own fixed texts


def _ticket_json(ticket: Ticket) -> dict[str, Any]:
    return {
        "id": ticket.id,
        "conversation_id": ticket.conversation_id,
        "channel": ticket.channel,
        "reason": ticket.reason.value,
        "reason_label": ticket.reason.label,
        "status": ticket.status.value,
        "agent": ticket.agent,
        "contact": ticket.contact,
        "after_hours": ticket.after_hours,
        "created_at": ticket.created_at.timestamp(),
        "rating": ticket.rating.value if ticket.rating else None,
    }


def _transcript(events: list[Event], reply_states: Optional[dict[int, ReplyState]] = None) -> list[dict[str, Any]]:
    lines = []
    for event in events:
        if event.type_name == "user":
            intent = event.intent or {}
            lines.append(
                {
                    "role": "resident",
                    "text": mask_personal_data(event.text or ""),
                    "time": event.timestamp,
                    "intent": intent.get("name"),
                    "confidence": intent.get("confidence"),
                }
            )
        elif event.type_name == "bot":
            agent = (event.metadata or {}).get("agent")
            buttons = [b.get("title") for b in (event.data or {}).get("buttons") or []]
            state = (reply_states or {}).get((event.metadata or {}).get("reply_id"))
            lines.append(
                {
                    "role": "agent" if agent else "bot",
                    "agent": agent,
                    "text": event.text or "",
                    "buttons": buttons,
                    "time": event.timestamp,
                    "state": state.value if state else None,
                    "state_label": state.label if state else None,
                }
            )
        elif event.type_name in ("pause", "resume"):
            lines.append(
                {
                    "role": "system",
                    "text": "机器人暂停（人工处理中）" if event.type_name == "pause" else "机器人恢复服务",
                    "time": event.timestamp,
                }
            )
    return lines


async def _push_reply(
    app: Any, conversation_id: str, event: BotUttered, reply_id: int, before: Sequence[Event] = ()
) -> ReplyState:
    """Append an agent's reply (after the events `before`, e.g. resuming the bot) to the conversation and
    send it on the resident's own channel.

    Web chat: sent with its reply id to the session's open sockets (the page confirms it), or left waiting
    for the page to reconnect; Telegram: delivered when the Bot API accepted it; REST (no push): waiting
    for the resident's next message."""
    agent = app.ctx.agent
    async with agent.lock_store.lock(conversation_id):
        tracker = await update_conversation_with_events(
            conversation_id, agent.processor, agent.domain, [*before, event]
        )
        latest = tracker.get_latest_input_channel()
        channel = next((c for c in getattr(app.ctx, "input_channels", None) or [] if c.name() == latest), None)
        state = ReplyState.WAITING
        if channel is not None and hasattr(channel, "push_reply"):
            state = (
                ReplyState.SENT
                if await channel.push_reply(
                    conversation_id,
                    event.text,
                    reply_id,
                    (event.data or {}).get("buttons") or (),
                    staff_name=(event.metadata or {}).get("agent_name"),
                )
                else ReplyState.WAITING
            )
        elif channel is not None and (output := channel.get_output_channel()) is not None:
            await agent.processor.execute_side_effects([event], tracker, output)
            state = ReplyState.DELIVERED
        await agent.tracker_store.save(tracker)
    return state
