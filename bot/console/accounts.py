"""Agent accounts: a YAML file of user names, roles and scrypt password hashes (never plain passwords).

File: AGENT_ACCOUNTS_FILE, default var/agents.yml. Manage accounts with
`python -m bot.console.accounts add <username> [--name 显示名] [--role supervisor|operator]` (asks for the
password; changing it ends the agent's sessions), `remove <username>`, `disable <username>`,
`enable <username>` and `list` (make agent / agent-remove / agent-disable).

Roles: an agent works hand-off tickets; a supervisor also reassigns other agents' tickets and may use the
review page; an operator keeps the knowledge base up to date from the review page and does not work
tickets (an operator is not watching the queue, so a ticket they took would wait, and they need no
access to residents' conversations beyond the masked questions the review page shows).
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
MIN_PASSWORD_LENGTH = 10
ROLES = ("agent", "supervisor", "operator")
TICKET_ROLES = ("agent", "supervisor")
REVIEW_ROLES = ("operator", "supervisor")
# The most used passwords (public breach lists) that are 10 characters or longer, and local favourites.
COMMON_PASSWORDS = frozenset(
    """
1234567890 0123456789 1234567891 1234512345 1q2w3e4r5t 1qaz2wsx3edc qwertyuiop qwertyuiop123 asdfghjkl;
password12 password123 password1234 passw0rd123 p@ssw0rd123 iloveyou12 iloveyou123 abcd123456 abc1234567
a123456789 qwerty1234 qwerty12345 qwe1234567 zxcvbnm123 1234qwer!@ administrator admin12345 admin123456
welcome123 changeme12 letmein123 woaini1314 woaini5201314 5201314520 1314520520 aa12345678 qq123456789
123456789a 123456789q 12345678910 abc123456789 football12 baseball12 sunshine12 princess12 dragon1234
superman12 trustno1234 computer12 internet12 zhang12345 wang123456 li12345678 liu1234567 chen123456
""".split()
)


def password_problem(username: str, password: str) -> Optional[str]:
    """Why `password` is not allowed for `username` (in Chinese), or None when it is fine."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"密码至少 {MIN_PASSWORD_LENGTH} 位"
    lowered = password.lower()
    if len(set(password)) == 1:
        return "密码不能由同一个字符组成"
    if password.isdigit():
        return "密码不能只有数字"
    if lowered in COMMON_PASSWORDS:
        return "这个密码太常见，请换一个"
    if username and username.lower() in lowered:
        return "密码不能包含用户名"
    return None


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
    role: str = "agent"
    disabled: bool = False

    @property
    def is_supervisor(self) -> bool:
        return self.role == "supervisor"

    @property
    def works_tickets(self) -> bool:
        return self.role in TICKET_ROLES

    @property
    def reviews_answers(self) -> bool:
        """May open the review page: see what the assistant could not answer and change the knowledge."""
        return self.role in REVIEW_ROLES


def accounts_file() -> Path:
    return Path(os.environ.get("AGENT_ACCOUNTS_FILE") or config.DATA_DIR / "agents.yml")


_cache: dict[Path, tuple[tuple[int, int, int], dict[str, AgentAccount]]] = {}


def load_accounts(path: Optional[Path] = None) -> dict[str, AgentAccount]:
    path = path or accounts_file()
    if not path.exists():
        return {}
    # Read on every console request (a removed agent is out at once): parsed again only when the file changed.
    stat = path.stat()
    stamp = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
    cached = _cache.get(path)
    if cached and cached[0] == stamp:
        return cached[1]
    accounts = _parse(path)
    _cache[path] = (stamp, accounts)
    return accounts


def _parse(path: Path) -> dict[str, AgentAccount]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    accounts = {}
    for username, entry in (data.get("agents") or {}).items():
        if not USERNAME.match(str(username)) or not isinstance(entry, dict) or "password_hash" not in entry:
            raise AccountError(f"{path}: agent {username!r} needs a valid user name and a password_hash")
        role = str(entry.get("role") or "agent")
        if role not in ROLES:
            raise AccountError(f"{path}: agent {username!r} has an unknown role {role!r} ({', '.join(ROLES)})")
        accounts[str(username)] = AgentAccount(
            str(username),
            str(entry.get("name") or username),
            str(entry["password_hash"]),
            role,
            bool(entry.get("disabled")),
        )
    return accounts


def active_account(username: Optional[str], path: Optional[Path] = None) -> Optional[AgentAccount]:
    """The account if it exists and is not disabled: a removed or disabled agent's sessions stop working."""
    if not username:
        return None
    account = load_accounts(path).get(username)
    return account if account is not None and not account.disabled else None


def _read(path: Path) -> dict:
    return (yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else None) or {}


def _write(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Created private (0600) before anything is written, not chmod-ed afterwards.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(yaml.safe_dump(data, allow_unicode=True, sort_keys=True))
    path.chmod(0o600)


def save_account(
    username: str,
    password: str,
    display_name: Optional[str] = None,
    path: Optional[Path] = None,
    role: Optional[str] = None,
) -> AgentAccount:
    """Add an account or change its password (keeping its name and role unless given)."""
    if not USERNAME.match(username):
        raise AccountError("用户名只能包含字母、数字、_ . -，长度 2–32")
    problem = password_problem(username, password)
    if problem:
        raise AccountError(problem)
    if role is not None and role not in ROLES:
        raise AccountError("角色只能是 agent、supervisor 或 operator")
    path = path or accounts_file()
    data = _read(path)
    agents = data.setdefault("agents", {})
    old = agents.get(username) or {}
    account = AgentAccount(
        username,
        display_name or old.get("name") or username,
        hash_password(password),
        role or old.get("role") or "agent",
    )
    agents[username] = {"name": account.display_name, "password_hash": account.password_hash, "role": account.role}
    _write(path, data)
    return account


def set_disabled(username: str, disabled: bool, path: Optional[Path] = None) -> None:
    path = path or accounts_file()
    data = _read(path)
    entry = (data.get("agents") or {}).get(username)
    if entry is None:
        raise AccountError(f"没有账号 {username}")
    if disabled:
        entry["disabled"] = True
    else:
        entry.pop("disabled", None)
    _write(path, data)


def remove_account(username: str, path: Optional[Path] = None) -> None:
    path = path or accounts_file()
    data = _read(path)
    if username not in (data.get("agents") or {}):
        raise AccountError(f"没有账号 {username}")
    del data["agents"][username]
    _write(path, data)


def authenticate(username: str, password: str, path: Optional[Path] = None) -> Optional[AgentAccount]:
    """Blocking (scrypt): the console calls it through bot.console.login_guard, off the event loop."""
    account = active_account(username, path)
    if account is None:
        hash_password(password)  # same work either way, so timing does not reveal which names exist
        return None
    return account if verify_password(password, account.password_hash) else None


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Manage agent console accounts")
    sub = parser.add_subparsers(dest="command", required=True)
    add = sub.add_parser("add", help="add an account or change its password (ends its sessions)")
    add.add_argument("username")
    add.add_argument("--name", help="display name shown to colleagues, e.g. 王小明")
    add.add_argument(
        "--role",
        choices=ROLES,
        help="supervisor: may reassign other agents' tickets and use the review page; "
        "operator: the review page only, no tickets",
    )
    for command, text in (
        ("remove", "remove an account (ends its sessions)"),
        ("disable", "disable an account (ends its sessions)"),
        ("enable", "enable it again"),
    ):
        sub.add_parser(command, help=text).add_argument("username")
    sub.add_parser("list", help="list the accounts")
    args = parser.parse_args(argv)
    if args.command == "list":
        for account in load_accounts().values():
            print(
                f"{account.username}\t{account.display_name}\t{account.role}" + ("\t已停用" if account.disabled else "")
            )
        return 0
    try:
        if args.command == "add":
            # AGENT_PASSWORD lets scripts create accounts without a terminal; it is never printed.
            password = os.environ.get("AGENT_PASSWORD") or getpass.getpass(f"{args.username} 的密码: ")
            save_account(args.username, password, args.name, role=args.role)
            done = f"已保存账号 {args.username} 到 {accounts_file()}"
        elif args.command == "remove":
            remove_account(args.username)
            done = f"已删除账号 {args.username}"
        elif args.command == "disable":
            set_disabled(args.username, True)
            done = f"已停用账号 {args.username}"
        else:
            set_disabled(args.username, False)
            done = f"已启用账号 {args.username}"
    except AccountError as error:
        print(f"错误：{error}", file=sys.stderr)
        return 2
    if args.command != "enable":
        ended = _end_sessions(args.username)
        done += f"，已结束 {ended} 个登录会话" if ended else ""
    print(done)
    return 0


def _end_sessions(username: str) -> int:
    from .sessions import SessionStore  # the database only when a command changes an account

    return SessionStore().end_agent(username)


if __name__ == "__main__":
    sys.exit(main())
