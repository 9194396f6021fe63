"""Writers queue without losing a guarantee: the SQLite write gate and the audit group commit.

A read's audit record is committed before the read returns, in the order of the chain; a
write that cannot be stored fails every request it carried; a writer that waits longer than
the busy timeout gets 503, as before.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tacepath.service.audit import record_read, verify_chain
from tacepath.service.auth import create_organisation
from tacepath.service.db import Database, _write_gate
from tacepath.service.errors import Busy
from tacepath.service.group_commit import MAX_BATCH, GroupCommit
from tacepath.service.principal import Principal
from tacepath.store.models import AuditRecord
from tacepath.store.write_gate import GATE_SUFFIX, GateTimeout, WriteGate


def _run_all(targets: list[Any]) -> None:
    threads = [threading.Thread(target=t) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in threads)


# --------------------------------------------------------------------------- group commit


def test_rows_queued_during_a_commit_share_the_next_one_and_each_waits_for_its_own() -> None:
    committed: list[int] = []
    batches: list[list[int]] = []
    first_started, release = threading.Event(), threading.Event()

    def write(items: Any) -> None:
        if not batches:
            first_started.set()
            assert release.wait(10)
        batches.append(list(items))
        committed.extend(items)

    gc: GroupCommit[int] = GroupCommit(write)
    seen: dict[int, bool] = {}

    def submit(i: int) -> None:
        gc.submit(i)
        seen[i] = i in committed  # returned only after its own row was written

    lead = threading.Thread(target=submit, args=(0,))
    lead.start()
    assert first_started.wait(10)
    others = [threading.Thread(target=submit, args=(i,)) for i in range(1, 11)]
    for t in others:
        t.start()
    deadline = time.monotonic() + 10
    while len(gc._queue) < 10 and time.monotonic() < deadline:  # all ten queued
        time.sleep(0.001)
    release.set()
    for t in [lead, *others]:
        t.join(10)
    assert batches[0] == [0]
    assert sorted(batches[1]) == list(range(1, 11))  # one transaction for the ten
    assert len(batches) == 2
    assert seen == dict.fromkeys(range(11), True)


def test_a_failed_commit_fails_every_row_it_carried_and_the_next_one_writes() -> None:
    fail = threading.Event()
    fail.set()
    written: list[str] = []

    def write(items: Any) -> None:
        if fail.is_set():
            raise Busy()
        written.extend(items)

    gc: GroupCommit[str] = GroupCommit(write)
    with pytest.raises(Busy):
        gc.submit("a")
    fail.clear()
    gc.submit("b")
    assert written == ["b"]
    assert gc._busy is False
    assert gc._queue == []


@settings(max_examples=15, deadline=None)
@given(n=st.integers(1, 40), failing=st.sets(st.integers(0, 39), max_size=10))
def test_every_row_is_written_once_or_its_caller_gets_the_failure(
    n: int, failing: set[int]
) -> None:
    written: list[int] = []
    lock = threading.Lock()

    def write(items: Any) -> None:
        assert 1 <= len(items) <= MAX_BATCH
        if failing & set(items):
            raise ValueError("refused")
        with lock:
            written.extend(items)

    gc: GroupCommit[int] = GroupCommit(write)
    outcome: dict[int, str] = {}

    def submit(i: int) -> None:
        try:
            gc.submit(i)
            outcome[i] = "ok"
        except ValueError:
            outcome[i] = "failed"

    _run_all([lambda i=i: submit(i) for i in range(n)])
    assert sorted(written) == sorted(i for i, o in outcome.items() if o == "ok")
    assert len(written) == len(set(written))
    assert len(outcome) == n
    assert all(outcome[i] == "failed" for i in failing if i < n)
    assert gc._busy is False
    assert gc._queue == []


def test_concurrent_reads_are_each_recorded_once_and_the_chain_verifies(
    tmp_path: Path,
) -> None:
    db = Database(f"sqlite:///{tmp_path / 'reads.db'}")
    org = create_organisation(db, "Reads")
    who = Principal(
        user_id=0,
        username="reader",
        full_name="A Reader",
        organisation_id=org,
        organisation="Reads",
        role="clinician",
        via="system",
    )
    _run_all(
        [
            lambda i=i: record_read(db, who, "patient.read", "patient", i, view="page")
            for i in range(30)
        ]
    )
    with db.read() as s:
        ids = sorted(
            int(e)
            for e in s.scalars(
                select(AuditRecord.entity_id).where(AuditRecord.action == "patient.read")
            )
        )
    assert ids == list(range(30))
    assert verify_chain(db).ok
    db.dispose()


# --------------------------------------------------------------------------- write gate


def test_the_gate_lets_one_writer_through_and_times_out_the_next(tmp_path: Path) -> None:
    database = tmp_path / "g.db"
    one, two = WriteGate(database, 0.2), WriteGate(database, 0.2)  # as two processes
    assert (tmp_path / ("g.db" + GATE_SUFFIX)).exists()
    with one.passage():
        t0 = time.monotonic()
        with pytest.raises(GateTimeout), two.passage():
            pass
        assert 0.2 <= time.monotonic() - t0 < 2
        blocked: list[BaseException] = []

        def same_process() -> None:
            try:
                with one.passage():
                    pass
            except GateTimeout as exc:
                blocked.append(exc)

        _run_all([same_process])
        assert len(blocked) == 1
    with two.passage():  # released: the other one passes
        pass
    one.close()
    two.close()


def test_a_write_waiting_at_the_gate_past_the_busy_timeout_is_busy(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'w.db'}"
    db = Database(url, busy_timeout_s=0.2)
    other = WriteGate(tmp_path / "w.db", 5)  # another process's writer
    with other.passage(), pytest.raises(Busy), db.write():
        pass
    with db.write():  # the gate is free again
        pass
    db.dispose()
    other.close()


def test_only_a_sqlite_file_has_a_gate_file_and_postgresql_has_no_gate() -> None:
    memory = _write_gate("sqlite://", 1)
    assert memory is not None
    assert memory._fd is None
    assert _write_gate("postgresql+psycopg://u:p@localhost/db", 1) is None
