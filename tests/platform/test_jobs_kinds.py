"""Background jobs of the other kinds: a reconstruction of patient data from a published
curve and a cohort file's assessment, each through the same record, audit, limit, progress
and cancel as an analysis run; the files they make are stored with the job, equal to what
the same engine gives inside a call, and outlive the server."""

from __future__ import annotations

import io
import json
import re
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tacepath.interop.cohort_io import assess_cohort_file
from tacepath.service import jobs
from tacepath.service import reconstruct as recon
from tacepath.store.models import JobFile
from tests.platform.conftest import EXAMPLES, client_for, login, system, web_login
from tests.platform.test_jobs import _actions, _wait

CURVE = (EXAMPLES / "reconstruct/lung_male_curve.csv").read_text()
AT_RISK = (EXAMPLES / "reconstruct/lung_male_at_risk.csv").read_text()
COHORT = (EXAMPLES / "cohort.csv").read_text()

#: The example of ``tacepath simulate trial --help`` (the TACTICS design as the command's
#: documentation states it), with few replicates: the job must give the command's numbers.
SIMULATION = {
    "hazard_ratio": 0.71,
    "median_control": 13.5,
    "accrual_months": 60,
    "patients": 156,
    "events": 125,
    "alpha": 0.15,
    "sides": 1,
    "replicates": 500,
    "seed": 7,
}


@pytest.fixture
def engine_closed(app: Any) -> Any:
    yield
    app.state.jobs.close()


def _post(client: Any, body: dict[str, Any]) -> dict[str, Any]:
    r = client.post("/api/jobs", json=body)
    assert r.status_code == 202, r.text
    assert r.headers["location"] == f"/api/jobs/{r.json()['id']}" == r.json()["url"]
    job: dict[str, Any] = r.json()
    return job


def _reconstruction() -> dict[str, Any]:
    return {
        "kind": "reconstruction",
        "inputs": {"curve_csv": CURVE, "at_risk_csv": AT_RISK, "arm": "male"},
    }


def _cohort(text: str = COHORT) -> dict[str, Any]:
    return {"kind": "cohort-assessment", "inputs": {"cohort_csv": text}}


def _files(job: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["name"]: f for f in job["result"]["files"]}


def test_a_reconstruction_job_gives_the_engines_files_and_they_outlive_the_server(
    app: Any, client: Any, orgs: Any, db: Any, database_url: str
) -> None:
    from tacepath.app import Settings, create_app
    from tacepath.service.db import Database

    login(client, "a-statistician")
    job = _post(client, _reconstruction())
    assert (job["kind"], job["state"], job["trial_id"]) == ("reconstruction", "queued", None)
    assert "inputs" not in job  # never shown back
    done = _wait(client, job["id"], {"done", "failed"}, timeout=120)
    assert done["state"] == "done", done["error"]
    assert done["progress"] == 1.0
    files = _files(done)
    assert set(files) == {"reconstructed-ipd.csv", "accuracy.json", "reconstruction.png"}
    # the same engine inside a call gives the same patient data and accuracy report
    direct = recon.reconstruct(
        system(orgs[0], "statistician"),
        curve=CURVE.encode(),
        at_risk=AT_RISK.encode(),
        arm="male",
        plot=False,
    )
    ipd = client.get(files["reconstructed-ipd.csv"]["url"])
    assert ipd.status_code == 200
    assert ipd.headers["content-type"].startswith("text/csv")
    assert 'filename="reconstructed-ipd.csv"' in ipd.headers["content-disposition"]
    assert ipd.text == direct["ipd_csv"]
    assert json.loads(client.get(files["accuracy.json"]["url"]).text) == direct["result"]
    png = client.get(files["reconstruction.png"]["url"]).content
    assert png.startswith(b"\x89PNG")
    assert len(png) == files["reconstruction.png"]["size"]
    assert done["result"]["summary"] == direct["summary"]
    assert _actions(db, job["id"]) == ["job.queue", "job.start", "job.done"]

    # the server stops; a new one on the same database still has the job and its files
    app.state.jobs.close()
    db.dispose()
    again = Database(database_url, migrate=False, pool_size=2)
    other = client_for(create_app(Settings(database_url=database_url), db=again))
    try:
        login(other, "a-statistician")
        assert other.get(f"/api/jobs/{job['id']}").json()["state"] == "done"
        assert other.get(files["reconstructed-ipd.csv"]["url"]).text == direct["ipd_csv"]
    finally:
        other.app.state.jobs.close()
        again.dispose()


def test_a_cohort_assessment_job_gives_the_scores_of_the_command_line(
    app: Any, client: Any, orgs: Any, db: Any, tmp_path: Path, engine_closed: Any
) -> None:
    login(client, "a-statistician")
    job = _post(client, _cohort())
    done = _wait(client, job["id"], {"done", "failed"}, timeout=120)
    assert done["state"] == "done", done["error"]
    assert done["result"]["patients"] == 6  # examples/cohort.csv: six patients
    scores = client.get(_files(done)["scores.csv"]["url"])
    # the file `tacepath assess COHORT.csv --out scores.csv` writes, byte for byte
    (tmp_path / "cohort.csv").write_text(COHORT)
    assert assess_cohort_file(tmp_path / "cohort.csv", tmp_path / "scores.csv") == 6
    assert scores.content == (tmp_path / "scores.csv").read_bytes()
    assert list(client.get("/api/jobs", params={"kind": "cohort-assessment"}).json()[0]) == list(
        done
    )

    # another organisation: 404 for the job and its file; a clinician: 403
    other = client_for(app)
    login(other, "b-statistician")
    assert other.get(f"/api/jobs/{job['id']}").status_code == 404
    assert other.get(_files(done)["scores.csv"]["url"]).status_code == 404
    assert other.post(f"/api/jobs/{job['id']}/cancel").status_code == 404
    assert other.get("/api/jobs", params={"kind": "cohort-assessment"}).json() == []
    clinician = client_for(app)
    login(clinician, "a-clinician")
    assert clinician.get(_files(done)["scores.csv"]["url"]).status_code == 403
    assert clinician.post("/api/jobs", json=_cohort()).status_code == 403
    # an input is not a download; an unknown name is not found
    assert client.get(f"/api/jobs/{job['id']}/files/cohort.csv").status_code == 404
    assert client.get(f"/api/jobs/{job['id']}/files/..%2Fscores.csv").status_code == 404


def test_a_cohort_with_a_bad_row_fails_naming_it_and_stores_no_scores(
    client: Any, orgs: Any, db: Any, engine_closed: Any
) -> None:
    login(client, "a-statistician")
    bad = COHORT.replace("P002,female,58,0,12,umol/L", "P002,female,58,0,-12,umol/L")
    assert bad != COHORT
    job = _post(client, _cohort(bad))
    failed = _wait(client, job["id"], {"done", "failed"}, timeout=120)
    assert failed["state"] == "failed"
    # the row and the field named, the value in the canonical unit (-12 µmol/L)
    assert failed["error"].startswith("row 3 (id=P002): bilirubin: -0.70")
    assert failed["result"] is None
    with db.read() as s:
        roles = s.scalars(select(JobFile.role).where(JobFile.job_id == job["id"])).all()
    assert roles == ["input"]
    assert _actions(db, job["id"]) == ["job.queue", "job.start", "job.fail"]


@pytest.mark.parametrize("kind", ["reconstruction", "cohort-assessment"])
def test_a_queued_job_of_each_kind_is_cancelled_at_once(db: Any, orgs: Any, kind: str) -> None:
    who = system(orgs[0], "statistician")
    files = [("curve.csv", "text/csv", CURVE.encode())]
    job = jobs.create_job(db, who, kind, trial_id=None, inputs={}, files=files)
    out = jobs.cancel_job(db, who, job["id"])
    assert out["state"] == "cancelled"
    assert jobs.claim(db, job["id"], "another runner") is None
    assert jobs.input_files(db, job["id"]) == {"curve.csv": CURVE.encode()}


def _slow(monkeypatch: Any, module: Any, name: str, release: threading.Event) -> None:
    """Make ``module.name`` work until ``release`` is set (then do its real work)."""
    real = getattr(module, name)

    def slow(*args: Any, **kwargs: Any) -> Any:
        release.wait(60)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, slow)


@pytest.mark.parametrize(
    ("kind", "module", "name", "step"),
    [
        (
            "cohort-assessment",
            "tacepath.interop.cohort_io",
            "assess_cohort_file",
            "assessing the cohort",
        ),
        (
            "reconstruction",
            "tacepath.service.reconstruct",
            "reconstruct",
            "reconstructing the patient data",
        ),
        ("simulation", "tacepath.design.simulate", "simulate_trial", "simulating the trials"),
    ],
)
def test_cancel_a_running_job_of_each_kind(
    client: Any,
    orgs: Any,
    db: Any,
    monkeypatch: Any,
    engine_closed: Any,
    kind: str,
    module: str,
    name: str,
    step: str,
) -> None:
    import importlib

    release = threading.Event()
    _slow(monkeypatch, importlib.import_module(module), name, release)
    bodies = {
        "cohort-assessment": _cohort(),
        "reconstruction": _reconstruction(),
        "simulation": {"kind": "simulation", "inputs": SIMULATION},
    }
    login(client, "a-statistician")
    job = _post(client, bodies[kind])
    running = _wait(client, job["id"], {"running"}, timeout=60)
    while running["step"] != step:
        running = client.get(f"/api/jobs/{job['id']}").json()
        time.sleep(0.1)
    assert running["progress"] == jobs.STEP_PROGRESS[step]
    assert client.post(f"/api/jobs/{job['id']}/cancel").json()["cancel_requested"] is True
    release.set()
    cancelled = _wait(client, job["id"], {"cancelled", "done", "failed"}, timeout=60)
    assert cancelled["state"] == "cancelled"
    assert cancelled["result"] is None  # nothing stored
    with db.read() as s:
        roles = s.scalars(select(JobFile.role).where(JobFile.job_id == job["id"])).all()
    assert "output" not in roles
    assert _actions(db, job["id"]) == ["job.queue", "job.start", "job.cancel-request", "job.cancel"]
    # another organisation neither sees nor cancels it
    other = client_for(client.app)
    login(other, "b-statistician")
    assert other.get(f"/api/jobs/{job['id']}").status_code == 404
    assert other.post(f"/api/jobs/{job['id']}/cancel").status_code == 404


def test_the_limit_counts_every_kind(
    app: Any, client: Any, orgs: Any, db: Any, monkeypatch: Any, engine_closed: Any
) -> None:
    monkeypatch.setattr(app.state.jobs, "submit", lambda job_id: None)  # they stay queued
    login(client, "a-statistician")
    first = [_post(client, _cohort()), _post(client, _reconstruction())]
    r = client.post("/api/jobs", json=_cohort())
    assert r.status_code == 429
    assert "2 jobs queued or running" in r.json()["message"]
    client.post(f"/api/jobs/{first[0]['id']}/cancel")
    _post(client, _reconstruction())


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "reconstruction", "inputs": {"curve_csv": CURVE}}, "at_risk/n"),
        ({"kind": "reconstruction", "inputs": {"curve_csv": CURVE, "n": 0}}, "n"),
        ({"kind": "reconstruction", "inputs": {"curve_csv": CURVE, "events": -1}}, "events"),
        ({"kind": "reconstruction", "inputs": {"curve_csv": ""}}, "curve_csv"),
        ({"kind": "reconstruction", "inputs": {"curve_csv": CURVE, "sh": "x"}}, "sh"),
        ({"kind": "reconstruction", "inputs": {"curve_csv": CURVE, "arm": "x" * 61}}, "arm"),
        ({"kind": "cohort-assessment", "inputs": {}}, "cohort_csv"),
        ({"kind": "cohort-assessment", "inputs": {"cohort_csv": ""}}, "cohort_csv"),
        ({"kind": "cohort-assessment", "trial_id": 1}, "inputs"),
        ({"kind": "shell", "inputs": {}}, "kind"),
        ({"kind": "simulation", "inputs": {}}, "seed"),
    ],
)
def test_hostile_job_inputs_are_refused_before_anything_is_queued(
    client: Any, orgs: Any, db: Any, body: dict[str, Any], field: str
) -> None:
    login(client, "a-statistician")
    r = client.post("/api/jobs", json=body)
    assert r.status_code == 422, r.text
    assert field in r.text
    assert jobs.list_jobs(db, system(orgs[0], "statistician")) == []


def test_a_cohort_too_large_for_the_body_limit_is_refused(client: Any, orgs: Any) -> None:
    login(client, "a-statistician")
    big = COHORT + ("P999," + "x" * 1000 + "\n") * 2200  # over the 2 MiB body limit
    assert client.post("/api/jobs", json=_cohort(big)).status_code == 413


def test_the_cohort_page_runs_an_assessment_and_offers_its_scores(
    app: Any, client: Any, orgs: Any, engine_closed: Any
) -> None:
    login(client, "a-statistician")
    web = client_for(app)
    web_login(web, "a-statistician")
    page = web.get("/cohort")
    assert page.status_code == 200
    assert '<a href="/cohort" aria-current="page">' in page.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    r = web.post(
        "/cohort",
        data={"csrf_token": token.group(1)},
        files={"file": ("registry.csv", COHORT.encode(), "text/csv")},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert r.headers["location"] == "/cohort#jobs"
    job = client.get("/api/jobs", params={"kind": "cohort-assessment"}).json()[0]
    done = _wait(client, job["id"], {"done", "failed"}, timeout=120)
    assert done["state"] == "done", done["error"]
    fragment = web.get("/cohort/jobs").text
    assert f'href="/api/jobs/{job["id"]}/files/scores.csv"' in fragment
    assert "6 patients" in fragment
    assert 'hx-trigger="every 2s"' not in fragment  # nothing active: no polling
    assert web.get(f"/api/jobs/{job['id']}/files/scores.csv").status_code == 200
    # not a cohort file: refused on the page, nothing queued
    r = web.post(
        "/cohort",
        data={"csrf_token": token.group(1)},
        files={"file": ("notes.txt", b"hello", "text/plain")},
    )
    assert r.status_code == 422
    assert "a .csv or .parquet file" in r.text
    assert len(client.get("/api/jobs").json()) == 1
    # a clinician has no cohort page
    clinician = client_for(app)
    web_login(clinician, "a-clinician")
    assert clinician.get("/cohort").status_code == 403


def test_a_simulation_job_gives_the_numbers_of_the_command_line(
    client: Any, orgs: Any, db: Any, engine_closed: Any
) -> None:
    import subprocess
    import sys

    login(client, "a-statistician")
    job = _post(client, {"kind": "simulation", "inputs": SIMULATION})
    done = _wait(client, job["id"], {"done", "failed"}, timeout=120)
    assert done["state"] == "done", done["error"]
    got = json.loads(client.get(_files(done)["simulation.json"]["url"]).text)
    options = [f"--{k.replace('_', '-')}={v}" for k, v in SIMULATION.items()]
    command = [sys.executable, "-c", "from tacepath.cli import main; main()", "simulate"]
    cli = subprocess.run(
        [*command, "trial", *options, "--json"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    want = json.loads(cli.stdout)
    for timing in ("seconds", "trials_per_minute"):
        got.pop(timing)
        want.pop(timing)
    assert got == want
    # the simulated power agrees with the closed form within its Monte-Carlo error
    assert abs(got["power"] - got["closed_form_power"]) < 4 * got["power_se"]
    assert done["result"]["summary"].startswith("500 simulated trials of 156 patients")
    assert _actions(db, job["id"]) == ["job.queue", "job.start", "job.done"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"events": 157}, "events"),  # more events than patients
        ({"replicates": 100_001}, "replicates"),
        ({"alpha": 0.6}, "alpha"),  # one-sided alpha of 0.5 or more
        ({"median_control": -1}, "median_control"),
        ({"weibull_shape": 2}, "weibull_shape"),
        ({"sides": 3}, "sides"),
    ],
)
def test_a_simulation_job_refuses_an_impossible_trial(
    client: Any, orgs: Any, db: Any, change: dict[str, Any], field: str
) -> None:
    login(client, "a-statistician")
    r = client.post("/api/jobs", json={"kind": "simulation", "inputs": {**SIMULATION, **change}})
    assert r.status_code == 422, r.text
    assert field in r.text
    assert jobs.list_jobs(db, system(orgs[0], "statistician")) == []


def test_a_parquet_cohort_from_the_page_gives_the_scores_of_its_csv(
    app: Any, client: Any, orgs: Any, tmp_path: Path, engine_closed: Any
) -> None:
    import pandas as pd

    from tacepath.interop.cohort_io import read_cohort_chunks

    frame = next(iter(read_cohort_chunks(EXAMPLES / "cohort.csv"))).frame
    frame.to_parquet(tmp_path / "cohort.parquet", index=False)
    login(client, "a-statistician")
    web = client_for(app)
    web_login(web, "a-statistician")
    token = re.search(r'name="csrf_token" value="([^"]+)"', web.get("/cohort").text)
    assert token is not None
    r = web.post(
        "/cohort",
        data={"csrf_token": token.group(1)},
        files={"file": ("Registry.PARQUET", (tmp_path / "cohort.parquet").read_bytes())},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    job = client.get("/api/jobs", params={"kind": "cohort-assessment"}).json()[0]
    done = _wait(client, job["id"], {"done", "failed"}, timeout=120)
    assert done["state"] == "done", done["error"]
    (tmp_path / "cohort.csv").write_text(COHORT)
    assess_cohort_file(tmp_path / "cohort.csv", tmp_path / "scores.csv")
    got = client.get(_files(done)["scores.csv"]["url"]).content
    assert pd.read_csv(io.BytesIO(got)).equals(pd.read_csv(tmp_path / "scores.csv"))
