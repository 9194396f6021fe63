"""The worklist across an organisation's patients: service, API, page, CSV, iCalendar, CLI.

Three patients of Hospital A (snapshot: examples/pathway/intermediate_candidate.json, for whom
TACE + sorafenib is eligible) (P002 on TACTICS, continuing; P008 deceased; P009 lost to
follow-up) and one of Hospital B with the same timeline as P002. Hand-derived dates from the
TACTICS schedule: P002's last TACE is 2026-04-13, its last scan 2026-09-14, so the next scans
are 2026-10-26 and 2026-12-21; its sorafenib start 2026-02-02 has no drug period recorded.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from icalendar import Calendar
from sqlalchemy import select
from typer.testing import CliRunner

from tacepath.cli import app as cli
from tacepath.service import patients
from tacepath.service.worklist import worklist
from tacepath.store.models import AuditRecord
from tests.platform.conftest import client_for, example, login, system

AS_OF = "2026-11-01"


def _store(db: Any, who: Any, mrn: str, timeline: str, **changes: Any) -> int:
    snap = {**example("pathway/intermediate_candidate.json"), "id": mrn}
    pid: int = patients.create_patient(db, who, snap)["id"]
    tl = {**example(f"timelines/{timeline}.json"), "id": mrn, **changes}
    patients.replace_timeline(db, who, pid, tl, version=1)
    rec = patients.get_record(db, who, pid)
    patients.update_course(db, who, pid, {"regimen": "tace-sorafenib"}, version=rec.version)
    return pid


def _world(db: Any, orgs: Any) -> dict[str, int]:
    a, b = orgs
    nav_a, nav_b = system(a, "navigator"), system(b, "navigator")
    return {
        "P002": _store(db, nav_a, "P002", "P002_complete_response"),
        "P008": _store(db, nav_a, "P008", "P008_death_without_progression"),
        "P009": _store(db, nav_a, "P009", "P009_lost_to_follow_up"),
        "B-P002": _store(db, nav_b, "=HYPERLINK(1)", "P002_complete_response"),
    }


def test_service_lists_only_the_organisations_living_followed_patients(db: Any, orgs: Any) -> None:
    import datetime as dt

    ids = _world(db, orgs)
    wl = worklist(db, system(orgs[0], "navigator"), as_of=dt.date(2026, 11, 1))
    assert wl.patients == 3
    assert {i.patient for i in wl.items} == {"P002"}
    assert {i.record for i in wl.items} == {ids["P002"]}
    got = [(i.due.isoformat(), i.status, i.type) for i in wl.items]
    # overdue first: the sorafenib start with no period, the scan of 2026-10-26
    assert got == [("2026-02-02", "overdue", "drug"), ("2026-10-26", "overdue", "imaging")]
    # a wider range reaches the scan of 2026-12-21
    wider = worklist(
        db, system(orgs[0], "navigator"), as_of=dt.date(2026, 11, 1), end=dt.date(2026, 12, 31)
    )
    assert [i.due.isoformat() for i in wider.items if i.type == "imaging"] == [
        "2026-10-26",
        "2026-12-21",
    ]
    with db.read() as s:
        views = s.scalars(
            select(AuditRecord.after).where(
                AuditRecord.action == "patient.read", AuditRecord.entity == "organisation"
            )
        ).all()
    assert {"view": "worklist"} in views


def test_api_json_csv_ics_and_filters(app: Any, db: Any, orgs: Any) -> None:
    _world(db, orgs)
    client = client_for(app)
    login(client, "a-navigator")
    r = client.get(f"/api/worklist?as_of={AS_OF}&to=2026-12-31")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["organisation"] == "Hospital A"
    assert body["overdue"] == 2
    assert [i["due"] for i in body["items"]] == ["2026-02-02", "2026-10-26", "2026-12-21"]
    assert set(body["items"][0]) == {
        "patient", "record", "type", "due", "window_end", "status", "text", "role", "source",
    }  # fmt: skip
    only = client.get(f"/api/worklist?as_of={AS_OF}&to=2026-12-31&type=imaging&role=navigator")
    assert [i["due"] for i in only.json()["items"]] == ["2026-10-26", "2026-12-21"]
    assert client.get(f"/api/worklist?as_of={AS_OF}&from=2026-11-01").json()["items"] == []
    bad = client.get(f"/api/worklist?as_of={AS_OF}&type=nonsense")
    assert bad.status_code == 422
    assert "nonsense" in bad.text
    assert client.get("/api/worklist?role=admin").status_code == 422
    assert client.get("/api/worklist?from=2026-12-01&to=2026-11-01").status_code == 422
    rows = list(
        csv.DictReader(io.StringIO(client.get(f"/api/worklist?as_of={AS_OF}&format=csv").text))
    )
    assert [(r["due"], r["type"], r["patient"]) for r in rows] == [
        ("2026-02-02", "drug", "P002"),
        ("2026-10-26", "imaging", "P002"),
    ]
    ics = client.get(f"/api/worklist?as_of={AS_OF}&format=ics")
    assert ics.headers["content-type"].startswith("text/calendar")
    events = Calendar.from_ical(ics.content).walk("VEVENT")
    assert [e.decoded("dtstart").isoformat() for e in events] == ["2026-02-02", "2026-10-26"]


def test_other_organisation_sees_only_its_own_and_csv_is_formula_safe(
    app: Any, db: Any, orgs: Any
) -> None:
    _world(db, orgs)
    client = client_for(app)
    login(client, "b-navigator")
    body = client.get(f"/api/worklist?as_of={AS_OF}").json()
    assert {i["patient"] for i in body["items"]} == {"=HYPERLINK(1)"}
    text = client.get(f"/api/worklist?as_of={AS_OF}&format=csv").text
    assert ",'=HYPERLINK(1)," in text
    assert ",=HYPERLINK" not in text
    assert "P002" not in text


def test_roles_without_patient_access_are_refused(app: Any, db: Any, orgs: Any) -> None:
    client = client_for(app)
    login(client, "a-statistician")
    assert client.get("/api/worklist").status_code == 403


def test_page_links_each_item_to_its_patient(app: Any, db: Any, orgs: Any) -> None:
    ids = _world(db, orgs)
    client = client_for(app)
    login(client, "a-navigator")
    r = client.get("/worklist?from=2026-01-01&to=2026-12-31")
    assert r.status_code == 200
    assert f'href="/patients/{ids["P002"]}"' in r.text
    assert "P008" not in r.text
    assert "P009" not in r.text
    assert "HYPERLINK" not in r.text
    assert 'href="/worklist.csv?from=2026-01-01&amp;to=2026-12-31"' in r.text
    csv_r = client.get("/worklist.csv?from=2026-10-01&to=2026-12-31&type=imaging")
    assert csv_r.headers["content-disposition"] == 'attachment; filename="worklist.csv"'
    assert [r["due"] for r in csv.DictReader(io.StringIO(csv_r.text))] == [
        "2026-10-26",
        "2026-12-21",
    ]
    bad = client.get("/worklist?from=yesterday")
    assert bad.status_code == 422
    assert "ISO date" in bad.text


def test_cli_worklist(db: Any, orgs: Any, database_url: str, tmp_path: Any) -> None:
    _world(db, orgs)
    run = CliRunner()
    args = ["worklist", "--organisation", "Hospital A", "--database-url", database_url]
    r = run.invoke(cli, [*args, "--as-of", AS_OF, "--to", "2026-12-31", "--json"])
    assert r.exit_code == 0, r.output
    body = json.loads(r.output)
    assert [i["due"] for i in body["items"]] == ["2026-02-02", "2026-10-26", "2026-12-21"]
    out = tmp_path / "w.ics"
    r = run.invoke(cli, [*args, "--as-of", AS_OF, "--ics", str(out), "--type", "imaging"])
    assert r.exit_code == 0, r.output
    assert "2026-10-26" in r.output
    assert "overdue" in r.output
    assert len(Calendar.from_ical(out.read_bytes()).walk("VEVENT")) == 1
    r = run.invoke(cli, [*args, "--from", "2026-13-01"])
    assert r.exit_code != 0
    assert "--from" in r.output
    r = run.invoke(cli, ["worklist", "--organisation", "Nowhere", "--database-url", database_url])
    assert r.exit_code != 0
    assert "--organisation" in r.output
