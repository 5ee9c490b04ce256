"""Security headers come from one module (bot/security_headers.py) for both the console and the web chat,
each page keeping its own Content-Security-Policy."""

from pathlib import Path

import bot.channels.socketio as webchat
import bot.console.channel as console
from bot import security_headers
from policy_core.config import PROJECT_ROOT


def test_the_console_and_the_web_chat_take_their_headers_from_one_module():
    assert console.SECURITY_HEADERS is security_headers.CONSOLE_HEADERS
    assert console.LOGIN_HEADERS is security_headers.CONSOLE_LOGIN_HEADERS
    assert webchat.SECURITY_HEADERS is security_headers.WEBCHAT_HEADERS
    assert webchat.PAGE_CSP == security_headers.WEBCHAT_PAGE_HEADERS["Content-Security-Policy"]
    # Nowhere else in bot/ are security headers spelled out.
    spelled = [
        path.relative_to(PROJECT_ROOT).as_posix()
        for path in Path(PROJECT_ROOT, "bot").rglob("*.py")
        for name in ("X-Content-Type-Options", "Content-Security-Policy", "X-Frame-Options", "Referrer-Policy")
        if name in path.read_text(encoding="utf-8")
    ]
    assert set(spelled) == {"bot/security_headers.py"}


def test_every_page_keeps_its_own_policy():
    for headers in security_headers.CONSOLE_HEADERS, security_headers.CONSOLE_LOGIN_HEADERS:
        assert headers["X-Content-Type-Options"] == "nosniff" and headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "same-origin" and headers["Cache-Control"] == "no-store"
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "script-src 'self'" in security_headers.CONSOLE_HEADERS["Content-Security-Policy"]
    assert "style-src 'unsafe-inline'" in security_headers.CONSOLE_LOGIN_HEADERS["Content-Security-Policy"]
    page = security_headers.WEBCHAT_PAGE_HEADERS
    assert page["Referrer-Policy"] == "no-referrer" and page["Cache-Control"] == "no-cache"
    assert "frame-ancestors 'self'" in page["Content-Security-Policy"] and "X-Frame-Options" not in page
    assert "Content-Security-Policy" not in security_headers.WEBCHAT_HEADERS  # static files
