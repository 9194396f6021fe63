"""Referral letters of a stored patient: the API renders the one decision, refuses a TACE
referral after TACE failure, is scoped to the organisation and audited; the documents page
offers the letter; the command line writes it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from tacepath.cli import app as cli_app
from tacepath.store.models import AuditRecord
from tests.platform.conftest import EXAMPLES, client_for, example, login, store_course


def test_letter_api_both_sides_of_tace_failure(app: Any, db: Any, orgs: Any) -> None:
    client = client_for(app)
    login(client, "a-navigator")
    before: int = client.post(
        "/api/patients", json=example("pathway/intermediate_candidate.json")
    ).json()["id"]
    ok = client.get(
        f"/api/patients/{before}/letter.html?to=interventional-radiology&addressee_name=Dr%20IR"
    )
    assert ok.status_code == 200, ok.text
    assert "Referral for assessment for TACE" in ok.text
    assert "a navigator" in ok.text  # the signed-in user's full name
    assert "Hospital A" in ok.text
    assert "Dr IR" in ok.text
    snap = {**example("pathway/intermediate_candidate.json"), "id": "P007"}
    after, _ = store_course(
        client, snap, example("timelines/P007_jsh_refractory.json"), "tace-sorafenib"
    )
    refused = client.get(f"/api/patients/{after}/letter.pdf?to=interventional-radiology")
    assert refused.status_code == 422
    assert "TACE failure" in refused.text
    onc = client.get(f"/api/patients/{after}/letter.pdf?to=oncology")
    assert onc.status_code == 200, onc.text
    assert onc.content.startswith(b"%PDF-")
    assert (
        onc.headers["content-disposition"] == f'attachment; filename="letter-oncology-{after}.pdf"'
    )
    assert client.get(f"/api/patients/{before}/letter.html?to=nobody").status_code == 422
    long = client.get(f"/api/patients/{before}/letter.html?to=oncology&addressee_name=" + "x" * 121)
    assert long.status_code == 422
    with db.read() as s:
        views = s.scalars(
            select(AuditRecord.after).where(AuditRecord.action == "summary.read")
        ).all()
    assert [v["view"] for v in views] == [
        "letter.interventional-radiology.html",
        "letter.oncology.pdf",
    ]
    other = client_for(app)
    login(other, "b-navigator")
    assert other.get(f"/api/patients/{before}/letter.html?to=oncology").status_code == 404
    stat = client_for(app)
    login(stat, "a-statistician")
    assert stat.get(f"/api/patients/{before}/letter.html?to=oncology").status_code == 403
    page = client.get(f"/patients/{before}/documents").text
    assert f'action="/patients/{before}/letter"' in page
    web = client.get(f"/patients/{after}/letter?to=interventional-radiology&format=pdf")
    assert web.status_code == 422
    assert "No letter to Interventional radiology: a team other than TACE: TACE failure" in web.text
    html = client.get(f"/patients/{after}/letter?to=oncology&format=html")
    assert "Referral for assessment for systemic therapy: patient P007" in html.text
    assert '<option value="trial-site">Trial site</option>' in page


def test_letter_command(tmp_path: Path) -> None:
    pytest.importorskip("weasyprint")
    runner = CliRunner()
    args = [
        "letter", str(EXAMPLES / "pathway/P003_snapshot.json"),
        "--timeline", str(EXAMPLES / "timelines/P003_untaceable_intrahepatic.json"),
        "--from-organisation", "Hospital A",
    ]  # fmt: skip
    out = tmp_path / "l.html"
    refused = runner.invoke(cli_app, [*args, "--to", "interventional-radiology", "--out", str(out)])
    assert refused.exit_code == 2
    assert "a team other than TACE: TACE failure" in refused.output
    assert not out.exists()
    ok = runner.invoke(
        cli_app,
        [*args[:2], "--from-organisation", "Hospital A", "--to", "trial-site", "--out", str(out),
         "--pdf", str(tmp_path / "l.pdf")],
    )  # fmt: skip
    assert ok.exit_code == 0, ok.output
    assert "Referral for screening for a clinical trial: patient P003" in out.read_text()
    assert (tmp_path / "l.pdf").read_bytes().startswith(b"%PDF-")
