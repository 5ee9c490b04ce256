"""CORS_ORIGINS: parsed once, passed to `rasa run --cors`, and the socket.io server's origin check."""

import pytest

from bot.cors import cors_arguments, cors_origins, socketio_origin_check


def test_default_is_same_origin_only():
    assert cors_origins({}) == [] and cors_arguments({}) == []
    check = socketio_origin_check({})
    own = {"wsgi.url_scheme": "http", "HTTP_HOST": "127.0.0.1:5005"}
    assert check("http://127.0.0.1:5005", own)
    assert not check("https://evil.example", own)
    assert not check("http://127.0.0.1:5006", own)


def test_configured_origins():
    env = {"CORS_ORIGINS": " https://www.example.gov.cn/ , https://m.example.gov.cn,https://www.example.gov.cn"}
    assert cors_origins(env) == ["https://www.example.gov.cn", "https://m.example.gov.cn"]
    assert cors_arguments(env) == ["--cors", "https://www.example.gov.cn", "https://m.example.gov.cn"]
    check = socketio_origin_check(env)
    own = {"wsgi.url_scheme": "http", "HTTP_HOST": "localhost:5005"}
    assert check("https://m.example.gov.cn", own) and check("http://localhost:5005", own)
    assert not check("https://example.gov.cn", own) and not check("null", own)


def test_behind_a_proxy_the_forwarded_origin_is_own():
    check = socketio_origin_check({})
    environ = {
        "wsgi.url_scheme": "http",
        "HTTP_HOST": "127.0.0.1:5005",
        "HTTP_X_FORWARDED_PROTO": "https",
        "HTTP_X_FORWARDED_HOST": "chat.example.gov.cn",
    }
    assert check("https://chat.example.gov.cn", environ)


@pytest.mark.parametrize("value", ["*.example.com", "example.com", "https://example.com/path", "ftp://x"])
def test_malformed_origins_are_refused(value):
    with pytest.raises(ValueError, match="CORS_ORIGINS"):
        cors_origins({"CORS_ORIGINS": value})


def test_both_launchers_pass_the_setting(monkeypatch):
    import inspect

    import bot.run
    import bot.testing

    assert "cors_arguments(env)" in inspect.getsource(bot.run.main)
    assert "cors_arguments(env)" in inspect.getsource(bot.testing.start_assistant)
