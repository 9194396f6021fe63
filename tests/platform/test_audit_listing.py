"""The audit listing loads only what it shows: the admin's (page, API, CSV) never reads a
record's before and after images — the database names the changed fields — and a clinical
role's reads them a few records at a time, keeping only their bounded changes."""

from __future__ import annotations

import tracemalloc
from typing import Any

import pytest
from sqlalchemy import event

from tacepath.service import audit
from tacepath.service.audit import AuditFilter, _changed_fields, audit_csv, audit_page
from tests.platform.conftest import system

#: Pairs of images and the fields the Python rule calls changed (both backends must agree).
CASES: list[tuple[Any, Any]] = [
    ({"ecog": 0}, {"ecog": 1}),
    ({"ecog": 0, "bclc": "B"}, {"ecog": 0, "bclc": "C"}),
    (None, {"ecog": 1, "notes": None}),  # a new record: every field, a null one too
    ({"ecog": 1}, None),  # a removed record: nothing new, the ecog value now missing
    ({"gone": None, "kept": 2}, {"kept": 2}),  # a null field dropped: no change
    ({"gone": 3}, {}),  # a value dropped: a change
    ({"x": {"a": 1, "b": [1, 2]}}, {"x": {"a": 1, "b": [1, 2]}}),  # nested, equal
    ({"x": {"a": 1, "b": [1, 2]}}, {"x": {"a": 1, "b": [2, 1]}}),  # nested, changed
    ({"n": 1}, {"n": 1.0}),  # the same number
    ({"n": 1}, {"n": "1"}),  # a number and a text
    ({"t": True}, {"t": False}),
    ([1, 2], {"a": 1}),  # an image that is not an object counts as empty
    ({"view": "page"}, {"view": "page", "odd key \u00e9 \u2192": 1}),
]


def _add(db: Any, org: Any, images: list[tuple[Any, Any]], action: str = "patient.update") -> None:
    with db.write() as s:
        for before, after in images:
            audit.record(
                s, None, action, "patient", "1", before=before, after=after,
                organisation_id=org.id,
            )  # fmt: skip


def test_the_database_names_the_same_changed_fields_as_the_rule(db: Any, orgs: Any) -> None:
    _add(db, orgs[0], CASES)
    page = audit_page(db, system(orgs[0], "admin"), AuditFilter(action="patient.update"))
    got = [row["fields"] for row in reversed(page.rows)]
    want = [_changed_fields(b, a) for b, a in CASES]
    assert want[:6] == [["ecog"], ["bclc"], ["ecog", "notes"], ["ecog"], [], ["gone"]]
    assert want[6:] == [[], ["x"], [], ["n"], ["t"], ["a"], ["odd key \u00e9 \u2192"]]
    assert got == want


def _columns(db: Any) -> tuple[list[list[str]], Any]:
    seen: list[list[str]] = []

    def after(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if cursor.description:  # a query with a result (not BEGIN)
            seen.append([d[0] for d in cursor.description])

    return seen, after


@pytest.mark.parametrize("role", ["admin", "clinician"])
def test_only_clinical_roles_read_the_images(db: Any, orgs: Any, role: str) -> None:
    _add(db, orgs[0], [({"ecog": 0}, {"ecog": 1})] * 3)
    _add(db, orgs[0], [(None, {"view": "page"})], action="patient.read")
    seen, listener = _columns(db)
    event.listen(db.engine, "after_cursor_execute", listener)
    try:
        page = audit_page(db, system(orgs[0], role), AuditFilter(), limit=200)
        csv_text = audit_csv(db, system(orgs[0], role), AuditFilter())
    finally:
        event.remove(db.engine, "after_cursor_execute", listener)
    read_images = any({"before", "after"} & set(cols) for cols in seen)
    assert read_images is (role == "clinician")
    updates = [r for r in page.rows if r["action"] == "patient.update"]
    assert [r["fields"] for r in updates] == [["ecog"]] * 3
    assert [r["view"] for r in page.rows if r["action"] == "patient.read"] == ["page"]
    assert "ecog" in csv_text
    # a fixed number of statements whatever the number of rows: count, page (and, for a
    # clinical role, patients and images) for each of the page and the CSV
    assert len(seen) <= (8 if role == "clinician" else 4)


def test_listing_large_records_takes_little_memory_for_the_admin(db: Any, orgs: Any) -> None:
    # 100 changes of a 100 KB field each (20 MB of images stored)
    big = [({"timeline": "a" * 100_000}, {"timeline": "b" * 100_000}) for _ in range(100)]
    _add(db, orgs[0], big)
    peaks = {}
    for role in ("admin", "clinician"):
        tracemalloc.start()
        page = audit_page(db, system(orgs[0], role), AuditFilter(), limit=100)
        peaks[role] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert len(page.rows) == 100
        assert all(r["fields"] == ["timeline"] for r in page.rows)
    # the admin's listing never holds an image (measured 0.17 MB; 40 MB when it read them
    # all), a clinical role's holds five at a time (measured 4.0 MB)
    assert peaks["admin"] < 2_000_000, peaks
    assert peaks["clinician"] < 6_000_000, peaks
    print(f"audit listing peak memory: {peaks}")
