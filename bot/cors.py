"""Which other web origins may call the assistant from a browser: CORS_ORIGINS, one setting for the HTTP
server (Rasa's `--cors`) and the socket.io server of the web chat.

CORS_ORIGINS is a comma-separated list of origins (`https://www.example.gov.cn,https://m.example.gov.cn`).
Default: none — only the assistant's own origin, which is all the web chat page at /webchat/ needs.
"""

from __future__ import annotations

import os
import re
from typing import Any, Callable, Mapping

_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.\-\[\]:]+$")  # scheme://host[:port], no path


def cors_origins(environ: Mapping[str, str] = os.environ) -> list[str]:
    """The configured origins (trailing slashes dropped); ValueError names a malformed one."""
    origins = []
    for part in (environ.get("CORS_ORIGINS") or "").split(","):
        origin = part.strip().rstrip("/")
        if not origin:
            continue
        if not _ORIGIN.match(origin):
            raise ValueError(f"CORS_ORIGINS: {origin!r} is not an origin like https://www.example.gov.cn")
        if origin not in origins:
            origins.append(origin)
    return origins


def cors_arguments(environ: Mapping[str, str] = os.environ) -> list[str]:
    """`rasa run` arguments for the configured origins (none: Rasa sends no CORS headers)."""
    origins = cors_origins(environ)
    return ["--cors", *origins] if origins else []


def _same_origin(environ: Mapping[str, Any]) -> list[str]:
    """The request's own origin as Engine.IO computes it (also behind a proxy that sets X-Forwarded-*)."""
    if "HTTP_HOST" not in environ or "wsgi.url_scheme" not in environ:
        return []
    own = [f"{environ['wsgi.url_scheme']}://{environ['HTTP_HOST']}"]
    if "HTTP_X_FORWARDED_PROTO" in environ or "HTTP_X_FORWARDED_HOST" in environ:
        scheme = environ.get("HTTP_X_FORWARDED_PROTO", environ["wsgi.url_scheme"]).split(",")[0].strip()
        host = environ.get("HTTP_X_FORWARDED_HOST", environ["HTTP_HOST"]).split(",")[0].strip()
        own.append(f"{scheme}://{host}")
    return own


def socketio_origin_check(environ: Mapping[str, str] = os.environ) -> Callable[[str, Mapping[str, Any]], bool]:
    """For python-engineio's `cors_allowed_origins`: the request's own origin and the configured ones."""
    allowed = set(cors_origins(environ))

    def check(origin: str, request_environ: Mapping[str, Any]) -> bool:
        return origin in allowed or origin in _same_origin(request_environ)

    return check
