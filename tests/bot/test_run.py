import stat

import bot.run


def test_api_token_from_environment(monkeypatch):
    monkeypatch.setenv("RASA_API_TOKEN", "from-env")
    assert bot.run.api_token() == "from-env"


def test_api_token_generated_once_and_private(monkeypatch, tmp_path):
    monkeypatch.delenv("RASA_API_TOKEN", raising=False)
    monkeypatch.setattr(bot.run, "DATA_DIR", tmp_path)
    first = bot.run.api_token()
    assert len(first) >= 32 and bot.run.api_token() == first
    assert stat.S_IMODE((tmp_path / "api_token").stat().st_mode) == 0o600
