"""A stored value can never make a record unviewable (ASVS 5.1.3, 7.4.1).

Before: a timeline with two lesions of ``"longest_mm": 1e308`` was accepted (200), and then
the response, decision, course plot, MDT summary and patient page all answered 500
(``OverflowError``); a FHIR lesion Observation of 1e308 was accepted too.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import update

from tacepath.store.models import LesionRow
from tests.platform.conftest import example, login, store_p003

_VIEWS = (
    "/api/patients/{pid}/response",
    "/api/patients/{pid}/decision",
    "/api/patients/{pid}/course.png",
    "/api/patients/{pid}/summary/mdt.html",
    "/patients/{pid}",
)


def _bomb(timeline: dict[str, Any]) -> dict[str, Any]:
    out = json.loads(json.dumps(timeline))
    for lesion in out["assessments"][0]["lesions"][:2]:
        lesion["longest_mm"] = 1e308
    return out


def _stored(client: Any) -> tuple[int, dict[str, Any]]:
    return store_p003(client), example("timelines/P003_untaceable_intrahepatic.json")


def test_a_1e308_lesion_is_refused_and_the_record_stays_viewable(client: Any, orgs: Any) -> None:
    login(client, "a-clinician")
    pid, tl = _stored(client)
    r = client.put(f"/api/patients/{pid}/timeline?version=3", json=_bomb(tl))
    assert r.status_code == 422
    assert "longest_mm" in r.text
    # both sides of the limit: 400 mm is a (huge) tumour, 400.5 mm is not
    edge = json.loads(json.dumps(tl))
    edge["assessments"][0]["lesions"][0]["longest_mm"] = 400.5
    assert client.put(f"/api/patients/{pid}/timeline?version=3", json=edge).status_code == 422
    edge["assessments"][0]["lesions"][0]["longest_mm"] = 400
    assert client.put(f"/api/patients/{pid}/timeline?version=3", json=edge).status_code == 200
    for view in _VIEWS:
        assert client.get(view.format(pid=pid)).status_code == 200, view


def test_an_impossible_value_stored_behind_the_apis_back_gives_an_error_not_500(
    client: Any, db: Any, orgs: Any
) -> None:
    login(client, "a-clinician")
    pid, _ = _stored(client)
    with db.write() as s:  # what an older version, or a hand edit of the database, could leave
        s.execute(update(LesionRow).values(longest_mm=1e308))
    for view in _VIEWS:
        r = client.get(view.format(pid=pid))
        # a clear error naming the stored value's field, never a 500
        assert r.status_code == 422, (view, r.status_code, r.text[:300])
        assert "longest" in r.text, view


def test_a_fhir_lesion_observation_of_1e308_is_refused(client: Any, orgs: Any) -> None:
    from tacepath.interop.fhir import record_to_bundle

    login(client, "a-clinician")
    snap = example("pathway/P003_snapshot.json") | {"date": "2026-06-29"}
    tl = example("timelines/P003_untaceable_intrahepatic.json")
    bundle = record_to_bundle(snap, tl, "P003")
    changed = 0
    for entry in bundle["entry"]:
        res = entry["resource"]
        if res["resourceType"] == "Observation" and res["id"].startswith("lesion-"):
            for comp in res["component"]:
                if comp["code"]["coding"][0]["code"] == "longest_mm":
                    comp["valueQuantity"]["value"] = 1e308
                    changed += 1
    assert changed >= 2
    r = client.post("/api/import/fhir", json=bundle)
    assert r.status_code == 422, r.text[:300]
    assert "longest_mm" in r.text
    assert client.get("/api/patients").json() == []  # nothing stored


def test_the_response_command_on_a_1e308_timeline_exits_2_naming_the_field(
    tmp_path: Any,
) -> None:
    """Before: ``tacepath response`` on the same file ended in a traceback."""
    from typer.testing import CliRunner

    from tacepath.cli import app

    path = tmp_path / "bomb.json"
    path.write_text(json.dumps(_bomb(example("timelines/P003_untaceable_intrahepatic.json"))))
    result = CliRunner().invoke(app, ["response", str(path)])
    assert result.exit_code == 2, result.output
    assert "longest_mm" in result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
