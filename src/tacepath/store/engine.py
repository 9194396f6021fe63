"""The database engine: a SQLite file by default, PostgreSQL by URL.

SQLite is opened for durability and for many threads: write-ahead log, ``synchronous=FULL``
(a committed transaction is on disk before the commit returns), foreign keys enforced, a
busy timeout, an authorizer that keeps the audit table append-only
(:func:`tacepath.store.audit_chain.guard_sqlite`), and every write transaction (an engine
with the execution option :data:`WRITE_OPTION`) started with ``BEGIN IMMEDIATE`` so that
two writers queue instead of failing half-way on a lock upgrade; readers are never blocked
(WAL). PostgreSQL needs nothing special (``postgresql+psycopg://user:password@host/db``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from tacepath.store.audit_chain import guard_sqlite

__all__ = [
    "DATABASE_URL_ENV",
    "WRITE_OPTION",
    "default_database_url",
    "is_sqlite",
    "make_engine",
    "user_data_dir",
]

#: The environment variable naming the database (e.g. ``postgresql+psycopg://...``).
DATABASE_URL_ENV = "TACEPATH_DATABASE_URL"

#: Execution option marking a connection that will write (SQLite: ``BEGIN IMMEDIATE``).
WRITE_OPTION = "tacepath_write"


def user_data_dir() -> Path:
    """The per-user data directory (XDG on Linux, Application Support on macOS, APPDATA)."""
    if sys.platform == "win32":  # pragma: no cover - not tested here
        base = Path(os.environ.get("APPDATA", Path.home() / "AppData" / "Roaming"))
    elif sys.platform == "darwin":  # pragma: no cover - not tested here
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "tacepath"


def default_database_url() -> str:
    """``TACEPATH_DATABASE_URL`` if set, else a SQLite file in the user data directory."""
    url = os.environ.get(DATABASE_URL_ENV)
    if url:
        return url
    folder = user_data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'tacepath.db'}"


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _sqlite_events(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below emit BEGIN itself (pysqlite's own
        # transaction handling would defer it and start with a read lock).
        dbapi_connection.isolation_level = None
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cur.close()
        # the audit trail: REPLACE fires its delete trigger; UPDATE, DELETE and DDL on it
        # are refused on every connection (the migrations lift this: audit_chain.unguarded)
        guard_sqlite(dbapi_connection)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        write = conn.get_execution_options().get(WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def make_engine(url: str, *, pool_size: int = 10, busy_timeout_s: float = 30) -> Engine:
    """An engine for ``url`` with the settings above (the SQLite file's folder is created);
    SQLite waits up to ``busy_timeout_s`` for another writer's lock, PostgreSQL as long for
    a row or table lock (``lock_timeout``)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": busy_timeout_s},
            pool_size=pool_size,
            max_overflow=20,
        )
        _sqlite_events(engine, round(busy_timeout_s * 1000))
        return engine
    # PostgreSQL: a statement waiting for a row lock longer than the same timeout fails
    # (SQLSTATE 55P03, lock_not_available) instead of waiting without end.
    options = f"-c lock_timeout={round(busy_timeout_s * 1000)}"
    connect_args = {"options": options} if parsed.get_backend_name() == "postgresql" else {}
    return create_engine(
        url,
        pool_size=pool_size,
        max_overflow=20,
        pool_pre_ping=True,
        connect_args=connect_args,
    )
