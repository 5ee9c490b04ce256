"""Throw-away PostgreSQL and Redis servers on loopback for the scale-out test (Debian packages
postgresql and redis-server; `.ci/run` installs them). Missing binaries are an error, never a skip."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bot.testing import free_port


def _pg_bin() -> Path:
    """PG_BIN, else the newest Debian PostgreSQL (/usr/lib/postgresql/<major>/bin)."""
    if os.environ.get("PG_BIN"):
        return Path(os.environ["PG_BIN"])
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    return found[-1].parent if found else Path("/usr/lib/postgresql/15/bin")


PG_BIN = _pg_bin()
PG_USER = "postgres"  # PostgreSQL refuses to run as root: as root, its commands run as this user


class MissingServer(RuntimeError):
    pass


def _require(path: Path | str, package: str) -> str:
    found = shutil.which(str(path))
    if not found:
        raise MissingServer(
            f"{path} not found: install the Debian package `{package}` (apt-get install -y {package}; .ci/run does)"
        )
    return found


def _as_server_user(command: list[str]) -> list[str]:
    return ["runuser", "-u", PG_USER, "--", *command] if os.geteuid() == 0 else command


@dataclass
class Postgres:
    root: Path
    port: int

    @property
    def data(self) -> Path:
        return self.root / "data"

    def url(self, database: str) -> str:
        return f"postgresql://{PG_USER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        import psycopg2

        connection = psycopg2.connect(host="127.0.0.1", port=self.port, user=PG_USER, dbname="postgres")
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        connection.close()
        return self.url(name)

    def stop(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                subprocess.run(
                    _as_server_user([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"]),
                    capture_output=True,
                    timeout=60,
                )
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def start_postgres() -> Postgres:
    """initdb into a new folder under /tmp (owned by the server user; pytest's tmp folders are private
    to root), then start on a free loopback port with its unix socket in that folder. trust auth, no fsync."""
    for binary in ("initdb", "pg_ctl", "postgres"):
        _require(PG_BIN / binary, "postgresql")
    root = Path(tempfile.mkdtemp(prefix="policy-pg-"))
    postgres = Postgres(root, free_port())
    try:
        if os.geteuid() == 0:
            shutil.chown(root, PG_USER, PG_USER)
        subprocess.run(
            _as_server_user(
                [
                    str(PG_BIN / "initdb"),
                    "-D",
                    str(postgres.data),
                    "-U",
                    PG_USER,
                    "-A",
                    "trust",
                    "-E",
                    "UTF8",
                    "--locale",
                    "C.UTF-8",
                ]
            ),
            check=True,
            capture_output=True,
            timeout=120,
        )
        options = (
            f"-p {postgres.port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        subprocess.run(
            _as_server_user(
                [
                    str(PG_BIN / "pg_ctl"),
                    "-D",
                    str(postgres.data),
                    "-l",
                    str(root / "postgres.log"),
                    "-o",
                    options,
                    "-w",
                    "-t",
                    "60",
                    "start",
                ]
            ),
            check=True,
            capture_output=True,
            timeout=90,
        )
    except BaseException as error:
        log = root / "postgres.log"
        detail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        output = getattr(error, "stderr", b"") or b""
        postgres.stop()
        raise RuntimeError(f"PostgreSQL did not start: {error}\n{output.decode(errors='replace')}\n{detail}") from error
    return postgres


@dataclass
class Redis:
    root: Path
    port: int
    process: subprocess.Popen

    def stop(self) -> None:
        try:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=20)
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def _redis_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def start_redis() -> Redis:
    """redis-server on a free loopback port, nothing persisted."""
    binary = _require("redis-server", "redis-server")
    root = Path(tempfile.mkdtemp(prefix="policy-redis-"))
    port = free_port()
    process = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(root),
            "--daemonize",
            "no",
        ],
        stdout=open(root / "redis.log", "wb"),
        stderr=subprocess.STDOUT,
    )
    redis = Redis(root, port, process)
    deadline = time.monotonic() + 30
    while not _redis_ping(port):
        if process.poll() is not None or time.monotonic() > deadline:
            log = (root / "redis.log").read_text(errors="replace")[-2000:]
            redis.stop()
            raise RuntimeError(f"redis-server did not start on port {port}:\n{log}")
        time.sleep(0.2)
    return redis
