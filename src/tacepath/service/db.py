"""The database of a running platform: engine, migrations, and transactions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from tacepath.service.errors import Busy
from tacepath.store.engine import WRITE_OPTION, default_database_url, make_engine
from tacepath.store.migrate import upgrade
from tacepath.store.roles import grant_app_role
from tacepath.store.write_gate import GateTimeout, WriteGate

__all__ = ["Database", "database_url", "in_memory", "is_busy", "migrate", "shown_url"]

#: SQLSTATEs of a PostgreSQL transaction that may succeed when tried again: serialization
#: failure, deadlock, lock not available (lock timeout), query cancelled (statement timeout).
_RETRY_SQLSTATES = frozenset({"40001", "40P01", "55P03", "57014"})


def is_busy(exc: BaseException) -> bool:
    """Whether ``exc`` is the database saying it is busy rather than a fault."""
    if not isinstance(exc, OperationalError):
        return False
    orig = exc.orig
    if getattr(orig, "sqlstate", None) in _RETRY_SQLSTATES:
        return True
    text = str(orig).lower()
    return "database is locked" in text or "database table is locked" in text or "busy" in text


def database_url(given: str | None = None) -> str:
    """``given``, else ``TACEPATH_DATABASE_URL``, else a SQLite file in the user data directory."""
    return given or default_database_url()


def in_memory(url: str) -> bool:
    """Whether ``url`` is an in-memory SQLite database (one process's own: never shared)."""
    u = make_url(url)
    memory = u.database in (None, "", ":memory:") or u.query.get("mode") == "memory"
    return u.get_backend_name() == "sqlite" and memory


def shown_url(url: str) -> str:
    """The URL as it may be printed: the password hidden."""
    return make_url(url).render_as_string(hide_password=True)


def _write_gate(url: str, timeout_s: float) -> WriteGate | None:
    """The writers' queue of a SQLite database (:mod:`tacepath.store.write_gate`); none
    for PostgreSQL, whose row locks queue waiting writers themselves."""
    u = make_url(url)
    if u.get_backend_name() != "sqlite":
        return None
    file = None if in_memory(url) or (u.database or "").startswith("file:") else u.database
    return WriteGate(Path(file).expanduser() if file else None, timeout_s)


class Database:
    """One database: ``read()`` and ``write()`` give a session inside one transaction.

    A ``write()`` transaction commits when its block ends and rolls back on any error, so a
    use case stores all of its rows and its audit record, or nothing. On SQLite the write
    transactions queue at the database's write gate before they begin.
    """

    def __init__(
        self, url: str, *, migrate: bool = True, pool_size: int = 10, busy_timeout_s: float = 30
    ) -> None:
        self.url = url
        self.engine: Engine = make_engine(url, pool_size=pool_size, busy_timeout_s=busy_timeout_s)
        if migrate:
            upgrade(self.engine)
        self._gate = _write_gate(url, busy_timeout_s)
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        # No autoflush in a write: a record changed, then read around, is flushed once, so
        # its version increases by one per change.
        self._write = sessionmaker(
            self.engine.execution_options(**{WRITE_OPTION: True}),
            expire_on_commit=False,
            autoflush=False,
        )

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read transaction; a busy database raises :class:`Busy` (503)."""
        try:
            with self._read() as session, session.begin():
                yield session
        except OperationalError as exc:
            if is_busy(exc):
                raise Busy() from exc
            raise

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction, all or nothing; a busy database (its lock not obtained
        within the busy timeout) rolls back and raises :class:`Busy` (503)."""
        try:
            with (
                self._gate.passage() if self._gate else nullcontext(),
                self._write() as session,
                session.begin(),
            ):
                yield session
        except GateTimeout as exc:
            raise Busy() from exc
        except OperationalError as exc:
            if is_busy(exc):
                raise Busy() from exc
            raise

    def ping(self) -> str | None:
        """``None`` when the database answers a query on tacepath's schema (the migration
        table); otherwise what went wrong, in one line without the connection URL."""
        try:
            with self._read() as session:
                session.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        except SQLAlchemyError as exc:
            cause = getattr(exc, "orig", None) or exc
            first = (str(cause).splitlines() or [""])[0]
            return f"{type(cause).__name__}: {first}"[:200]
        return None

    def dispose(self) -> None:
        self.engine.dispose()
        if self._gate is not None:
            self._gate.close()


def migrate(url: str, app_role: str | None = None) -> str:
    """Bring the database to the latest schema (run as the schema's owner); on PostgreSQL
    give ``app_role`` the application's grants (the audit table: SELECT and INSERT only).
    The revision reached."""
    engine = make_engine(url)
    try:
        upgrade(engine)
        with engine.begin() as conn:
            if app_role:
                grant_app_role(conn, app_role)
            return str(conn.execute(text("SELECT version_num FROM alembic_version")).scalar())
    finally:
        engine.dispose()
