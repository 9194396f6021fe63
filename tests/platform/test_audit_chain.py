"""The audit trail nobody can rewrite.

Each attack is made first: on SQLite ``INSERT OR REPLACE`` rewrote an audit row (the delete
trigger did not fire), and ``DROP TRIGGER`` was allowed to the application's connections;
on PostgreSQL the owner could ``TRUNCATE``. Now the application's connections refuse them,
and a row changed behind the application's back (a raw connection as the owner, the guard
lifted) is found by ``tacepath audit verify``.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from tacepath.service import audit
from tacepath.service.audit import verify_chain
from tacepath.store.audit_chain import GENESIS
from tacepath.store.models import AuditRecord

_ROW = (
    "(id, username, at, action, entity, entity_id, prev_hash, hash) VALUES "
    "({id}, 'mallory', '2026-01-01 00:00:00', 'patient.read', 'patient', 'P001', '{p}', '{h}')"
)


def _add(db: Any, n: int, action: str = "patient.update") -> None:
    with db.write() as s:
        for i in range(n):
            audit.record(
                s, None, action, "patient", f"P{i:03d}", before={"ecog": i}, after={"ecog": i + 1}
            )


def _ids(db: Any) -> list[int]:
    with db.read() as s:
        return list(s.scalars(text("SELECT id FROM audit_records ORDER BY id")).all())


def _behind_the_back(database_url: str, statements: Iterable[str]) -> None:
    """The schema owner on a raw connection: the guards lifted, then ``statements``."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        conn = sqlite3.connect(url.database or "")
        conn.execute("DROP TRIGGER IF EXISTS audit_records_no_update")
        conn.execute("DROP TRIGGER IF EXISTS audit_records_no_delete")
        for sql in statements:
            conn.execute(sql)
        conn.commit()
        conn.close()
        return
    engine = create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE audit_records DISABLE TRIGGER USER"))
        for sql in statements:
            conn.execute(text(sql))
        conn.execute(text("ALTER TABLE audit_records ENABLE TRIGGER USER"))
    engine.dispose()


def _verify_cli(database_url: str) -> Any:
    from tacepath.cli import app

    return CliRunner().invoke(app, ["audit", "verify", "--database-url", database_url])


def test_every_row_is_chained_to_the_one_before(db: Any, database_url: str) -> None:
    _add(db, 3)
    _add(db, 2, "patient.read")
    with db.read() as s:
        rows = s.scalars(text("SELECT prev_hash FROM audit_records ORDER BY id")).all()
        hashes = s.scalars(text("SELECT hash FROM audit_records ORDER BY id")).all()
    assert rows[0] == GENESIS
    assert list(rows[1:]) == list(hashes[:-1])
    report = verify_chain(db)
    assert report.ok
    assert report.rows == 5
    assert report.head_hash == hashes[-1]
    result = _verify_cli(database_url)
    assert result.exit_code == 0, result.output
    assert "intact: 5 rows" in result.output


def test_sqlite_refuses_replace_update_delete_and_ddl_on_the_audit_table(
    db: Any, database_url: str
) -> None:
    if db.backend != "sqlite":
        pytest.skip("the SQLite authorizer")
    _add(db, 2)
    first, _ = _ids(db)
    # the attack, on a raw connection (no guard): REPLACE rewrites a row past the triggers
    raw = sqlite3.connect(make_url(database_url).database or "")
    raw.execute("INSERT OR REPLACE INTO audit_records " + _ROW.format(id=first, p="x", h="y"))
    raw.rollback()
    raw.close()
    attacks = [
        "INSERT OR REPLACE INTO audit_records " + _ROW.format(id=first, p="x", h="y"),
        "REPLACE INTO audit_records " + _ROW.format(id=first, p="x", h="y"),
        "UPDATE audit_records SET action = 'patient.read'",
        "DELETE FROM audit_records",
        "DROP TRIGGER audit_records_no_delete",
        "DROP TRIGGER audit_records_no_update",
        "DROP TABLE audit_records",
        "ALTER TABLE audit_records RENAME TO old_audit",
        "ALTER TABLE audit_records ADD COLUMN note TEXT",
        "CREATE TRIGGER t AFTER INSERT ON audit_records BEGIN SELECT 1; END",
        "PRAGMA recursive_triggers = OFF",
        "PRAGMA writable_schema = ON",
    ]
    for sql in attacks:
        with pytest.raises(DBAPIError, match=r"not authorized|append-only"), db.write() as s:
            s.execute(text(sql))
    assert verify_chain(db).ok
    assert _ids(db) == [first, first + 1]
    _add(db, 1)  # the application still appends
    assert verify_chain(db).ok


def test_postgresql_refuses_truncate_update_and_delete(db: Any) -> None:
    if db.backend != "postgresql":
        pytest.skip("the PostgreSQL triggers")
    _add(db, 2)
    for sql in (
        "TRUNCATE audit_records",
        "TRUNCATE audit_records CASCADE",
        "UPDATE audit_records SET action = 'patient.read'",
        "DELETE FROM audit_records",
    ):
        with pytest.raises(DBAPIError, match="append-only"), db.write() as s:
            s.execute(text(sql))
    assert len(_ids(db)) == 2
    assert verify_chain(db).ok


def test_an_edit_behind_the_applications_back_is_found(db: Any, database_url: str) -> None:
    _add(db, 4)
    ids = _ids(db)
    _behind_the_back(
        database_url, [f"UPDATE audit_records SET username = 'nobody' WHERE id = {ids[1]}"]
    )
    report = verify_chain(db)
    assert [row for row, _ in report.problems] == [ids[1]]
    assert "edited" in report.problems[0][1]
    result = _verify_cli(database_url)
    assert result.exit_code == 1
    assert f"BROKEN at row {ids[1]}" in result.output


def test_a_deleted_row_is_found(db: Any, database_url: str) -> None:
    _add(db, 4)
    ids = _ids(db)
    _behind_the_back(database_url, [f"DELETE FROM audit_records WHERE id = {ids[1]}"])
    report = verify_chain(db)
    assert report.problems[0][0] == ids[2]
    assert f"deleted between row {ids[0]} and row {ids[2]}" in report.problems[0][1]


def test_an_inserted_row_is_found(db: Any, database_url: str) -> None:
    _add(db, 3)
    ids = _ids(db)
    with db.read() as s:
        prev = s.execute(text(f"SELECT hash FROM audit_records WHERE id = {ids[0]}")).scalar()
    # room made after the first row, and a row squeezed in, linked to the first
    inserted = ids[0] + 1
    _behind_the_back(
        database_url,
        [
            f"UPDATE audit_records SET id = id + 100 WHERE id > {ids[0]}",
            "INSERT INTO audit_records " + _ROW.format(id=inserted, p=prev, h="0" * 64),
        ],
    )
    report = verify_chain(db)
    rows = [row for row, _ in report.problems]
    assert rows[0] == inserted
    told = f"row {inserted} was inserted: row {ids[1] + 100} follows row {ids[0]} in the chain"
    assert told in [p for _, p in report.problems]


def test_a_deleted_tail_and_an_emptied_table_are_found(db: Any, database_url: str) -> None:
    _add(db, 3)
    ids = _ids(db)
    _behind_the_back(database_url, [f"DELETE FROM audit_records WHERE id = {ids[-1]}"])
    report = verify_chain(db)
    assert len(report.problems) == 1
    assert "deleted from the end" in report.problems[0][1]
    _behind_the_back(database_url, ["DELETE FROM audit_records"])
    report = verify_chain(db)
    assert "emptied" in report.problems[0][1]
    assert _verify_cli(database_url).exit_code == 1


def _tamper(database_url: str, kind: str, ids: list[int], prev: str) -> list[str]:
    """The statements of one kind of tampering with rows ``ids`` (the first one's hash
    ``prev``); ``truncate`` is PostgreSQL's TRUNCATE, SQLite's unqualified DELETE (which it
    runs as a truncation)."""
    postgres = make_url(database_url).get_backend_name() == "postgresql"
    return {
        "edit": [f"UPDATE audit_records SET after = NULL WHERE id = {ids[1]}"],
        "delete": [f"DELETE FROM audit_records WHERE id = {ids[1]}"],
        "insert": [
            f"UPDATE audit_records SET id = id + 100 WHERE id > {ids[0]}",
            "INSERT INTO audit_records " + _ROW.format(id=ids[0] + 1, p=prev, h="0" * 64),
        ],
        "delete-tail": [f"DELETE FROM audit_records WHERE id >= {ids[1]}"],
        "truncate": ["TRUNCATE audit_records" if postgres else "DELETE FROM audit_records"],
    }[kind]


@pytest.mark.parametrize(
    ("kind", "told"),
    [
        ("edit", "edited"),
        ("delete", "deleted between row"),
        ("insert", "was inserted"),
        ("delete-tail", "deleted from the end"),
        ("truncate", "the table was emptied"),
    ],
)
def test_audit_verify_finds_each_kind_of_tampering(
    db: Any, database_url: str, kind: str, told: str
) -> None:
    """Each kind on the backend under test (SQLite, and PostgreSQL when configured): the
    command says the chain is intact before, broken after, and names what it found."""
    _add(db, 3)
    ids = _ids(db)
    before = _verify_cli(database_url)
    assert before.exit_code == 0, before.output
    assert "BROKEN" not in before.output
    with db.read() as s:
        prev = s.execute(text(f"SELECT hash FROM audit_records WHERE id = {ids[0]}")).scalar()
    _behind_the_back(database_url, _tamper(database_url, kind, ids, str(prev)))
    result = _verify_cli(database_url)
    assert result.exit_code == 1
    assert "audit chain BROKEN at row" in result.output
    assert told in result.output
    assert any(told in problem for _, problem in verify_chain(db).problems)


def test_concurrent_writers_do_not_fork_the_chain(db: Any) -> None:
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            for _ in range(10):
                _add(db, 2)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    report = verify_chain(db)
    assert report.ok, report.problems
    assert report.rows == 80


def test_the_migration_back_fills_the_chain_in_order(tmp_path: Any) -> None:
    from tacepath.store.engine import make_engine
    from tacepath.store.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    upgrade(engine, "0004")
    with engine.begin() as conn:
        for i in range(3):
            conn.execute(
                text(
                    "INSERT INTO audit_records (username, at, action, entity, entity_id, after)"
                    f" VALUES ('u', '2026-0{i + 1}-01 10:00:00.000000', 'a', 'e', '{i}', "
                    """'{"k": [1, 2.5, "é"]}')"""
                )
            )
    upgrade(engine)
    with engine.connect() as conn:
        from tacepath.store.audit_chain import verify

        report = verify(conn)
    engine.dispose()
    assert report.ok, report.problems
    assert report.rows == 3


def test_records_added_directly_through_the_orm_are_chained(db: Any) -> None:
    with db.write() as s:
        s.add(AuditRecord(username="x", action="a", entity="e", entity_id="1"))
        s.add(AuditRecord(username="x", action="b", entity="e", entity_id="2"))
    _add(db, 1)
    assert verify_chain(db).ok


def _as_superuser(sql: str, port: int) -> None:
    """A role can be made only by a role that may: ``tacepath_ci`` itself when it has
    CREATEROLE, else the cluster's superuser as CI sets it up (root: ``su postgres``)."""
    import os
    import shutil
    import subprocess

    if os.geteuid() != 0 or shutil.which("su") is None:
        pytest.skip("making a PostgreSQL role needs CREATEROLE or the postgres superuser")
    done = subprocess.run(
        ["su", "postgres", "-c", f'psql -p {port} -v ON_ERROR_STOP=1 -qc "{sql}"'],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"the postgres superuser is not reachable: {done.stderr[:200]}")


def test_the_application_role_may_only_read_and_add_to_the_audit_trail(
    db: Any, database_url: str
) -> None:
    if db.backend != "postgresql":
        pytest.skip("PostgreSQL roles")
    import uuid

    from tacepath.service.db import Database, migrate

    role = f"tp_app_{uuid.uuid4().hex[:8]}"
    url = make_url(database_url)
    _as_superuser(f"CREATE ROLE {role} LOGIN PASSWORD '{role}'", url.port or 5432)
    app = None
    try:
        migrate(database_url, role)  # as the owner: grants
        app_url = url.set(username=role, password=role).render_as_string(hide_password=False)
        app = Database(app_url, pool_size=2)  # at the latest revision: nothing to migrate
        _add(app, 2)
        for sql in (
            "TRUNCATE audit_records",
            "UPDATE audit_records SET action = 'x'",
            "DELETE FROM audit_records",
            "ALTER TABLE audit_records DISABLE TRIGGER USER",
            "DROP TRIGGER audit_records_append_only ON audit_records",
            "DROP TABLE audit_records",
            "UPDATE alembic_version SET version_num = '0001'",
        ):
            refused = pytest.raises(DBAPIError, match=r"permission denied|must be owner")
            with refused, app.write() as s:
                s.execute(text(sql))
        assert len(_ids(app)) == 2
        assert verify_chain(app).ok
    finally:
        if app is not None:
            app.dispose()
        owner = create_engine(database_url)
        with owner.begin() as conn:
            conn.execute(text(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}"))
            conn.execute(text(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {role}"))
            conn.execute(text(f"REVOKE ALL ON SCHEMA public FROM {role}"))
        owner.dispose()
        _as_superuser(f"DROP ROLE {role}", url.port or 5432)
