"""Access control: every endpoint (API and pages) with every role and with another
organisation's ids, against the permission table.

The routes are read from the application itself: each must name exactly one permission
(``Require``) or be public, and must have a sample request below — a new route without one
fails this test. For every role, a route the table allows must not answer 401/403 (nor 5xx),
a route it does not allow must answer 403; with the ids of another organisation's records
every allowed route answers 404. Without credentials, API routes answer 401 and pages
redirect to the login.
"""

from __future__ import annotations

import io
import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from tacepath.http.deps import PUBLIC, Require
from tacepath.service import auth
from tacepath.service.permissions import allowed
from tests.platform.conftest import (
    BACKENDS,
    EXAMPLES,
    ROLES,
    Org,
    _Backend,
    client_for,
    example,
    make_org,
    system,
)

_SEQ = itertools.count()


def _routes(app: Any) -> Iterator[tuple[str, str, Any]]:
    """(method, full path, route) of every endpoint, whatever FastAPI's router layout."""
    try:
        from fastapi.routing import iter_route_contexts

        for ctx in iter_route_contexts(app.routes):
            for m in sorted(ctx.methods or ()):
                if m != "HEAD":
                    yield m, ctx.path, ctx.route
    except ImportError:  # older FastAPI: included routers are flattened
        for r in app.routes:
            for m in sorted(getattr(r, "methods", None) or ()):
                if m != "HEAD":
                    yield m, r.path, r


def _permission(route: Any) -> str | None:
    found: list[str] = []

    def walk(dep: Any) -> None:
        call = getattr(dep, "call", None)
        if isinstance(call, Require):
            found.append(call.permission)
        elif call is PUBLIC:
            found.append("public")
        for sub in getattr(dep, "dependencies", ()):
            walk(sub)

    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return None
    walk(dependant)
    assert len(found) <= 1, f"{route.path}: several permissions {found}"
    return found[0] if found else None


@dataclass
class World:
    org: Org
    ids: dict[str, Any] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)


def _build(db: Any, org: Org) -> World:
    from tacepath.service import auth, interop, jobs, patients, trials
    from tacepath.service.auth import login
    from tacepath.store.models import AnalysisRow

    w = World(org)
    nav = system(org, "navigator")
    pid = patients.create_patient(db, nav, example("pathway/P003_snapshot.json"))["id"]
    patients.replace_timeline(
        db, nav, pid, example("timelines/P003_untaceable_intrahepatic.json"), version=1
    )
    rec = patients.get_record(db, nav, pid)
    patients.update_course(db, nav, pid, {"regimen": "tace-sorafenib"}, version=rec.version)
    stat = system(org, "statistician")
    tid = trials.create_trial(db, stat, "T")["id"]
    fid = trials.upload_file(db, stat, tid, "sap", "sap.yaml", b"title: x\n")["id"]
    with db.write() as s:
        a = AnalysisRow(
            trial_id=tid,
            status="done",
            report_html="<p>r</p>",
            report_pdf=b"%PDF-1.4",
            result={"x": 1},
        )
        s.add(a)
        s.flush()
        aid = a.id
    job = jobs.create_job(db, stat, "analysis", trial_id=tid, inputs={"trial": tid})
    from tacepath.service import documents

    did = documents.add_document(
        db, nav, pid, kind="letter", title="Referral", date="2026-12-01", content=b"Dear colleague"
    ).id
    from tacepath.service import meetings

    mid = meetings.create_meeting(db, nav, date="2026-12-10", title="Liver MDT").id
    meetings.add_patient(db, nav, mid, pid)
    w.ids = {
        "meeting_id": mid,
        "patient_id": pid,
        "trial_id": tid,
        "file_id": fid,
        "analysis_id": aid,
        "job_id": job["id"],
        "document_id": did,
    }
    for role, username in org.users.items():
        _, who = login(db, username, "correct horse battery staple", "test")
        tok = auth.create_api_token(db, who, "matrix")
        w.tokens[role] = tok["token"]
        w.ids[f"token_id:{role}"] = tok["id"]
    _ = interop
    return w


@pytest.fixture(scope="module", params=BACKENDS)
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    from tacepath.app import Settings, create_app
    from tacepath.service.db import Database

    backend = _Backend(request.param, tmp_path_factory.mktemp(f"ac-{request.param}"))
    url = backend.fresh()
    db = Database(url, migrate=False, pool_size=5)
    app = create_app(Settings(database_url=url, migrate=False), db=db)
    a, b = make_org(db, "Hospital A", "a"), make_org(db, "Hospital B", "b")
    own, other = _build(db, a), _build(db, b)
    yield app, own, other
    db.dispose()
    backend.close()


def _csv() -> bytes:
    return (EXAMPLES / "cohort.csv").read_bytes()


def _bundle(mrn: str) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"resource": {"resourceType": "Patient", "id": "p", "identifier": [{"value": mrn}]}}
        ],
    }


def _sample(method: str, path: str) -> dict[str, Any]:
    """The request of each route: JSON body, form fields, files (fresh names each call)."""
    n = next(_SEQ)
    curve = (EXAMPLES / "reconstruct/lung_male_curve.csv").read_bytes()
    risk = (EXAMPLES / "reconstruct/lung_male_at_risk.csv").read_bytes()
    samples: dict[tuple[str, str], dict[str, Any]] = {
        ("POST", "/api/patients"): {"json": {"id": f"N{n}"}},
        ("POST", "/api/patients/{patient_id}/snapshots"): {"json": {"id": "P003", "ecog": 1}},
        ("PUT", "/api/patients/{patient_id}/course"): {"json": {"version": 1}},
        ("PUT", "/api/patients/{patient_id}/timeline"): {
            "json": example("timelines/P003_untaceable_intrahepatic.json")
        },
        ("POST", "/api/patients/{patient_id}/followups"): {"json": {}},
        ("POST", "/api/patients/{patient_id}/documents"): {
            "data": {"kind": "other", "title": f"note {n}", "date": "2026-12-01"},
            "files": {"file": ("n.txt", f"note {n}".encode(), "text/plain")},
        },
        ("POST", "/patients/{patient_id}/documents"): {
            "data": {"kind": "other", "title": f"web note {n}", "date": "2026-12-01"},
            "files": {"file": ("n.txt", f"web note {n}".encode(), "text/plain")},
        },
        ("GET", "/api/patients/{patient_id}/letter.html"): {"params": {"to": "oncology"}},
        ("GET", "/api/patients/{patient_id}/letter.pdf"): {"params": {"to": "trial-site"}},
        ("GET", "/api/patients/{patient_id}/letter.docx"): {"params": {"to": "oncology"}},
        ("POST", "/meetings"): {"data": {"date": "2026-12-10", "title": f"MDT {n}"}},
        ("POST", "/letters/templates"): {
            "data": {"team": "family-doctor", "body": "{{ pieces.failure }}{{ pieces.plan }}"}
        },
        ("POST", "/meetings/{meeting_id}/patients"): {"data": {"patient": "1"}},
        ("POST", "/meetings/{meeting_id}/patients/{patient_id}/outcome"): {
            "data": {"choice": "defer"}
        },
        ("POST", "/api/import/fhir"): {"json": _bundle(f"F{n}")},
        ("POST", "/api/import/csv"): {"files": {"file": ("c.csv", _csv(), "text/csv")}},
        ("POST", "/api/grade"): {
            "json": {"term": "AST increased", "values": {"value": 250, "uln": 40}}
        },
        ("POST", "/api/dose-action"): {
            "json": {
                "drug": "sorafenib",
                "term": "AST increased",
                "grade": 3,
                "current_dose": "400 mg twice daily",
            }
        },
        ("POST", "/api/trials"): {"json": {"name": f"trial {n}"}},
        ("POST", "/api/jobs"): {"json": {"kind": "analysis", "trial_id": 2**31 - 1}},
        ("POST", "/api/trials/{trial_id}/files"): {
            "data": {"kind": "sap"},
            "files": {"file": ("s.yaml", b"a: 1\n", "text/yaml")},
        },
        ("POST", "/api/reconstruct"): {
            "files": {"curve": ("c.csv", curve, "text/csv"), "at_risk": ("r.csv", risk, "text/csv")}
        },
        ("POST", "/api/users"): {
            "json": {
                "username": f"user{n}",
                "role": "navigator",
                "password": "a long enough password",
            }
        },
        ("POST", "/api/tokens"): {"json": {"name": f"t{n}"}},
        ("POST", "/api/auth/login"): {"json": {"username": "x", "password": "y"}},
        ("POST", "/login"): {"data": {"username": "x", "password": "y", "login_token": "z"}},
        ("POST", "/patients/new"): {"data": {"id": f"W{n}"}},
        ("POST", "/patients/{patient_id}/course"): {"data": {"version": "1"}},
        ("POST", "/patients/{patient_id}/followup"): {"data": {"visit_date": ""}},
        ("POST", "/patients/{patient_id}/followup/preview"): {"data": {"visit_date": ""}},
        ("POST", "/patients/{patient_id}/snapshot"): {"data": {"ecog": "1"}},
        ("POST", "/trials"): {"data": {"name": f"web trial {n}"}},
        ("POST", "/trials/{trial_id}/files"): {
            "data": {"kind": "sap"},
            "files": {"file": ("s.yaml", b"a: 1\n", "text/yaml")},
        },
        ("POST", "/reconstruct"): {
            "files": {"curve": ("c.csv", curve, "text/csv"), "at_risk": ("r.csv", risk, "text/csv")}
        },
        ("POST", "/import/fhir"): {
            "files": {"file": ("b.json", json.dumps(_bundle(f"G{n}")).encode(), "application/json")}
        },
        ("POST", "/import/csv"): {"files": {"file": ("c.csv", _csv(), "text/csv")}},
        ("POST", "/cohort"): {"files": {"file": ("c.csv", _csv(), "text/csv")}},
        ("POST", "/account/tokens"): {"data": {"name": f"w{n}"}},
        ("POST", "/admin/users"): {
            "data": {
                "username": f"webuser{n}",
                "role": "navigator",
                "password": "a long enough password",
            }
        },
    }
    return samples.get((method, path), {})


_NO_SAMPLE_NEEDED = {"GET", "DELETE"}
_NO_BODY = {
    ("POST", p)
    for p in (
        "/api/auth/logout",
        "/logout",
        "/api/patients/{patient_id}/decisions",
        "/api/trials/{trial_id}/analyses",
        "/trials/{trial_id}/run",
        "/api/jobs/{job_id}/cancel",
        "/trials/{trial_id}/jobs/{job_id}/cancel",
        "/cohort/jobs/{job_id}/cancel",
        "/account/tokens/{token_id}/revoke",
    )
}


def _fill(path: str, w: World, role: str) -> str:
    out = path
    keys = ("patient_id", "trial_id", "file_id", "analysis_id", "job_id", "document_id")
    for key in (*keys, "meeting_id"):
        out = out.replace("{" + key + "}", str(w.ids[key]))
    out = out.replace("{token_id}", str(w.ids[f"token_id:{role}"]))
    out = out.replace("{name}", "scores.csv")
    return out.replace("{trial_id}", "TACTICS").replace("{path:path}", "style.css")


def _call(client: Any, method: str, path: str, url: str, token: str | None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    kwargs = _sample(method, path)
    return client.request(method, url, headers=headers, follow_redirects=False, **kwargs)


def _checked_routes(app: Any) -> list[tuple[str, str, str]]:
    out = []
    for method, path, route in _routes(app):
        if path.startswith("/static") or path in ("/openapi.json", "/docs"):
            continue
        perm = _permission(route)
        assert perm is not None, f"{method} {path} names no permission"
        if method not in _NO_SAMPLE_NEVER and method not in _NO_SAMPLE_NEEDED:
            assert _sample(method, path) or (method, path) in _NO_BODY, (
                f"add a sample request for {method} {path} to this test"
            )
        out.append((method, path, perm))
    return out


_NO_SAMPLE_NEVER: set[str] = set()


def test_every_route_names_a_permission_and_has_a_sample(world: Any) -> None:
    app, _, _ = world
    routes = _checked_routes(app)
    assert len(routes) > 50
    perms = {p for *_, p in routes}
    assert {"patient.read", "followup.record", "trial.run", "users.manage"} <= perms


@pytest.mark.parametrize("role", ROLES)
def test_every_route_with_every_role(world: Any, role: str) -> None:
    app, own, other = world
    client = client_for(app)
    failures = []
    for method, path, perm in _checked_routes(app):
        if perm == "public":
            continue
        url = _fill(path, own, role)
        if "{token_id}" in path:  # revoke a disposable token, not the one in use
            _, signed_in = auth.login(
                app.state.db, f"a-{role}", "correct horse battery staple", "test"
            )
            spare = auth.create_api_token(app.state.db, signed_in, "spare")
            url = path.replace("{token_id}", str(spare["id"]))
        r = _call(client, method, path, url, own.tokens[role])
        if method == "POST" and path in ("/api/tokens", "/account/tokens"):
            # a token may not make tokens (signed in only)
            if r.status_code != 403:
                failures.append(f"{method} {path} with a token -> {r.status_code}, expected 403")
        elif allowed(role, perm):
            if r.status_code in (401, 403) or r.status_code >= 500:
                failures.append(f"{method} {path} ({perm}) -> {r.status_code} {r.text[:200]}")
        elif r.status_code != 403:
            failures.append(f"{method} {path} ({perm}) -> {r.status_code}, expected 403")
        has_ids = any(
            k in path
            for k in (
                "{patient_id}",
                "{trial_id}",
                "{file_id}",
                "{analysis_id}",
                "{job_id}",
                "{token_id}",
                "{meeting_id}",
            )
        )
        if (
            has_ids
            and allowed(role, perm)
            and not path.startswith("/api/evidence")
            and not (path.startswith("/evidence/"))
        ):
            foreign = _fill(path, other, role)
            r = _call(client, method, path, foreign, own.tokens[role])
            if r.status_code != 404:
                failures.append(f"{method} {foreign} (other organisation) -> {r.status_code}")
    assert not failures, "\n".join(failures)


def test_without_credentials(world: Any) -> None:
    app, own, _ = world
    client = client_for(app)
    for method, path, perm in _checked_routes(app):
        if perm == "public":
            continue
        r = _call(client, method, path, _fill(path, own, "admin"), None)
        if path.startswith("/api/"):
            assert r.status_code == 401, f"{method} {path} -> {r.status_code}"
        else:
            assert r.status_code == 303, path
            assert r.headers["location"].startswith("/login"), path


def test_search_never_returns_another_organisations_patients(world: Any) -> None:
    app, own, other = world
    client = client_for(app)
    headers = {"Authorization": f"Bearer {own.tokens['navigator']}"}
    rows = client.get("/api/patients", params={"q": "P003"}, headers=headers).json()
    assert [r["id"] for r in rows] == [own.ids["patient_id"]]
    page = client.get("/patients", params={"q": "P"}, headers=headers).text
    assert f'/patients/{other.ids["patient_id"]}"' not in page
    _ = io
