"""Engine results stored per record version: served only while the record, its inputs, the
engine version and the rule files are those they were computed from.

Each trigger is proved the same way: the stored payload is marked, a read with everything
unchanged returns the mark (the stored result is what is served), and a read after the
trigger returns the engines' fresh result, equal to ``decide()`` called directly.

The patient is the worklist's P002 (examples/pathway/intermediate_candidate.json with the
timeline examples/timelines/P002_complete_response.json on TACE + sorafenib).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from tacepath.pathway.decision import decide
from tacepath.service import derived, patients
from tacepath.service.clinical import patient_view
from tacepath.service.worklist import worklist
from tacepath.store.models import DerivedResult
from tests.platform.conftest import example, system

AS_OF = dt.date(2026, 11, 1)
MARK = {"decision": "marked: served from the stored row"}


def _store(db: Any, who: Any, mrn: str = "P002") -> int:
    snap = {**example("pathway/intermediate_candidate.json"), "id": mrn}
    pid: int = patients.create_patient(db, who, snap)["id"]
    tl = {**example("timelines/P002_complete_response.json"), "id": mrn}
    patients.replace_timeline(db, who, pid, tl, version=1)
    rec = patients.get_record(db, who, pid)
    patients.update_course(db, who, pid, {"regimen": "tace-sorafenib"}, version=rec.version)
    return pid


def _fresh(db: Any, who: Any, pid: int) -> dict[str, Any]:
    """The view computed now, by ``decide()`` called directly (no stored row involved)."""
    rec = patients.get_record(db, who, pid)
    d = decide(
        rec.snapshot,
        timeline=rec.timeline,
        regimen=rec.regimen,
        start=rec.start_date,
        died=rec.death_date,
    )
    return {"record": rec.to_dict(), **derived.view_results(rec, d)}


def _mark(db: Any, pid: int) -> None:
    with db.write() as s:
        row = s.get(DerivedResult, pid)
        assert row is not None
        row.payload = {**row.payload, **MARK}


def _row(db: Any, pid: int) -> DerivedResult | None:
    with db.read() as s:
        return s.get(DerivedResult, pid)


def test_stored_view_equals_a_fresh_decide_and_is_what_is_served(db: Any, orgs: Any) -> None:
    who = system(orgs[0], "clinician")
    pid = _store(db, who)
    assert _row(db, pid) is None
    first = patient_view(db, who, pid)
    row = _row(db, pid)
    assert row is not None
    rec = patients.get_record(db, who, pid)
    assert row.record_version == rec.version
    assert row.engine_version == derived.ENGINE_VERSION
    assert row.rules_digest == derived.rules_digest()
    fresh = _fresh(db, who, pid)
    assert first == fresh
    assert patient_view(db, who, pid) == fresh  # read back from the row, equal
    assert fresh["decision"]["decision"] == "continue"  # P002: complete response, TACTICS
    _mark(db, pid)
    assert patient_view(db, who, pid)["decision"] == MARK["decision"]


def test_a_changed_record_is_recomputed(db: Any, orgs: Any) -> None:
    who = system(orgs[0], "clinician")
    pid = _store(db, who)
    patient_view(db, who, pid)
    _mark(db, pid)
    rec = patients.get_record(db, who, pid)
    patients.update_course(db, who, pid, {"regimen": "tace-alone"}, version=rec.version)
    got = patient_view(db, who, pid)
    assert got == _fresh(db, who, pid)
    assert got["decision"] != MARK["decision"]
    row = _row(db, pid)
    assert row is not None
    assert row.record_version == rec.version + 1


def test_changed_inputs_under_the_same_version_are_recomputed(db: Any, orgs: Any) -> None:
    who = system(orgs[0], "clinician")
    pid = _store(db, who)
    patient_view(db, who, pid)
    _mark(db, pid)
    with db.write() as s:
        row = s.get(DerivedResult, pid)
        assert row is not None
        row.inputs_digest = "0" * 64  # as if the record had changed without a new version
    assert patient_view(db, who, pid) == _fresh(db, who, pid)


def test_a_new_engine_version_recomputes(
    db: Any, orgs: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    who = system(orgs[0], "clinician")
    pid = _store(db, who)
    patient_view(db, who, pid)
    _mark(db, pid)
    monkeypatch.setattr(derived, "ENGINE_VERSION", derived.ENGINE_VERSION + ".next")
    assert patient_view(db, who, pid) == _fresh(db, who, pid)
    row = _row(db, pid)
    assert row is not None
    assert row.engine_version.endswith(".next")


def test_changed_rule_files_recompute(db: Any, orgs: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    who = system(orgs[0], "clinician")
    pid = _store(db, who)
    patient_view(db, who, pid)
    _mark(db, pid)
    monkeypatch.setattr(derived, "rules_digest", lambda: "f" * 64)
    assert patient_view(db, who, pid) == _fresh(db, who, pid)


def test_the_rules_digest_follows_every_yaml_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pathway" / "data").mkdir(parents=True)
    rule = tmp_path / "pathway" / "data" / "rules.yaml"
    rule.write_text("threshold: 1\n")
    (tmp_path / "notes.txt").write_text("not a rule file")
    monkeypatch.setattr(derived.resources, "files", lambda _pkg: tmp_path)

    def digest() -> str:
        derived.rules_digest.cache_clear()
        return derived.rules_digest()

    try:
        before = digest()
        (tmp_path / "notes.txt").write_text("changed")
        assert digest() == before  # only rule files count
        rule.write_text("threshold: 2\n")
        assert digest() != before
        rule.rename(tmp_path / "pathway" / "data" / "renamed.yaml")
        rule = tmp_path / "pathway" / "data" / "renamed.yaml"
        rule.write_text("threshold: 1\n")
        assert digest() != before  # the path counts too
    finally:
        derived.rules_digest.cache_clear()


def test_the_packaged_rules_digest_is_stable() -> None:
    derived.rules_digest.cache_clear()
    a = derived.rules_digest()
    derived.rules_digest.cache_clear()
    assert a == derived.rules_digest()
    assert len(a) == 64


def test_worklist_items_are_stored_per_day_and_equal_fresh_ones(db: Any, orgs: Any) -> None:
    who = system(orgs[0], "navigator")
    pid = _store(db, who)
    first = worklist(db, who, as_of=AS_OF)
    row = _row(db, pid)
    assert row is not None
    assert row.items_as_of == AS_OF
    assert worklist(db, who, as_of=AS_OF) == first  # read back, equal
    # the stored items are what is served on that day ...
    with db.write() as s:
        r = s.get(DerivedResult, pid)
        assert r is not None
        assert r.items
        r.items = [{**r.items[0], "text": "marked"}]
    assert [i.text for i in worklist(db, who, as_of=AS_OF).items] == ["marked"]
    # ... and another day, or a changed record, decides again
    other = worklist(db, who, as_of=AS_OF + dt.timedelta(days=1))
    assert "marked" not in [i.text for i in other.items]
    assert worklist(db, who, as_of=AS_OF) == first
    with db.write() as s:
        r = s.get(DerivedResult, pid)
        assert r is not None
        assert r.items
        r.items = [{**r.items[0], "text": "marked"}]
    rec = patients.get_record(db, who, pid)
    patients.update_course(db, who, pid, {"regimen": "tace-alone"}, version=rec.version)
    after = worklist(db, who, as_of=AS_OF)
    assert "marked" not in [i.text for i in after.items]
    row = _row(db, pid)
    assert row is not None
    assert row.record_version == rec.version + 1
    with db.write() as s:
        s.delete(s.get(DerivedResult, pid))
    assert worklist(db, who, as_of=AS_OF) == after  # equal to one decided with no row


def test_requests_missing_the_same_result_at_once_compute_it_once(
    db: Any, orgs: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    who = system(orgs[0], "clinician")
    pid = _store(db, who)
    assert _row(db, pid) is None  # nothing stored yet
    computed: list[int] = []
    real = derived.view_results

    def counting(record: Any, d: Any) -> dict[str, Any]:
        computed.append(record.id)
        return real(record, d)

    monkeypatch.setattr(derived, "view_results", counting)
    record = patients.get_record(db, who, pid)
    start = threading.Barrier(8)
    out: list[dict[str, Any]] = []

    def read() -> None:
        start.wait(10)
        out.append(derived.stored_view(db, record))

    threads = [threading.Thread(target=read) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert computed == [pid]  # one computation for the eight requests
    fresh = _fresh(db, who, pid)
    assert len(out) == 8
    assert all({"record": fresh["record"], **view} == fresh for view in out)
    assert derived._computing == {}
