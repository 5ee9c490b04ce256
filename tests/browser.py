"""Headless Debian Chromium for the browser tests (web chat, agent console): one way to start it.

Never skipped: CI installs chromium and chromium-driver (.ci/run); without them the tests fail.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any, Callable, Optional

import pytest

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
WAIT = 60  # seconds: two cores shared with other test runs


def chromium(profile_dir: Path, width: int, height: int, mobile: bool = False):
    """A headless Chromium whose viewport is width x height CSS pixels."""
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        pytest.fail(f"{', '.join(missing)} missing: apt-get install -y chromium chromium-driver")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--window-size={max(width, 500)},{height}",
        "--lang=zh-CN",
        f"--user-data-dir={profile_dir}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    driver.set_page_load_timeout(WAIT)
    # Chromium's windows are at least 500 px wide: emulate smaller viewports (phones) through CDP.
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 2 if mobile else 1, "mobile": mobile},
    )
    return driver


def wait_until(
    condition: Callable[[], Any], what: str, timeout: float = WAIT, on_timeout: Optional[Callable[[], str]] = None
) -> Any:
    """Poll `condition` until it returns something truthy; fail naming `what` (and `on_timeout()`'s detail)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.3)
    detail = on_timeout() if on_timeout else ""
    raise AssertionError(f"timed out after {timeout} s waiting for {what}{'; ' + detail if detail else ''}")


class WebChatPage:
    """The resident's web chat page (web/index.html) in a driver; screenshots go to `shots`."""

    def __init__(self, driver, url: str, shots: Path) -> None:
        self.driver, self.url, self.shots = driver, url, shots
        shots.mkdir(parents=True, exist_ok=True)

    def js(self, script: str, *args: Any) -> Any:
        return self.driver.execute_script(script, *args)

    def wait(self, condition: Callable[[], Any], what: str, timeout: float = WAIT) -> Any:
        def failed() -> str:
            self.shot("failed")
            return f"bot said: {self.bot_texts()[-3:]}"

        return wait_until(condition, what, timeout, failed)

    def shot(self, name: str) -> None:
        self.driver.save_screenshot(str(self.shots / f"{name}.png"))

    @property
    def session_id(self) -> Optional[str]:
        return self.js("return localStorage.getItem('policyChat.sessionId')")

    def ready(self) -> bool:
        return self.js("return !document.getElementById('chat-send').disabled")

    def banner_shown(self) -> str:
        return self.js(
            "var b = document.getElementById('chat-banner');"
            "return !b.hidden && b.getBoundingClientRect().height > 0 ? b.textContent : ''"
        )

    def messages(self) -> list[dict]:
        """Who said what (role user, bot or staff), the short text only, and the chips' titles."""
        return self.js(
            "return Array.from(document.querySelectorAll('#chat-log .msg')).map(m => ({"
            "role: m.classList.contains('msg-user') ? 'user' : m.classList.contains('msg-staff') ? 'staff' : 'bot',"
            "text: (m.querySelector('.msg-text') || {}).textContent || '',"
            "buttons: Array.from(m.querySelectorAll('.chip')).map(b => b.textContent)}))"
        )

    def entries(self) -> list[dict]:
        """Each message as the resident sees it: label and time, text, folded details, chips, 👍/👎, links."""
        return self.js(
            """
            const shown = e => !!e && e.checkVisibility({visibilityProperty: true}) && e.getClientRects().length > 0;
            return Array.from(document.querySelectorAll('#chat-log .msg')).map(m => {
              const details = m.querySelector('details.msg-details');
              const body = details && details.querySelector('.msg-details-body');
              const rate = Array.from(m.querySelectorAll('.msg-rate .rate'));
              return {
                role: m.classList.contains('msg-user') ? 'user' : m.classList.contains('msg-staff') ? 'staff' : 'bot',
                who: (m.querySelector('.msg-who') || {}).textContent || '',
                time: (m.querySelector('.msg-time') || {}).textContent || '',
                text: (m.querySelector('.msg-text') || {}).textContent || '',
                bubble: getComputedStyle(m.querySelector('.msg-bubble')).backgroundColor,
                details: body ? body.textContent : null,
                summary: details ? details.querySelector('summary').textContent : null,
                details_open: details ? details.open : null,
                details_shown: body ? shown(body) : null,
                chips: Array.from(m.querySelectorAll('.chip')).map(b => ({title: b.textContent, disabled: b.disabled})),
                rating: rate.map(b => ({label: b.getAttribute('aria-label'), disabled: b.disabled,
                                        pressed: b.getAttribute('aria-pressed'), shown: shown(b)})),
                links: Array.from(m.querySelectorAll('a')).map(a => ({href: a.getAttribute('href'), text: a.textContent,
                                                                    rel: a.rel, target: a.target})),
              };
            });
            """
        )

    def bot_texts(self) -> list[str]:
        """The texts of the messages not from the resident (the assistant's and staff members')."""
        try:
            return [m["text"] for m in self.messages() if m["role"] != "user"]
        except Exception:  # the page itself is gone
            return []

    def visible_text(self, element_id: str) -> str:
        """The element's text if it is shown, else ''."""
        return self.js(
            "var e = document.getElementById(arguments[0]);"
            "return e && !e.hidden && e.getClientRects().length ? e.textContent : ''",
            element_id,
        )

    def stored_history(self) -> list[dict]:
        """The history the page keeps in localStorage for its current session."""
        return self.js(
            "var id = localStorage.getItem('policyChat.sessionId');"
            "return id ? JSON.parse(localStorage.getItem('policyChat.history.' + id) || '[]') : []"
        )

    def storage(self) -> dict:
        return self.js("return Object.fromEntries(Object.keys(localStorage).map(k => [k, localStorage.getItem(k)]))")

    def start_over(self) -> None:
        """A new resident: nothing stored, the page loaded afresh, a new session confirmed."""
        self.driver.get(self.url)
        self.js("localStorage.clear()")
        self.driver.get(self.url)
        self.wait(self.ready, "a new session")

    def record_csp_violations(self) -> None:
        """From the next page load on, Content-Security-Policy violations are kept in window.cspViolations."""
        self.driver.execute_cdp_cmd(
            "Page.addScriptToEvaluateOnNewDocument",
            {
                "source": "window.cspViolations = [];"
                "document.addEventListener('securitypolicyviolation',"
                " e => window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));"
            },
        )

    def csp_violations(self) -> list[str]:
        return self.js("return window.cspViolations || []")

    def send(self, text: str) -> None:
        self.wait(self.ready, "the chat to be connected")
        self.driver.find_element("id", "chat-input").send_keys(text)
        self.driver.find_element("id", "chat-send").click()
        # The answer may already be on the page: the resident's message is among the newest ones.
        assert {"role": "user", "text": text, "buttons": []} in self.messages()[-4:]
        assert self.js("return document.getElementById('chat-input').value") == ""

    def ask(self, text: str, expect: str, timeout: float = WAIT) -> list[str]:
        """Type `text`, send it, and wait for new bot messages whose joined text matches `expect`."""
        before = len(self.bot_texts())
        self.send(text)
        return self.wait_bot(before, expect, timeout)

    def wait_bot(self, before: int, expect: str, timeout: float = WAIT) -> list[str]:
        pattern = re.compile(expect)
        return self.wait(
            lambda: pattern.search("\n".join(self.bot_texts()[before:])) and self.bot_texts()[before:],
            f"a bot message matching {expect!r}",
            timeout,
        )

    def click_button(self, title: str) -> None:
        """Click the newest button chip titled `title`."""
        chip = [c for c in self.driver.find_elements("css selector", ".chip") if c.text == title][-1]
        chip.click()

    def clear_history(self) -> None:
        """清除记录: the first tap asks for confirmation, the second clears."""
        button = self.driver.find_element("id", "chat-clear")
        button.click()
        button.click()
