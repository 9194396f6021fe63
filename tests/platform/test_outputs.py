"""What the pages hand out: the schedule as iCalendar, the reconstruction's files and the
analysis report's provenance by the uploaded names."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.platform.conftest import (
    EXAMPLES,
    client_for,
    csrf_token,
    example,
    login,
    store_course,
    web_login,
)


@pytest.fixture
def clinician(app: Any, orgs: Any) -> Any:
    c = client_for(app)
    assert web_login(c, "a-clinician").status_code == 303
    c.headers["X-CSRF-Token"] = csrf_token(c.get("/patients/new").text)
    return c


def _p010(c: Any) -> int:
    tl = example("timelines/P010_new_lesion_treated_at_next_tace.json")
    snap = {**example("pathway/intermediate_candidate.json"), "id": tl["id"]}
    pid, _ = store_course(c, snap, tl, "tace-sorafenib")
    return pid


def test_the_schedule_downloads_as_icalendar_with_the_plan_of_the_page(
    clinician: Any, app: Any
) -> None:
    from tacepath.domain.patient import parse_patient
    from tacepath.domain.timeline import parse_timeline
    from tacepath.pathway.decision import decide

    pid = _p010(clinician)
    page = clinician.get(f"/patients/{pid}").text
    assert f'href="/api/patients/{pid}/schedule.ics"' in page
    r = clinician.get(f"/api/patients/{pid}/schedule.ics")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/calendar")
    assert f'filename="schedule-{pid}.ics"' in r.headers["content-disposition"]
    starts = re.findall(r"DTSTART;VALUE=DATE:(\d{8})", r.text)
    tl = example("timelines/P010_new_lesion_treated_at_next_tace.json")
    plan = decide(
        parse_patient({**example("pathway/intermediate_candidate.json"), "id": "P010"}),
        timeline=parse_timeline(tl),
        regimen="tace-sorafenib",
    ).plan
    assert plan is not None
    assert starts == [e.date.strftime("%Y%m%d") for e in plan.events]
    assert starts[0] == "20260105"  # the course start of P010
    shown = re.findall(r"<tr><td>(\d{4}-\d{2}-\d{2})", page[page.index('id="schedule"') :])
    assert [s.replace("-", "") for s in shown[: len(starts)]] == starts  # as the page lists

    statistician = client_for(app)
    login(statistician, "a-statistician")
    assert statistician.get(f"/api/patients/{pid}/schedule.ics").status_code == 403
    navigator = client_for(app)
    login(navigator, "a-navigator")
    assert navigator.get(f"/api/patients/{pid}/schedule.ics").status_code == 200


def test_the_calendar_stops_at_a_tace_failure(clinician: Any) -> None:
    """After TACE failure nothing proposes TACE: the plan, and so the calendar, ends at the
    failure's date."""
    pid = _p010(clinician)

    def after_failure() -> list[str]:
        ics = clinician.get(f"/api/patients/{pid}/schedule.ics").text
        return [d for d in re.findall(r"DTSTART;VALUE=DATE:(\d{8})", ics) if d > "20260504"]

    assert after_failure()  # TACE sessions and imaging planned after 2026-05-04
    record = clinician.get(f"/api/patients/{pid}").json()
    snap = {**record["snapshot"], "date": "2026-05-05"}
    snap["history"] = {
        **snap["history"],
        "tace_failure": {"date": "2026-05-04", "criterion": "untaceable_progression"},
    }
    r = clinician.post(f"/api/patients/{pid}/snapshots?version={record['version']}", json=snap)
    assert r.status_code == 201, r.text
    assert after_failure() == []


def test_reconstruction_offers_its_files_and_the_csv_is_formula_safe(app: Any, orgs: Any) -> None:
    stat = client_for(app)
    web_login(stat, "a-statistician")
    tok = csrf_token(stat.get("/reconstruct").text)
    folder = EXAMPLES / "reconstruct"
    r = stat.post(
        "/reconstruct",
        data={"csrf_token": tok, "arm": "=HYPERLINK(1)"},
        files={
            "curve": ("curve.csv", (folder / "lung_female_curve.csv").read_bytes()),
            "at_risk": ("risk.csv", (folder / "lung_female_at_risk.csv").read_bytes()),
        },
    )
    assert r.status_code == 200, r.text[-1000:]
    found = re.findall(r'href="data:([^;]+);base64,([^"]+)" download="([^"]+)"', r.text)
    assert [name for _, _, name in found] == [
        "reconstructed-_HYPERLINK_1_.csv",
        "reconstructed-_HYPERLINK_1_-accuracy.json",
        "reconstructed-_HYPERLINK_1_.png",
    ]
    links = {kind: data for kind, data, _ in found}
    ipd = pd.read_csv(io.StringIO(base64.b64decode(links["text/csv"]).decode()))
    at_risk = pd.read_csv(folder / "lung_female_at_risk.csv")
    assert len(ipd) == int(at_risk["n_risk"].iloc[0])  # 90 women at risk at time 0
    text_cells = [str(v) for col in ipd.columns for v in ipd[col] if isinstance(v, str)]
    assert text_cells
    assert not [v for v in text_cells if v[:1] in "=+-@"]  # no cell a spreadsheet runs
    assert base64.b64decode(links["image/png"])[:8] == b"\x89PNG\r\n\x1a\n"


@given(st.text(max_size=400), st.sampled_from(["adsl", "adtte", "adae", "sap"]))
def test_report_names_are_plain_short_file_names(name: str, kind: str) -> None:
    from tacepath.service.trials import MAX_SHOWN_NAME, report_name

    shown = report_name(name, kind)
    assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*\.[a-z0-9]{1,8}", shown), shown
    assert len(shown) <= MAX_SHOWN_NAME
    assert report_name(shown, kind) == shown  # a clean name is kept as it is


def test_report_names_keep_the_uploaded_name() -> None:
    from tacepath.service.trials import report_name

    assert report_name("adsl_2026-07.csv", "adsl") == "adsl_2026-07.csv"
    assert report_name("C:\\data\\My ADSL (v2).XPT", "adsl") == "My_ADSL_v2_.xpt"
    assert report_name("../../etc/-rf.csv", "adtte") == "rf.csv"
    assert report_name("plan", "sap") == "plan.yaml"
    assert report_name("", "adae") == "adae.csv"


def test_the_report_names_the_uploaded_files(client: Any, orgs: Any, tmp_path: Path) -> None:
    from tacepath.adam.cohort import tactics_like_cohort
    from tacepath.interop.adam_io import write_cohort

    write_cohort(tactics_like_cohort(seed=20200731), tmp_path)
    login(client, "a-statistician")
    tid = client.post("/api/trials", json={"name": "T"}).json()["id"]
    for kind, sent in (
        ("adsl", "site 3/ADSL final (v2).csv"),
        ("adtte", "adtte_cut_2020-07-31.csv"),
        ("adae", "adae.csv"),
        ("sap", "sap.yaml"),
    ):
        path = EXAMPLES / "tactics-like/sap.yaml" if kind == "sap" else tmp_path / f"{kind}.csv"
        r = client.post(
            f"/api/trials/{tid}/files",
            data={"kind": kind},
            files={"file": (sent, path.read_bytes())},
        )
        assert r.status_code == 201, r.text
    r = client.post(f"/api/trials/{tid}/analyses")
    assert r.status_code == 201, r.text
    aid = r.json()["id"]
    html = client.get(f"/api/trials/{tid}/analyses/{aid}/report.html").text
    provenance = html[html.index("1. Provenance") : html.index("2. Hierarchical")]
    assert "ADSL_final_v2_.csv (CSV, 156 rows)" in provenance
    assert "adtte_cut_2020-07-31.csv (CSV, 312 rows)" in provenance
    assert "tacepath-analysis-" not in html
    assert "/tmp" not in provenance
    data = client.get(f"/api/trials/{tid}/analyses/{aid}/results.json").json()
    assert "ADSL_final_v2_.csv" in str(data)
