"""The client address of an HTTP request, for per-address limits and log lines.

The socket peer's address, unless Sanic is told to trust a proxy (FORWARDED_SECRET, REAL_IP_HEADER or
PROXIES_COUNT in Sanic's config, i.e. SANIC_PROXIES_COUNT=1 behind one reverse proxy): only then are
X-Forwarded-For / Forwarded headers believed, so a client cannot choose its own address.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from typing import Any, Optional

CLIENT_KEY = "client_tag"  # the metadata key the channels set (a client's own value is overwritten)


def client_address(request: Any) -> str:
    try:
        return str(request.remote_addr or request.ip or "unknown")
    except Exception:  # a request without connection info (e.g. in a unit test)
        return "unknown"


_TAG_KEY = (os.environ.get("CLIENT_TAG_KEY") or os.environ.get("RASA_API_TOKEN") or secrets.token_hex(16)).encode()


def client_tag(address: str) -> str:
    """A stable pseudonym of a client address (keyed hash): limits and ticket caps use it, and it is what
    goes into the conversation's metadata, so no raw address is stored with a resident's messages."""
    return "c-" + hmac.new(_TAG_KEY, address.encode("utf-8"), hashlib.sha256).hexdigest()[:16]


def message_client(metadata: Any) -> Optional[str]:
    """The client tag a channel put into a message's metadata."""
    value = metadata.get(CLIENT_KEY) if isinstance(metadata, dict) else None
    return value if isinstance(value, str) else None
