import pytest

from bot.console.accounts import (
    AccountError,
    authenticate,
    hash_password,
    load_accounts,
    main,
    save_account,
    verify_password,
)
from bot.console.sessions import SessionStore


def test_passwords_are_stored_hashed_and_verified(tmp_path):
    path = tmp_path / "agents.yml"
    save_account("wang", "correct horse", "王小明", path=path)
    stored = path.read_text(encoding="utf-8")
    assert "correct horse" not in stored and "scrypt$" in stored
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert authenticate("wang", "correct horse", path).display_name == "王小明"
    assert authenticate("wang", "wrong horse", path) is None
    assert authenticate("nobody", "correct horse", path) is None


def test_each_hash_has_its_own_salt():
    first, second = hash_password("same password"), hash_password("same password")
    assert first != second and verify_password("same password", first) and verify_password("same password", second)
    assert not verify_password("same password", "plain-text") and not verify_password("x", "scrypt$1$2$3$zz$zz")


@pytest.mark.parametrize("username,password", [("a", "long enough"), ("王", "long enough"), ("wang", "short")])
def test_bad_accounts_are_refused(tmp_path, username, password):
    with pytest.raises(AccountError):
        save_account(username, password, path=tmp_path / "agents.yml")


def test_a_broken_accounts_file_is_a_clear_error(tmp_path):
    path = tmp_path / "agents.yml"
    path.write_text("agents:\n  wang: {name: 王}\n", encoding="utf-8")
    with pytest.raises(AccountError, match="password_hash"):
        load_accounts(path)


def test_command_line_adds_an_account(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("AGENT_ACCOUNTS_FILE", str(tmp_path / "agents.yml"))
    monkeypatch.setenv("AGENT_PASSWORD", "s3cret-pass")
    assert main(["add", "li", "--name", "李四"]) == 0
    assert "s3cret-pass" not in capsys.readouterr().out
    assert authenticate("li", "s3cret-pass").display_name == "李四"
    monkeypatch.setenv("AGENT_PASSWORD", "short")
    assert main(["add", "li"]) == 2


def test_sessions(tmp_path):
    store = SessionStore(f"sqlite:///{tmp_path / 's.db'}")
    token = store.create("wang")
    assert store.agent_for(token) == "wang"
    assert store.agent_for("forged") is None and store.agent_for(None) is None
    assert SessionStore(f"sqlite:///{tmp_path / 's.db'}").agent_for(token) == "wang"  # another process
    store.end(token)
    assert store.agent_for(token) is None
