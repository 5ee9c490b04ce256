"""Telegram channel tests: unit tests on an in-process mock Bot API (httpx.MockTransport), and
integration tests (marked `model`) against a stub Bot API server on 127.0.0.1 with the real assistant."""

import pytest

from .mock_bot_api import MockBotApi

TELEGRAM_ENV = (
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_API_BASE_URL",
    "TELEGRAM_PROXY",
    "TELEGRAM_WEBHOOK_URL",
    "TELEGRAM_WEBHOOK_SECRET",
    "TELEGRAM_POLL_TIMEOUT",
)


@pytest.fixture(autouse=True)
def no_telegram_env(monkeypatch):
    """Tests start from a clean environment: no token, no proxy, no webhook."""
    for name in TELEGRAM_ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def mock_api() -> MockBotApi:
    return MockBotApi()
