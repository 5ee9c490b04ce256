"""One way to open the hand-off database (and to prepare SQLite files for any store).

SQLite files hold residents' conversations and contact data: they are created private (0600) in a
private folder (0700) before SQLite opens them, and existing ones are made private. SQLite gives its
journal and WAL files the main file's permissions.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Optional

import sqlalchemy
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import declarative_base

# One declarative base for the desk database (hand-off tickets, replies, the answer log).
Base = declarative_base()


def sqlite_path(url: str) -> Optional[Path]:
    try:
        parsed = make_url(url)
    except Exception:
        return None
    if not parsed.drivername.startswith("sqlite") or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def private_dir(path: Path) -> None:
    if not path.exists():
        path.mkdir(parents=True, mode=0o700, exist_ok=True)
        path.chmod(0o700)  # mkdir's mode is reduced by the umask


def prepare_sqlite(url: str) -> None:
    path = sqlite_path(url)
    if path is None:
        return
    private_dir(path.parent)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    os.close(descriptor)
    try:
        path.chmod(0o600)
    except PermissionError:  # not our file: leave it to its owner
        pass


def create_engine(url: str, **options: Any) -> Engine:
    prepare_sqlite(url)
    engine = sqlalchemy.create_engine(url, future=True, pool_pre_ping=True, **options)
    if sqlite_path(url) is not None:
        # Every answer writes a row: with a write-ahead log, readers do not wait for writers and a commit
        # needs no full sync of the database file.
        @sqlalchemy.event.listens_for(engine, "connect")
        def _write_ahead_log(connection: Any, _record: Any) -> None:
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

    return engine


def upgrade_schema(engine: Engine, metadata: sqlalchemy.MetaData) -> None:
    """Create missing tables, add missing (nullable) columns and indexes to existing ones.

    Enough for the hand-off database's additive changes; databases made by earlier versions keep working.
    """
    metadata.create_all(engine)
    inspector = sqlalchemy.inspect(engine)
    with engine.begin() as connection:
        for table in metadata.sorted_tables:
            present = {column["name"] for column in inspector.get_columns(table.name)}
            for column in table.columns:
                if column.name not in present:
                    kind = column.type.compile(dialect=engine.dialect)
                    connection.execute(sqlalchemy.text(f'ALTER TABLE {table.name} ADD COLUMN "{column.name}" {kind}'))
    for table in metadata.sorted_tables:
        for index in table.indexes:
            index.create(engine, checkfirst=True)
