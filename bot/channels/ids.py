"""Conversation ids are namespaced by channel through their form, so no channel can reach another's:

- web chat (socket.io): 32 lowercase hex digits, issued by the server (bot/channels/socketio.py);
- Telegram: the chat id, a signed integer (bot/channels/telegram.py);
- REST: a letter first, then letters, digits and `_ . : @ -`, at most 64 characters, and never in the
  web chat form — so a REST client can neither use a Telegram chat id nor a web chat session id.
"""

from __future__ import annotations

import re
from typing import Optional

MAX_SENDER_CHARS = 64
WEBCHAT_ID = re.compile(r"[0-9a-f]{32}")
TELEGRAM_ID = re.compile(r"-?[0-9]+")
REST_SENDER = re.compile(r"[A-Za-z][A-Za-z0-9_.:@-]{0,%d}" % (MAX_SENDER_CHARS - 1))


def rest_sender_problem(sender: str) -> Optional[str]:
    """Why a REST sender id is refused (bilingual, for the 400 answer), or None."""
    if WEBCHAT_ID.fullmatch(sender) or TELEGRAM_ID.fullmatch(sender):
        return "'sender' 不能使用其他渠道的会话编号 ('sender' has the form of another channel's conversation id)"
    if not REST_SENDER.fullmatch(sender):
        return (
            "'sender' 须以字母开头，只含字母、数字和 _ . : @ -，"
            f"最长{MAX_SENDER_CHARS}个字符 ('sender' must match {REST_SENDER.pattern})"
        )
    return None
