"""Agent accounts: a YAML file of user names and scrypt password hashes (never plain passwords).

File: AGENT_ACCOUNTS_FILE, default var/agents.yml. Add or change an account with
`python -m bot.console.accounts add <username> [--name 显示名]` (asks for the password).
"""
from __future__ import annotations

import argparse
import getpass
import hashlib
import hmac
import os
import re
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import yaml

from policy_core import config

# scrypt cost: ~50 ms per check on this machine, too slow for guessing, fine for a login.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
USERNAME = re.compile(r"^[A-Za-z0-9_.-]{2,32}$")
MIN_PASSWORD_LENGTH = 8


class AccountError(ValueError):
    pass


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        candidate = hashlib.scrypt(password.encode("utf-8"), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(candidate.hex(), digest)


@dataclass(frozen=True)
class AgentAccount:
    username: str
    display_name: str
    password_hash: str


def accounts_file() -> Path:
    return Path(os.environ.get("AGENT_ACCOUNTS_FILE") or config.DATA_DIR / "agents.yml")


def load_accounts(path: Optional[Path] = None) -> dict[str, AgentAccount]:
    path = path or accounts_file()
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    accounts = {}
    for username, entry in (data.get("agents") or {}).items():
        if not USERNAME.match(str(username)) or not isinstance(entry, dict) or "password_hash" not in entry:
            raise AccountError(f"{path}: agent {username!r} needs a valid user name and a password_hash")
        accounts[str(username)] = AgentAccount(str(username), str(entry.get("name") or username),
                                               str(entry["password_hash"]))
    return accounts


def save_account(username: str, password: str, display_name: Optional[str] = None,
                 path: Optional[Path] = None) -> AgentAccount:
    if not USERNAME.match(username):
        raise AccountError("用户名只能包含字母、数字、_ . -，长度 2–32")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"密码至少 {MIN_PASSWORD_LENGTH} 位")
    path = path or accounts_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    data = (yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else None) or {}
    agents = data.setdefault("agents", {})
    account = AgentAccount(username, display_name or username, hash_password(password))
    agents[username] = {"name": account.display_name, "password_hash": account.password_hash}
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=True), encoding="utf-8")
    path.chmod(0o600)
    return account


def authenticate(username: str, password: str, path: Optional[Path] = None) -> Optional[AgentAccount]:
    account = load_accounts(path).get(username)
    if account is None:
        hash_password(password)  # same work either way, so timing does not reveal which names exist
        return None
    return account if verify_password(password, account.password_hash) else None


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Manage agent console accounts")
    sub = parser.add_subparsers(dest="command", required=True)
    add = sub.add_parser("add", help="add an account or change its password")
    add.add_argument("username")
    add.add_argument("--name", help="display name shown to colleagues, e.g. 王小明")
    sub.add_parser("list", help="list the accounts")
    args = parser.parse_args(argv)
    if args.command == "list":
        for account in load_accounts().values():
            print(f"{account.username}\t{account.display_name}")
        return 0
    # AGENT_PASSWORD lets scripts create accounts without a terminal; it is never printed.
    password = os.environ.get("AGENT_PASSWORD") or getpass.getpass(f"{args.username} 的密码: ")
    try:
        save_account(args.username, password, args.name)
    except AccountError as error:
        print(f"错误：{error}", file=sys.stderr)
        return 2
    print(f"已保存账号 {args.username} 到 {accounts_file()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
