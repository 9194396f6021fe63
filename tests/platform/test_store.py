"""Storage: migrations, the append-only audit table, records round-trip, column limits."""

from __future__ import annotations

import datetime as dt
import glob
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tacepath.domain.patient import History, parse_patient
from tacepath.domain.timeline import parse_timeline
from tacepath.store.models import AuditRecord, Base, Snapshot
from tacepath.store.records import (
    row_problems,
    snapshot_dict,
    snapshot_row,
    timeline_dict,
    timeline_rows,
)
from tests.platform.conftest import EXAMPLES


def test_migrated_schema_matches_the_models(db: Any) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    assert diff == []
    from alembic.script import ScriptDirectory

    from tacepath.store.migrate import alembic_config

    assert version == ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert version == "0014"  # letter templates


def test_audit_records_are_append_only(db: Any) -> None:
    with db.write() as s:
        s.add(AuditRecord(username="x", action="a", entity="e", entity_id="1"))
    for sql in ("UPDATE audit_records SET action = 'b'", "DELETE FROM audit_records"):
        with pytest.raises(DBAPIError, match=r"append-only|not authorized"), db.write() as s:
            s.execute(text(sql))
    with db.read() as s:
        assert s.execute(text("SELECT action FROM audit_records")).scalars().all() == ["a"]


_FULL_HISTORY = {
    "varices": "treated",
    "variceal_bleeding_date": None,
    "hypertension": "controlled",
    "proteinuria_g_per_24h": 0.3,
    "thromboembolism_date": "2025-02-03",
    "autoimmune_disease": "inactive",
    "organ_transplant": False,
    "prior_systemic_therapy": [],
    "prior_tace_sessions": 2,
    "last_tace_date": "2026-01-10",
    "locoregional_therapy_to_current_tumours": True,
    "jaundice": False,
    "refractory_ascites": False,
    "hepatorenal_syndrome": False,
    "bland_portal_vein_thrombosis": False,
    "hepatofugal_portal_flow": False,
    "tumour_in_both_entire_lobes": False,
    "intra_arterial_technical_contraindication": False,
    "creatinine_clearance_ml_min": 74.5,
    "severe_comorbidity": True,
    "incompetent_papilla_with_aerobilia": False,
    "biliary_dilatation": False,
    "gastric_bleeding_date": None,
    "cardiovascular_disease_date": "2024-06-30",
    "nephrotic_or_nephritic_syndrome": False,
    "liver_transplant_candidate": False,
    "hbv_hcv_coinfection": False,
    "tace_failure": {"date": "2026-03-01", "criterion": "jsh_refractoriness"},
}


def _snapshots() -> list[dict[str, Any]]:
    out = json.loads((EXAMPLES / "patients.json").read_text())
    out += [json.loads(p.read_text()) for p in sorted((EXAMPLES / "pathway").glob("*.json"))]
    out.append({"id": "HFULL", "history": _FULL_HISTORY})
    out.append({"id": "HPART", "history": {"jaundice": True, "last_tace_date": None}})
    return out


@pytest.mark.parametrize("raw", _snapshots(), ids=lambda r: r["id"])
def test_snapshot_rows_give_back_the_same_snapshot(raw: dict[str, Any], db: Any) -> None:
    snap = parse_patient(raw)
    row = snapshot_row(snap)
    with db.write() as s:
        from tacepath.store.models import Organisation, Patient

        org = Organisation(name="o")
        s.add(org)
        s.flush()
        p = Patient(organisation_id=org.id, mrn=snap.id)
        s.add(p)
        s.flush()
        row.patient_id = p.id
        s.add(row)
        s.flush()
        sid = row.id
    with db.read() as s:
        stored = s.get(Snapshot, sid)
        again = parse_patient(snapshot_dict(stored, snap.id))
    assert again == snap
    if snap.history is not None:
        assert again.history is not None
        for name in History.DATES:
            assert again.history.known(name) == snap.history.known(name)


@pytest.mark.parametrize("path", sorted(glob.glob(str(EXAMPLES / "timelines/P*.json"))))
def test_timeline_rows_give_back_the_same_timeline(path: str) -> None:
    tl = parse_timeline(json.loads(Path(path).read_text()))
    rows = timeline_rows(tl)
    for i, a in enumerate(rows.assessments):
        a.id = i
    for name in ("tace_sessions", "child_pugh", "events", "drug_periods", "adverse_events"):
        for i, r in enumerate(getattr(rows, name)):
            r.id = i
    again = parse_timeline(
        timeline_dict(
            mrn=tl.id,
            start_date=tl.start_date,
            last_contact_date=tl.last_contact_date,
            death_date=tl.death_date,
            rows=rows,
        )
    )
    assert again == tl


def test_values_a_column_cannot_hold_are_refused_with_the_field() -> None:
    from tacepath.store.models import AdverseEventRow, TaceSessionRow

    ae = AdverseEventRow(
        date=dt.date(2026, 1, 1),
        term="x" * 121,
        occurrence=2**40,
        grading_values={"value": float("inf"), "n": "a\x00b"},
        facts={},
    )
    problems = {p.field: p.allowed for p in row_problems(ae, "ae", {"grading_values": "values"})}
    assert problems["ae.term"] == "at most 120 characters"
    assert "integer" in problems["ae.occurrence"]
    assert problems["ae.values.value"] == "a finite number"
    assert problems["ae.values.n"] == "text without NUL characters"
    old = TaceSessionRow(date=dt.date(1800, 1, 1), technique="cTACE")
    assert [p.allowed for p in row_problems(old, "s")] == ["a date from 1900-01-01 to 2200-12-31"]
