"""Trial workspace: uploads checked, the analysis run through ``tacepath analyze``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tacepath.adam.cohort import tactics_like_cohort
from tacepath.interop.adam_io import write_cohort
from tests.platform.conftest import EXAMPLES, login


def test_uploads_are_checked(client: Any, orgs: Any) -> None:
    login(client, "a-statistician")
    tid = client.post("/api/trials", json={"name": "T"}).json()["id"]
    r = client.post(
        f"/api/trials/{tid}/files",
        data={"kind": "adsl"},
        files={"file": ("adsl.csv", b"ID,ARM\n1,A\n", "text/csv")},
    )
    assert r.status_code == 422
    assert "USUBJID" in r.text
    r = client.post(
        f"/api/trials/{tid}/files",
        data={"kind": "sap"},
        files={"file": ("sap.yaml", b"- a\n- b\n", "text/yaml")},
    )
    assert r.status_code == 422
    r = client.post(
        f"/api/trials/{tid}/files",
        data={"kind": "other"},
        files={"file": ("x.csv", b"USUBJID\n1\n", "text/csv")},
    )
    assert r.status_code == 422
    assert client.post("/api/trials", json={"name": "T"}).status_code == 409
    r = client.post(f"/api/trials/{tid}/analyses")
    assert r.status_code == 422  # nothing uploaded yet


def test_run_the_plan_and_read_the_report(client: Any, orgs: Any, tmp_path: Path) -> None:
    write_cohort(tactics_like_cohort(seed=20200731), tmp_path)
    login(client, "a-statistician")
    tid = client.post("/api/trials", json={"name": "TACTICS-like"}).json()["id"]
    for kind in ("adsl", "adtte", "adae"):
        r = client.post(
            f"/api/trials/{tid}/files",
            data={"kind": kind},
            files={"file": (f"{kind}.csv", (tmp_path / f"{kind}.csv").read_bytes())},
        )
        assert r.status_code == 201, r.text
    sap = (EXAMPLES / "tactics-like/sap.yaml").read_bytes()
    assert (
        client.post(
            f"/api/trials/{tid}/files", data={"kind": "sap"}, files={"file": ("sap.yaml", sap)}
        ).status_code
        == 201
    )
    r = client.post(f"/api/trials/{tid}/analyses")
    assert r.status_code == 201, r.text
    aid = r.json()["id"]
    assert r.json()["status"] == "done"
    results = client.get(f"/api/trials/{tid}/analyses/{aid}/results.json").json()
    assert "TACEPFS" in str(results)
    assert "gatekeeping" in results
    html = client.get(f"/api/trials/{tid}/analyses/{aid}/report.html")
    assert html.status_code == 200
    assert "SYNTHETIC" in html.text
    pdf = client.get(f"/api/trials/{tid}/analyses/{aid}/report.pdf")
    assert pdf.content[:5] == b"%PDF-"
