"""Telegram channel for 政策通 on python-telegram-bot 22 (Rasa's built-in one is unusable here).

Register it in credentials.yml with no values (secrets never live there):

    bot.channels.telegram.TelegramInput:

Settings come from the environment only:

    TELEGRAM_BOT_TOKEN       the bot token from @BotFather; without it the channel is off
    TELEGRAM_API_BASE_URL    optional Bot API base URL ending in /bot (self-hosted Bot API server, test stub)
    TELEGRAM_PROXY           optional proxy for the Bot API, e.g. http://proxy:8080 or socks5://host:1080
    TELEGRAM_WEBHOOK_URL     optional public HTTPS URL of POST /webhooks/telegram/webhook: webhook mode
    TELEGRAM_WEBHOOK_SECRET  required with TELEGRAM_WEBHOOK_URL; Telegram sends it in a header
    TELEGRAM_POLL_TIMEOUT    optional long-polling timeout in seconds (default 25)

Long polling is the default (no public URL needed): it runs inside the Rasa server's event loop,
started by a Sanic `after_server_start` listener and stopped by `before_server_stop`.
Polling needs exactly one Rasa process per bot token; use webhook mode to run several.

Pushing (a human agent's reply, also while the conversation is paused):
    POST /conversations/<chat_id>/tracker/events?execute_side_effects=true&output_channel=latest&token=…
    [{"event": "bot", "text": "…"}]
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import functools
import hashlib
import hmac
import logging
import os
import re
import traceback
import unicodedata
import warnings
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Iterable, Mapping, Optional
from urllib.parse import urlsplit

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.rest import MAX_MESSAGE_CHARS
from bot.handoff_guard import guarded
from bot.rate_limit import RateLimiter, rate_limited
from policy_core import wording

logger = logging.getLogger(__name__)

CHANNEL_NAME = "telegram"
MAX_MESSAGE_LENGTH = 4096  # Telegram counts UTF-16 code units
MAX_CALLBACK_DATA = 64  # bytes
ALLOWED_UPDATES = ["message", "callback_query"]
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
DEFAULT_POLL_TIMEOUT = 25
TYPING_INTERVAL = 4.0  # Telegram shows "typing…" for 5 s
MAX_CONCURRENT_TURNS = 32

# Telegram commands → what Rasa receives (intent payloads bypass the NLU).
COMMANDS = {"start": "/greet", "help": "/bot_capabilities", "human": "/request_human"}
COMMAND_DESCRIPTIONS = list(wording.TELEGRAM_COMMANDS)
NON_TEXT_REPLY = wording.NON_TEXT_MESSAGE
EXPIRED_BUTTON = wording.EXPIRED_BUTTON
BUTTONS_ONLY_TEXT = wording.BUTTONS_ONLY

_SECRET_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_CHAT_ID_PATTERN = re.compile(r"^-?\d+$")


# --------------------------------------------------------------------------- secrets in logs

_secrets: list[str] = []
_record_factory_installed = False


def redact(text: str) -> str:
    """`text` with every registered secret (bot token, webhook secret, proxy password) masked."""
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, "***")
    return text


def protect_secret(secret: Optional[str]) -> None:
    """Mask `secret` in every log record of this process from now on."""
    global _record_factory_installed
    if not secret or secret in _secrets:
        return
    _secrets.append(secret)
    _secrets.sort(key=len, reverse=True)  # mask the whole token before its parts
    if not _record_factory_installed:
        _record_factory_installed = True
        previous = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            if _secrets:
                _redact_record(record)
            return record

        logging.setLogRecordFactory(factory)


def _redact_record(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:  # a broken format string is the logging module's problem, not ours
        return
    clean = redact(message)
    if clean != message:
        record.msg, record.args = clean, None
    if record.exc_info and record.exc_info[1] is not None:
        text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        if redact(text) != text:
            record.exc_text = redact(text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)


def quiet_http_loggers() -> None:
    """httpx logs every request URL (with the token) at INFO, PTB logs its base URL at DEBUG."""
    for name in ("httpx", "httpcore", "telegram", "hpack"):
        logging.getLogger(name).setLevel(logging.WARNING)


def _describe_error(error: BaseException) -> str:
    return redact(f"{type(error).__name__}: {error}")


def _safe_url(url: Optional[str]) -> str:
    """scheme://host:port only — no credentials, no path (which may hold the token)."""
    if not url:
        return "none"
    parts = urlsplit(url)
    host = parts.hostname or "?"
    return f"{parts.scheme}://{host}" + (f":{parts.port}" if parts.port else "")


# --------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class TelegramSettings:
    token: Optional[str] = field(default=None, repr=False)
    base_url: Optional[str] = None
    proxy: Optional[str] = field(default=None, repr=False)
    webhook_url: Optional[str] = None
    webhook_secret: Optional[str] = field(default=None, repr=False)
    poll_timeout: int = DEFAULT_POLL_TIMEOUT

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> TelegramSettings:
        def get(name: str) -> Optional[str]:
            value = (environ.get(name) or "").strip()
            return value or None

        try:
            poll_timeout = int(get("TELEGRAM_POLL_TIMEOUT") or DEFAULT_POLL_TIMEOUT)
        except ValueError:
            poll_timeout = DEFAULT_POLL_TIMEOUT
        base_url = get("TELEGRAM_API_BASE_URL")
        return cls(
            token=get("TELEGRAM_BOT_TOKEN"),
            base_url=base_url.rstrip("/") if base_url else None,
            proxy=get("TELEGRAM_PROXY"),
            webhook_url=get("TELEGRAM_WEBHOOK_URL"),
            webhook_secret=get("TELEGRAM_WEBHOOK_SECRET"),
            poll_timeout=max(0, min(poll_timeout, 50)),
        )

    def problem(self) -> Optional[str]:
        """Why the channel cannot run, or None."""
        if not self.token:
            return "TELEGRAM_BOT_TOKEN is not set"
        if self.webhook_url:
            if not self.webhook_secret:
                return "TELEGRAM_WEBHOOK_URL is set but TELEGRAM_WEBHOOK_SECRET is not (required in webhook mode)"
            if not _SECRET_PATTERN.match(self.webhook_secret):
                return "TELEGRAM_WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and -"
            if urlsplit(self.webhook_url).scheme not in ("http", "https"):
                return "TELEGRAM_WEBHOOK_URL must be an https:// URL"
        if self.base_url and urlsplit(self.base_url).scheme not in ("http", "https"):
            return "TELEGRAM_API_BASE_URL must be an http(s):// URL ending in /bot"
        if self.proxy and urlsplit(self.proxy).scheme not in ("http", "https", "socks5", "socks5h"):
            return "TELEGRAM_PROXY must be an http://, https://, socks5:// or socks5h:// URL"
        return None

    @property
    def mode(self) -> str:
        if self.problem():
            return "off"
        return "webhook" if self.webhook_url else "polling"

    def secrets(self) -> list[str]:
        found = [self.token, self.webhook_secret]
        if self.token and ":" in self.token:
            part = self.token.split(":", 1)[1]
            if len(part) >= 16:  # real tokens: 35 characters; short test tokens stay readable
                found.append(part)
        if self.proxy:
            found.append(urlsplit(self.proxy).password)
        return [s for s in found if s]


@functools.cache
def _bot_class() -> type:
    from telegram import Bot

    class PollingBot(Bot):
        """Polling calls getUpdates through do_api_request, to parse each update on its own (one
        broken update must not stall the offset); PTB warns about that use, which is deliberate here."""

        @classmethod
        def _warn(cls, message: Any, category: Any = None, stacklevel: int = 0) -> None:
            if 'do_api_request("getUpdates"' in str(message):
                return
            if category is None:
                super()._warn(message, stacklevel=stacklevel + 1)
            else:
                super()._warn(message, category, stacklevel + 1)

    return PollingBot


def build_bot(settings: TelegramSettings, transport: Any = None) -> Any:
    """A python-telegram-bot `Bot` for `settings` (`transport`: an httpx transport, for tests)."""
    from telegram.request import HTTPXRequest

    common: dict[str, Any] = {"proxy": settings.proxy}
    if transport is not None:
        common["httpx_kwargs"] = {"transport": transport}
    request = HTTPXRequest(
        connection_pool_size=64, read_timeout=20.0, write_timeout=20.0, connect_timeout=10.0, pool_timeout=5.0, **common
    )
    # Long polling: PTB adds the poll timeout to this read timeout.
    updates_request = HTTPXRequest(
        connection_pool_size=2, read_timeout=10.0, write_timeout=10.0, connect_timeout=10.0, pool_timeout=5.0, **common
    )
    kwargs: dict[str, Any] = {}
    if settings.base_url:
        kwargs["base_url"] = settings.base_url
        if settings.base_url.endswith("/bot"):
            kwargs["base_file_url"] = settings.base_url[: -len("/bot")] + "/file/bot"
    return _bot_class()(settings.token, request=request, get_updates_request=updates_request, **kwargs)


# --------------------------------------------------------------------------- message shaping


def _units(char: str) -> int:
    return 2 if ord(char) > 0xFFFF else 1


def telegram_length(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return sum(_units(c) for c in text)


def _fitting_prefix(text: str, limit: int) -> int:
    """Number of characters of `text` that fit into `limit` UTF-16 units."""
    units = 0
    for index, char in enumerate(text):
        units += _units(char)
        if units > limit:
            return index
    return len(text)


_BREAKS = (
    ("\n\n",),
    ("\n",),
    ("。", "！", "？", "!", "?", "…"),
    ("；", ";"),
    ("，", "、", ",", "：", " ", "\t"),
)
_CLOSERS = "”’」』）)】》〉\"'"


def _breaks_grapheme(text: str, position: int) -> bool:
    """Would cutting `text` before index `position` separate a character from its combining mark,
    variation selector or zero-width joiner?"""
    if position <= 0 or position >= len(text):
        return False
    after, before = text[position], text[position - 1]
    return bool(unicodedata.combining(after)) or after in "\ufe0e\ufe0f\u200d" or before == "\u200d"


def _cut_position(text: str, end: int) -> int:
    """Where to end the part that must fit in text[:end]: the last paragraph/line break, else
    sentence end, else clause break — in the second half of the window — else the window end."""
    window = text[:end]
    floor = end // 2
    for group in _BREAKS:
        candidates = sorted({m.end() for sep in group for m in re.finditer(re.escape(sep), window)}, reverse=True)
        for position in candidates:
            if position <= floor:
                break
            while position < len(text) and text[position] in _CLOSERS:
                position += 1  # keep 。” together
            if position <= end:
                return position
    position = end
    while position > floor and _breaks_grapheme(text, position):
        position -= 1
    return position


def split_message(text: Optional[str], limit: int = MAX_MESSAGE_LENGTH) -> list[str]:
    """Split `text` into parts of at most `limit` Telegram characters, at line breaks, else at
    sentence ends (。！？), else at clause breaks, never inside a character."""
    rest = (text or "").strip()
    parts: list[str] = []
    while rest and telegram_length(rest) > limit:
        end = _fitting_prefix(rest, limit)
        cut = _cut_position(rest, end)
        part = rest[:cut].rstrip()
        if not part:  # only whitespace before the cut: take the whole window
            cut, part = end, rest[:end]
        parts.append(part)
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
    return parts


class CallbackStore:
    """Button payloads ↔ callback_data. Telegram allows 64 bytes of callback_data: a longer payload
    gets a short key, remembered in memory (the newest `capacity` ones). The details of an answer
    (basis and source) are remembered the same way behind its "查看依据" button, which the channel answers
    itself."""

    PREFIX = "#k:"
    DETAILS_PREFIX = "#d:"

    def __init__(self, capacity: int = 10_000) -> None:
        self.capacity = capacity
        self._payloads: OrderedDict[str, str] = OrderedDict()

    def encode(self, payload: str) -> str:
        if len(payload.encode("utf-8")) <= MAX_CALLBACK_DATA and not payload.startswith(self.PREFIX):
            return payload
        key = self.PREFIX + hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]
        self._payloads[key] = payload
        self._payloads.move_to_end(key)
        while len(self._payloads) > self.capacity:
            self._payloads.popitem(last=False)
        return key

    def encode_details(self, details: str) -> str:
        key = self.DETAILS_PREFIX + hashlib.sha256(details.encode("utf-8")).hexdigest()[:32]
        self._payloads[key] = details
        self._payloads.move_to_end(key)
        while len(self._payloads) > self.capacity:
            self._payloads.popitem(last=False)
        return key

    def decode(self, data: str) -> Optional[str]:
        """The payload for callback_data, or None for a key this process no longer knows."""
        if not data.startswith((self.PREFIX, self.DETAILS_PREFIX)):
            return data
        payload = self._payloads.get(data)
        if payload is not None:
            self._payloads.move_to_end(data)
        return payload


def inline_keyboard(buttons: Optional[Iterable[Mapping[str, Any]]], callbacks: CallbackStore) -> Any:
    """Rasa buttons → an InlineKeyboardMarkup with one button per row (None without buttons)."""
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup

    rows = []
    for button in buttons or []:
        payload = button.get("payload")
        url = button.get("url")
        title = str(button.get("title") or payload or url or "").strip()
        if not title:
            continue
        if url and (button.get("type") == "web_url" or not payload):
            rows.append([InlineKeyboardButton(title, url=str(url))])
        elif payload:
            rows.append([InlineKeyboardButton(title, callback_data=callbacks.encode(str(payload)))])
    return InlineKeyboardMarkup(rows) if rows else None


RATE_PAYLOAD = '/rate_answer{{"answer_id":"{answer_id}","rating":"{rating}"}}'


def answer_keyboard(
    buttons: Optional[Iterable[Mapping[str, Any]]],
    callbacks: CallbackStore,
    details: Optional[str],
    answer_id: Optional[int],
) -> Any:
    """A policy answer's buttons: its own ones, then "查看依据" and 👍/👎 in one row."""
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup

    base = inline_keyboard(buttons, callbacks)
    rows = [list(row) for row in base.inline_keyboard] if base is not None else []
    last = []
    if details:
        last.append(InlineKeyboardButton(wording.SHOW_BASIS_LABEL, callback_data=callbacks.encode_details(details)))
    if isinstance(answer_id, int) and not isinstance(answer_id, bool):
        for label, rating in ((wording.RATE_UP_LABEL, "up"), (wording.RATE_DOWN_LABEL, "down")):
            payload = RATE_PAYLOAD.format(answer_id=answer_id, rating=rating)
            last.append(InlineKeyboardButton(label, callback_data=callbacks.encode(payload)))
    if last:
        rows.append(last)
    return InlineKeyboardMarkup(rows) if rows else None


def without_used_buttons(markup: Any, pressed: str, callbacks: CallbackStore) -> Any:
    """The keyboard after a button press: 👍/👎 go once one is used; "查看依据" goes once it was shown."""
    from telegram import InlineKeyboardMarkup

    def spent(button: Any) -> bool:
        data = button.callback_data or ""
        if pressed.startswith(CallbackStore.DETAILS_PREFIX):
            return data == pressed
        payload = callbacks.decode(data) or ""
        return (callbacks.decode(pressed) or "").startswith("/rate_answer") and payload.startswith("/rate_answer")

    rows = [[b for b in row if not spent(b)] for row in getattr(markup, "inline_keyboard", None) or ()]
    rows = [row for row in rows if row]
    return InlineKeyboardMarkup(rows)


def chat_id_of(recipient_id: Any) -> Any:
    text = str(recipient_id)
    return int(text) if _CHAT_ID_PATTERN.match(text) else text


# --------------------------------------------------------------------------- incoming updates


@dataclass
class Incoming:
    """What one Telegram update asks of the assistant."""

    chat_id: int
    update_id: int
    text: Optional[str] = None  # None: nothing for Rasa
    metadata: dict[str, Any] = field(default_factory=dict)
    callback_query_id: Optional[str] = None
    callback_answer: Optional[str] = None  # text shown to the user when answering a button press
    reply: Optional[str] = None  # answer directly, without Rasa (e.g. a photo in a private chat)
    # After a press of 👍/👎 or "查看依据": the message's keyboard without the spent buttons
    message_id: Optional[int] = None
    new_markup: Any = None


def _command(text: str, bot_username: Optional[str]) -> Optional[tuple[str, str]]:
    """('start', 'args') for '/start@PolicyBot args'; None for other text or another bot's command."""
    match = re.match(r"^/([A-Za-z0-9_]{1,64})(?:@([A-Za-z0-9_]+))?(?:\s+(.*))?$", text, re.S)
    if not match:
        return None
    name, addressee, args = match.group(1).lower(), match.group(2), (match.group(3) or "").strip()
    if addressee and bot_username and addressee.lower() != bot_username.lower():
        return ("", "")  # addressed to another bot in a group
    return name, args


def parse_update(update: Any, callbacks: CallbackStore, bot_username: Optional[str] = None) -> Optional[Incoming]:
    """A PTB `Update` → Incoming, or None for updates the assistant ignores."""
    query = getattr(update, "callback_query", None)
    if query is not None:
        message = query.message
        chat = message.chat if message is not None else None
        chat_id = chat.id if chat is not None else query.from_user.id
        incoming = Incoming(chat_id=chat_id, update_id=update.update_id, callback_query_id=query.id)
        incoming.metadata = _metadata(update, chat, query.from_user, message)
        if query.data is None:
            return incoming
        payload = callbacks.decode(query.data)
        if query.data.startswith(CallbackStore.DETAILS_PREFIX):  # "查看依据": answered here, not by Rasa
            incoming.reply = payload or wording.BASIS_GONE
        if payload is None:
            incoming.callback_answer = EXPIRED_BUTTON
            return incoming
        if query.data.startswith(CallbackStore.DETAILS_PREFIX) or payload.startswith("/rate_answer"):
            incoming.message_id = getattr(message, "message_id", None)
            incoming.new_markup = without_used_buttons(getattr(message, "reply_markup", None), query.data, callbacks)
        if query.data.startswith(CallbackStore.DETAILS_PREFIX):
            return incoming
        incoming.text = payload
        incoming.metadata["telegram"]["button"] = True
        title = _button_title(message, query.data)
        if title:
            incoming.metadata["telegram"]["button_title"] = title
        return incoming

    message = getattr(update, "message", None)
    if message is None or message.chat is None:
        return None  # edited messages, channel posts, membership changes …
    incoming = Incoming(chat_id=message.chat.id, update_id=update.update_id)
    incoming.metadata = _metadata(update, message.chat, message.from_user, message)
    text = (message.text or "").strip()
    if not text:
        if message.chat.type == "private" and not _is_service_message(message):
            incoming.reply = NON_TEXT_REPLY
        return incoming
    command = _command(text, bot_username)
    if command is not None:
        name, args = command
        if not name:
            return None
        incoming.metadata["telegram"]["command"] = name
        if args:  # e.g. a deep-link parameter: t.me/<bot>?start=<args>
            incoming.metadata["telegram"]["command_args"] = args[:64]
        # An unknown command gets the list of what the assistant can do.
        incoming.text = COMMANDS.get(name, COMMANDS["help"])
        return incoming
    # Typed text never reaches Rasa as an intent payload ("/intent{...}"): only buttons and commands do.
    incoming.text = text.lstrip("/").strip()[:MAX_MESSAGE_CHARS] or COMMANDS["help"]
    return incoming


def _is_service_message(message: Any) -> bool:
    return bool(
        message.new_chat_members
        or message.left_chat_member
        or message.new_chat_title
        or message.pinned_message
        or message.group_chat_created
    )


def _button_title(message: Any, data: str) -> Optional[str]:
    markup = getattr(message, "reply_markup", None)
    for row in getattr(markup, "inline_keyboard", None) or ():
        for button in row:
            if button.callback_data == data:
                return button.text
    return None


def _metadata(update: Any, chat: Any, user: Any, message: Any) -> dict[str, Any]:
    info: dict[str, Any] = {"update_id": update.update_id}
    if chat is not None:
        info["chat_type"] = chat.type
    if user is not None:
        info["user_id"] = user.id
        if user.language_code:
            info["language_code"] = user.language_code
    if message is not None and getattr(message, "message_id", None) is not None:
        info["message_id"] = message.message_id
    return {"telegram": info}


# --------------------------------------------------------------------------- output


class TelegramDeliveryError(RuntimeError):
    """A message could not be delivered to Telegram (raised for pushed messages only)."""


def _retry_seconds(error: Any) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = error.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


class TelegramOutput(OutputChannel):
    """Sends the assistant's messages to a Telegram chat (recipient_id = chat id)."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL_NAME

    def __init__(
        self,
        bot: Any,
        callbacks: Optional[CallbackStore] = None,
        raise_errors: bool = False,
        before_send: Optional[Callable[[], None]] = None,
    ) -> None:
        self.bot = bot
        self.callbacks = callbacks or CallbackStore()
        self.raise_errors = raise_errors
        self.before_send = before_send

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        """A policy answer: its short text, with its basis behind "查看依据" and 👍/👎 (the action's message
        metadata); everything else as Rasa sends it."""
        short, details = message.get("short"), message.get("details")
        answer_id = message.get("answer_id")
        if not (isinstance(short, str) and isinstance(details, str)) and not isinstance(answer_id, int):
            return await super().send_response(recipient_id, message)
        text = short if isinstance(short, str) and isinstance(details, str) else message.get("text")
        keyboard = answer_keyboard(
            message.get("buttons"), self.callbacks, details if isinstance(details, str) else None, answer_id
        )
        await self._send_text(recipient_id, text, keyboard)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._send_text(recipient_id, text, None)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self._send_text(recipient_id, text, inline_keyboard(buttons, self.callbacks))

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self._call("sendPhoto", self.bot.send_photo, chat_id=chat_id_of(recipient_id), photo=image)

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        text = json_message.get("text") if isinstance(json_message, dict) else None
        if text:
            await self._send_text(recipient_id, str(text), None)
        else:
            logger.debug("custom message without text skipped by the Telegram channel")

    async def _send_text(self, recipient_id: str, text: Optional[str], keyboard: Any) -> None:
        parts = split_message(text)
        if not parts and keyboard is not None:
            parts = [BUTTONS_ONLY_TEXT]
        for index, part in enumerate(parts):
            markup = keyboard if index == len(parts) - 1 else None
            await self._call(
                "sendMessage", self.bot.send_message, chat_id=chat_id_of(recipient_id), text=part, reply_markup=markup
            )

    async def _call(self, method: str, function: Callable[..., Awaitable[Any]], **kwargs: Any) -> Any:
        from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError, TimedOut

        if self.before_send is not None:
            self.before_send()
        error: Optional[BaseException] = None
        for attempt in range(3):
            try:
                return await function(**kwargs)
            except RetryAfter as exc:  # flood control
                error = exc
                wait = _retry_seconds(exc)
                if wait > 30:
                    break
                await asyncio.sleep(wait)
            except TimedOut as exc:  # may have been delivered: do not send twice
                error = exc
                break
            except BadRequest as exc:
                error = exc
                break
            except NetworkError as exc:  # connection failed: not delivered, try again
                error = exc
                await asyncio.sleep(0.5 * (attempt + 1))
            except TelegramError as exc:  # Forbidden (blocked by the user), InvalidToken, …
                error = exc
                break
        problem = f"Telegram {method} to chat {kwargs.get('chat_id')} failed: {_describe_error(error)}"
        if self.raise_errors:
            raise TelegramDeliveryError(problem)
        logger.warning(problem)
        return None


# --------------------------------------------------------------------------- input


class _Typing:
    """Shows "typing…" in a chat until stopped (re-sent every few seconds)."""

    def __init__(self, bot: Any, chat_id: int) -> None:
        self.bot, self.chat_id = bot, chat_id
        self._task: Optional[asyncio.Task] = None

    async def start(self) -> None:
        if await self._send():
            self._task = asyncio.create_task(self._repeat())

    async def _send(self) -> bool:
        try:
            await asyncio.wait_for(self.bot.send_chat_action(chat_id=self.chat_id, action="typing"), 3)
            return True
        except Exception as exc:  # cosmetic: never let it break a turn
            logger.debug("Telegram typing indicator failed: %s", _describe_error(exc))
            return False

    async def _repeat(self) -> None:
        while True:
            await asyncio.sleep(TYPING_INTERVAL)
            if not await self._send():
                return

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None


class TelegramInput(InputChannel):
    """Receives Telegram updates by long polling (default) or webhook and hands them to Rasa."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL_NAME

    @classmethod
    def from_credentials(cls, credentials: Optional[dict[str, Any]]) -> TelegramInput:
        ignored = sorted(k for k, v in (credentials or {}).items() if v not in (None, ""))
        if ignored:
            logger.warning(
                "Telegram channel ignores credentials.yml keys %s: settings come from "
                "TELEGRAM_* environment variables only",
                ", ".join(ignored),
            )
        return cls(TelegramSettings.from_env())

    def __init__(self, settings: Optional[TelegramSettings] = None, transport: Any = None) -> None:
        self.settings = settings if settings is not None else TelegramSettings.from_env()
        self.transport = transport
        self.callbacks = CallbackStore()
        self.bot_username: Optional[str] = None
        self.status = "off"
        self.last_error: Optional[str] = None
        self._bot: Any = None
        self._client_error: Optional[str] = None
        self._offset: Optional[int] = None
        self._poller: Optional[asyncio.Task] = None
        self._setup: Optional[asyncio.Task] = None
        self._tasks: set[asyncio.Task] = set()
        self._chat_locks: dict[int, asyncio.Lock] = {}
        self._turns: Optional[asyncio.Semaphore] = None
        self._on_new_message: Optional[Callable[[UserMessage], Awaitable[Any]]] = None
        self._limiter = RateLimiter.from_env()  # the same per-sender limit as the other resident channels
        for secret in self.settings.secrets():
            protect_secret(secret)
        quiet_http_loggers()
        problem = self.settings.problem()
        if problem:
            level = logging.INFO if not self.settings.token else logging.ERROR
            logger.log(level, "Telegram channel is off: %s.", problem)
        else:
            logger.info(
                "Telegram channel is on (%s; Bot API %s; proxy %s).",
                "webhook" if self.settings.webhook_url else "long polling",
                _safe_url(self.settings.base_url) if self.settings.base_url else "api.telegram.org",
                _safe_url(self.settings.proxy),
            )

    @property
    def enabled(self) -> bool:
        return self.settings.mode != "off" and self._client_error is None

    # ----- Bot API client

    def bot(self) -> Any:
        if self._bot is None:
            self._bot = build_bot(self.settings, self.transport)
        return self._bot

    def _client_ready(self) -> bool:
        """Create the Bot API client once; a failure (e.g. a socks5 proxy without the socksio
        package) turns the channel off with one error line."""
        if self._client_error is None and self._bot is None:
            try:
                self.bot()
            except Exception as exc:
                self._client_error = self.last_error = _describe_error(exc)
                self.status = "off"
                logger.error("Telegram channel is off: cannot create the Bot API client (%s).", self.last_error)
        return self._client_error is None

    def get_output_channel(self) -> Optional[OutputChannel]:
        """For Rasa's HTTP API (output_channel=latest|telegram): pushes messages to the chat; delivery
        failures raise, so the API call fails instead of pretending the message was sent."""
        if not self.enabled or not self._client_ready():
            return None
        return TelegramOutput(self.bot(), self.callbacks, raise_errors=True)

    # ----- lifecycle

    async def start(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        self._on_new_message = self._limited(guarded(on_new_message))  # /restart cannot undo a hand-off
        if not self.enabled:
            return
        self._turns = asyncio.Semaphore(MAX_CONCURRENT_TURNS)
        if not self._client_ready():
            return
        if self.settings.mode == "webhook":
            self.status = "starting"
            self._setup = asyncio.create_task(self._set_webhook())
        else:
            self.status = "starting"
            self._poller = asyncio.create_task(self._poll())

    async def stop(self) -> None:
        for task in (self._setup, self._poller):
            if task is not None and not task.done():
                task.cancel()
                try:
                    await task
                except BaseException:
                    pass
        if self._poller is not None and self._offset is not None:
            try:  # confirm the updates already handled, so a restart does not repeat them
                await asyncio.wait_for(
                    self.bot().do_api_request(
                        "getUpdates", api_kwargs={"offset": self._offset, "timeout": 0, "limit": 1}
                    ),
                    5,
                )
            except BaseException as exc:
                logger.debug("Telegram: could not confirm the last updates: %s", _describe_error(exc))
        if self._tasks:
            done, pending = await asyncio.wait(set(self._tasks), timeout=10)
            for task in pending:
                task.cancel()
        if self._bot is not None:
            try:
                await self._bot.shutdown()
            except Exception:
                pass
        self._poller = self._setup = None
        if self.status != "off":
            self.status = "stopped"

    async def _prepare(self, bot: Any) -> None:
        """Check the token (getMe), switch the bot to this mode, and publish the commands."""
        from telegram import BotCommand

        me = await bot.get_me()
        self.bot_username = me.username
        if self.settings.mode == "webhook":
            await bot.set_webhook(
                url=self.settings.webhook_url,
                secret_token=self.settings.webhook_secret,
                allowed_updates=ALLOWED_UPDATES,
            )
        else:
            await bot.delete_webhook(drop_pending_updates=False)
        try:
            await bot.set_my_commands([BotCommand(name, text) for name, text in COMMAND_DESCRIPTIONS])
        except Exception as exc:  # cosmetic
            logger.warning("Telegram: could not publish the command menu: %s", _describe_error(exc))

    async def _set_webhook(self) -> None:
        await self._retrying(lambda: self._prepare(self.bot()), "webhook setup")
        if self.status != "off":
            self.status = "webhook"
            logger.info(
                "Telegram bot @%s receives updates by webhook at %s",
                self.bot_username,
                _safe_url(self.settings.webhook_url),
            )

    async def _retrying(self, step: Callable[[], Awaitable[Any]], what: str) -> Any:
        from telegram.error import InvalidToken, RetryAfter

        delay = 1.0
        while True:
            try:
                return await step()
            except asyncio.CancelledError:
                raise
            except InvalidToken:
                self.status = "off"
                self.last_error = "token rejected"
                logger.error(
                    "Telegram rejected TELEGRAM_BOT_TOKEN (%s): check the token with @BotFather. "
                    "Telegram channel is off.",
                    what,
                )
                return None
            except RetryAfter as exc:
                await asyncio.sleep(_retry_seconds(exc))
            except Exception as exc:
                self.last_error = _describe_error(exc)
                logger.warning("Telegram %s failed (%s); retrying in %.0f s", what, self.last_error, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 60.0)

    async def _poll(self) -> None:
        from telegram.error import Conflict, InvalidToken, RetryAfter

        bot = self.bot()
        await self._retrying(lambda: self._prepare(bot), "start-up")
        if self.status == "off":
            return
        self.status = "polling"
        logger.info("Telegram bot @%s is polling for updates", self.bot_username)
        delay = 1.0
        while True:
            try:
                raw_updates = await bot.do_api_request(
                    "getUpdates",
                    api_kwargs={
                        "offset": self._offset,
                        "timeout": self.settings.poll_timeout,
                        "allowed_updates": ALLOWED_UPDATES,
                    },
                    read_timeout=self.settings.poll_timeout + 10.0,
                )
                delay = 1.0
            except asyncio.CancelledError:
                raise
            except InvalidToken:
                self.status, self.last_error = "off", "token rejected"
                logger.error("Telegram rejected TELEGRAM_BOT_TOKEN: polling stopped. Check the token with @BotFather.")
                return
            except RetryAfter as exc:
                await asyncio.sleep(_retry_seconds(exc))
                continue
            except Conflict:
                self.last_error = "conflict"
                logger.warning(
                    "Telegram: another process is polling this bot or a webhook is set; "
                    "retrying in %.0f s (run one polling process per token)",
                    delay,
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, 60.0)
                continue
            except Exception as exc:
                self.last_error = _describe_error(exc)
                logger.warning("Telegram polling failed (%s); retrying in %.0f s", self.last_error, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 60.0)
                continue
            for raw in raw_updates or []:
                self._accept_raw(raw)

    def _accept_raw(self, raw: Any) -> None:
        """Advance the offset past this update (even a broken one) and handle it in the background."""
        from telegram import Update

        update_id = raw.get("update_id") if isinstance(raw, dict) else None
        if isinstance(update_id, int):
            self._offset = max(self._offset or 0, update_id + 1)
        try:
            update = Update.de_json(raw, self.bot())
            incoming = parse_update(update, self.callbacks, self.bot_username)
        except Exception as exc:
            logger.warning("Telegram update %s skipped: %s", update_id, _describe_error(exc))
            return
        if incoming is not None:
            self._spawn(incoming)

    def _spawn(self, incoming: Incoming) -> None:
        task = asyncio.create_task(self._handle(incoming))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _chat_lock(self, chat_id: int) -> asyncio.Lock:
        lock = self._chat_locks.get(chat_id)
        if lock is None:
            if len(self._chat_locks) > 10_000:  # forget idle chats
                for key in [k for k, v in self._chat_locks.items() if not v.locked()]:
                    del self._chat_locks[key]
            lock = self._chat_locks[chat_id] = asyncio.Lock()
        return lock

    async def _handle(self, incoming: Incoming) -> None:
        """One update: answer a button press, then one Rasa turn per chat at a time, with "typing…"."""
        bot = self.bot()
        try:
            if incoming.callback_query_id:
                try:
                    await bot.answer_callback_query(incoming.callback_query_id, text=incoming.callback_answer)
                except Exception as exc:
                    logger.debug("Telegram answerCallbackQuery failed: %s", _describe_error(exc))
            if incoming.new_markup is not None and incoming.message_id is not None:
                try:
                    await bot.edit_message_reply_markup(
                        chat_id=incoming.chat_id, message_id=incoming.message_id, reply_markup=incoming.new_markup
                    )
                except Exception as exc:  # an old message may no longer be editable: the press still counts
                    logger.debug("Telegram editMessageReplyMarkup failed: %s", _describe_error(exc))
            if incoming.reply:
                await TelegramOutput(bot, self.callbacks).send_text_message(str(incoming.chat_id), incoming.reply)
            if incoming.text is None or self._on_new_message is None:
                return
            # The rate limit counts messages as they arrive, before they wait for the chat's turn.
            await self._on_new_message(
                UserMessage(
                    incoming.text,
                    output_channel=TelegramOutput(bot, self.callbacks),
                    sender_id=str(incoming.chat_id),
                    input_channel=self.name(),
                    metadata=incoming.metadata,
                )
            )
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("Telegram update %s could not be handled", incoming.update_id)

    def _limited(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Callable[[UserMessage], Awaitable[Any]]:
        """on_new_message behind the rate limit, one turn per chat at a time, with "typing…"."""

        async def turn(message: UserMessage) -> None:
            chat_id = chat_id_of(message.sender_id)
            async with self._chat_lock(chat_id):
                async with self._turns or asyncio.Semaphore(1):
                    typing = _Typing(message.output_channel.bot, chat_id)
                    await typing.start()
                    message.output_channel.before_send = typing.stop
                    try:
                        await on_new_message(message)
                    finally:
                        typing.stop()

        return rate_limited(turn, self._limiter)

    # ----- HTTP routes

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        telegram_webhook = Blueprint("telegram_webhook", __name__)

        @telegram_webhook.listener("after_server_start")
        async def start_channel(app: Any, loop: Any) -> None:
            await self.start(on_new_message)

        @telegram_webhook.listener("before_server_stop")
        async def stop_channel(app: Any, loop: Any) -> None:
            await self.stop()

        @telegram_webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json(
                {
                    "status": "ok",
                    "channel": CHANNEL_NAME,
                    "mode": self.settings.mode,
                    "state": self.status,
                    "bot": self.bot_username,
                    "last_error": self.last_error,
                }
            )

        @telegram_webhook.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            if self.settings.mode != "webhook":
                return response.json({"error": "Telegram webhook mode is off"}, status=404)
            given = (request.headers.get(SECRET_HEADER) or "").encode("utf-8")
            if not hmac.compare_digest(given, (self.settings.webhook_secret or "").encode("utf-8")):
                return response.json({"error": "forbidden"}, status=403)
            try:
                raw = request.json
            except Exception:
                raw = None
            if not isinstance(raw, dict):
                return response.json({"error": "expected a Telegram update"}, status=400)
            self._on_new_message = self._on_new_message or self._limited(on_new_message)
            self._accept_raw(raw)  # handled in the background: Telegram wants a quick 200
            return response.json({"ok": True})

        return telegram_webhook
