"""The HTTP security headers of every page this assistant serves, in one place (issue 14).

Both the agent console (bot/console/channel.py) and the web chat page (bot/channels/socketio.py) take
their headers from here; each page keeps its own Content-Security-Policy, referrer and framing rules:

- console: may not be framed at all; `Referrer-Policy: same-origin`, because with `no-referrer` browsers
  send `Origin: null` on the console's own POSTs and its Origin check would refuse them; never cached.
- console login form: the one page without a session; it has inline styles and posts to itself.
- web chat: may be framed by its own origin (an embedding page of the same site); no referrer at all;
  revalidated, not `no-store`, so a reopened tab loads fast.
"""

from __future__ import annotations

from typing import Optional


def security_headers(
    *,
    csp: Optional[str] = None,
    referrer: str = "no-referrer",
    frame_options: Optional[str] = None,
    cache: str = "no-store",
) -> dict[str, str]:
    """The headers every response of ours carries, plus the page's own policy values."""
    headers = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": referrer, "Cache-Control": cache}
    if frame_options:
        headers["X-Frame-Options"] = frame_options
    if csp:
        headers["Content-Security-Policy"] = csp
    return headers


CONSOLE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; base-uri 'none'; object-src 'none'; frame-ancestors 'none'"
)
CONSOLE_LOGIN_CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"
WEBCHAT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; base-uri 'none'; form-action 'none'; object-src 'none'; frame-ancestors 'self'"
)

CONSOLE_HEADERS = security_headers(csp=CONSOLE_CSP, referrer="same-origin", frame_options="DENY")
CONSOLE_LOGIN_HEADERS = security_headers(csp=CONSOLE_LOGIN_CSP, referrer="same-origin", frame_options="DENY")
# The web chat's static files (scripts, styles) carry no CSP; the page itself does.
WEBCHAT_HEADERS = security_headers(cache="no-cache")
WEBCHAT_PAGE_HEADERS = security_headers(csp=WEBCHAT_CSP, cache="no-cache")
