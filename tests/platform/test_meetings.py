"""MDT meetings: one pack per meeting (contents, then each patient's pack from the one
decision), the MDT's outcome per patient refused where the decision does not allow it,
shown on the patient page, audited, and scoped to the organisation."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from sqlalchemy import select

from tacepath.service import meetings
from tacepath.store.models import AuditRecord, MdtMeetingPatient
from tests.platform.conftest import client_for, example, login, store_course, system

pypdf = pytest.importorskip("pypdf")
pytest.importorskip("weasyprint")


def _pdf(pages: int) -> bytes:
    w = pypdf.PdfWriter()
    for _ in range(pages):
        w.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def _pages(content: bytes) -> int:
    return len(pypdf.PdfReader(io.BytesIO(content)).pages)


def _upload(client: Any, pid: int, content: bytes, kind: str, title: str) -> int:
    r = client.post(
        f"/api/patients/{pid}/documents",
        data={"kind": kind, "title": title, "date": "2026-11-20"},
        files={"file": ("f", content, "application/octet-stream")},
    )
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def _meeting(client: Any, title: str = "Liver MDT", date: str = "2026-12-10") -> int:
    r = client.post("/meetings", data={"date": date, "title": title}, follow_redirects=False)
    assert r.status_code == 303, r.text
    m = re.fullmatch(r"/meetings/(\d+)", r.headers["location"])
    assert m is not None
    return int(m.group(1))


def _add(client: Any, mid: int, pid: int, docs: tuple[int, ...] = ()) -> Any:
    data: dict[str, Any] = {"patient": str(pid), "documents": [str(d) for d in docs]}
    return client.post(f"/meetings/{mid}/patients", data=data, follow_redirects=False)


def _outcome(client: Any, mid: int, pid: int, choice: str, text: str = "") -> Any:
    return client.post(
        f"/meetings/{mid}/patients/{pid}/outcome",
        data={"choice": choice, "text": text},
        follow_redirects=False,
    )


def test_meeting_pack_outcomes_and_safety(app: Any, db: Any, orgs: Any) -> None:
    client = client_for(app)
    login(client, "a-navigator")
    snap = {**example("pathway/intermediate_candidate.json"), "id": "MEET1"}
    a: int = client.post("/api/patients", json=snap).json()["id"]
    failed, _ = store_course(
        client,
        {**example("pathway/intermediate_candidate.json"), "id": "P007"},
        example("timelines/P007_jsh_refractory.json"),
        "tace-sorafenib",
    )
    ct = _upload(client, a, _pdf(2), "imaging_report", "CT after TACE 1")
    note = _upload(client, a, b"Pathology: HCC, moderately differentiated.", "pathology", "Biopsy")
    mid = _meeting(client)
    assert _add(client, mid, a, (ct, note)).status_code == 303
    assert _add(client, mid, failed).status_code == 303
    page = client.get(f"/meetings/{mid}")
    assert page.status_code == 200
    assert "MEET1" in page.text
    assert "P007" in page.text
    assert "MDT meeting of 2026-12-10: Liver MDT" in page.text

    # the pack: one contents page, then each patient's own pack, in the list's order
    pack = client.get(f"/meetings/{mid}/pack.pdf")
    assert pack.status_code == 200, pack.text
    assert pack.headers["content-disposition"] == f'attachment; filename="mdt-meeting-{mid}.pdf"'
    own_a = client.get(f"/api/patients/{a}/mdt-pack.pdf?documents={ct},{note}").content
    own_b = client.get(f"/api/patients/{failed}/mdt-pack.pdf").content
    assert _pages(pack.content) == 1 + _pages(own_a) + _pages(own_b)
    reader = pypdf.PdfReader(io.BytesIO(pack.content))
    contents = reader.pages[0].extract_text()
    assert "MDT meeting: Liver MDT" in contents
    assert "Hospital A" in contents
    assert contents.index("1 MEET1 ") < contents.index("2 P007 ")
    start_b = 2 + _pages(own_a)
    # each row ends with its documents' count and the page the patient's pack starts on
    assert re.search(r"^2 2$", contents, re.M)
    assert re.search(rf"^0 {start_b}$", contents, re.M)
    assert "MDT pack: patient MEET1" in reader.pages[1].extract_text()
    assert "MDT pack: patient P007" in reader.pages[start_b - 1].extract_text()

    # TACE after TACE failure is refused with the decision's reason; nothing is stored
    refused = _outcome(client, mid, failed, "tace-sorafenib", "repeat TACE")
    assert refused.status_code == 422
    assert "TACE is not allowed: TACE failure (" in refused.text
    assert _outcome(client, mid, failed, "not-a-regimen").status_code == 422
    assert _outcome(client, mid, failed, "other").status_code == 422  # "other" needs a text
    too_long = _outcome(client, mid, failed, "other", "x" * (meetings.MAX_OUTCOME_CHARS + 1))
    assert too_long.status_code == 422
    assert f"at most {meetings.MAX_OUTCOME_CHARS}" in too_long.text
    bell = _outcome(client, mid, failed, "other", "line one\nline two \x07")
    assert bell.status_code == 422
    assert "a control character" in bell.text
    with db.read() as s:
        stored = s.scalars(select(MdtMeetingPatient.outcome)).all()
    assert stored == [None, None]

    ok = _outcome(client, mid, a, "tace-sorafenib", "TACE with sorafenib, CT in 4 weeks")
    assert ok.status_code == 303
    ok_b = _outcome(client, mid, failed, "other", "Best supportive care discussed with family")
    assert ok_b.status_code == 303
    patient_page = client.get(f"/patients/{a}")
    assert "MDT discussions" in patient_page.text
    assert "TACE with sorafenib, CT in 4 weeks" in patient_page.text
    assert "a-navigator" in patient_page.text
    meeting_page = client.get(f"/meetings/{mid}").text
    assert "MDT outcome: <strong>Other (described in the text)</strong>" in meeting_page

    with db.read() as s:
        trail = s.execute(
            select(AuditRecord.action, AuditRecord.entity_id, AuditRecord.after).order_by(
                AuditRecord.id
            )
        ).all()
    changes = [(act, e) for act, e, _ in trail if act.startswith("meeting.")]
    assert changes == [
        ("meeting.create", str(mid)),
        ("meeting.patient", str(a)),
        ("meeting.patient", str(failed)),
        ("meeting.outcome", str(a)),
        ("meeting.outcome", str(failed)),
    ]
    page_reads = {(e, aft["view"]) for act, e, aft in trail if act == "patient.read"}
    assert {(str(a), f"meeting:{mid}"), (str(failed), f"meeting:{mid}")} <= page_reads
    exports = [aft["view"] for act, _, aft in trail if act == "patient.export"]
    assert f"meeting-pack:{mid}:{ct},{note}" in exports
    assert f"meeting-pack:{mid}:none" in exports

    # another organisation sees nothing of it and cannot use its records
    other = client_for(app)
    login(other, "b-navigator")
    assert other.get(f"/meetings/{mid}").status_code == 404
    assert other.get(f"/meetings/{mid}/pack.pdf").status_code == 404
    b_meeting = _meeting(other, "B MDT")
    assert _add(other, b_meeting, a).status_code == 404
    assert "Liver MDT" not in other.get("/meetings").text
    stat = client_for(app)
    login(stat, "a-statistician")
    assert stat.get("/meetings").status_code == 403


def test_adding_refuses_the_dead_another_patients_document_and_bad_input(
    app: Any, db: Any, orgs: Any
) -> None:
    client = client_for(app)
    login(client, "a-navigator")
    dead, _ = store_course(
        client,
        {**example("pathway/intermediate_candidate.json"), "id": "P008"},
        example("timelines/P008_death_without_progression.json"),
        "tace-sorafenib",
    )
    alive: int = client.post(
        "/api/patients", json={**example("pathway/intermediate_candidate.json"), "id": "LIVE1"}
    ).json()["id"]
    doc_of_dead = _upload(client, dead, b"discharge letter", "letter", "Discharge")
    mid = _meeting(client)
    r = _add(client, mid, dead)
    assert r.status_code == 422
    assert "a living patient (deceased on" in r.text
    assert _add(client, mid, alive, (doc_of_dead,)).status_code == 404
    assert _add(client, mid, alive, ("x",)).status_code == 422  # type: ignore[arg-type]
    assert _add(client, mid, alive, tuple(range(1, 23))).status_code == 422
    assert client.post("/meetings", data={"date": "", "title": "x"}).status_code == 422
    assert client.post("/meetings", data={"date": "2026-12-01", "title": ""}).status_code == 422
    assert _outcome(client, mid, alive, "tace-alone").status_code == 404  # not on the list
    with pytest.raises(Exception, match="not found"):
        meetings.get_meeting(db, system(orgs[1], "navigator"), mid)
