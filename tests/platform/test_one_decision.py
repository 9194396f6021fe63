"""The web patient page and the API render the same decision as the CLI: for every example
timeline stored with a snapshot, the API's pathway, matches and follow-up decision equal
:func:`tacepath.pathway.decision.decide` on the same inputs, and the page shows the same
options (no TACE option after failure or death; no follow-up form after death)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tacepath.domain.patient import parse_patient
from tacepath.domain.timeline import parse_timeline
from tacepath.pathway.decision import decide
from tests.platform.conftest import example, login, store_course

TIMELINES = [f"P00{i}" for i in range(1, 10)]


def _file(pid: str) -> str:
    from tests.cases import ROOT

    (found,) = sorted((ROOT / "examples" / "timelines").glob(f"{pid}_*.json"))
    return f"timelines/{found.name}"


@pytest.mark.parametrize("pid", TIMELINES)
def test_page_and_api_render_the_one_decision(client: Any, orgs: Any, pid: str) -> None:
    login(client, "a-clinician")
    snap = {**example("pathway/intermediate_candidate.json"), "id": pid}
    tl = example(_file(pid))
    rid, _ = store_course(client, snap, tl, "tace-sorafenib")
    stored = client.get(f"/api/patients/{rid}").json()
    d = decide(
        parse_patient(stored["snapshot"]),
        timeline=parse_timeline(stored["timeline"]),
        regimen="tace-sorafenib",
    )
    assert d.pathway is not None
    assert d.followup is not None
    assert client.get(f"/api/patients/{rid}/pathway").json() == d.pathway.to_dict()
    assert client.get(f"/api/patients/{rid}/matches").json() == [m.to_dict() for m in d.matches]
    assert client.get(f"/api/patients/{rid}/decision").json() == d.followup.to_dict()
    page = client.get(f"/patients/{rid}").text
    options = page.split('id="options"')[1].split('id="schedule"')[0]
    shown = re.findall(r'<span class="status (eligible|needs_information|not_eligible)">', options)
    assert shown == [r.status for r in d.pathway.regimens]
    if d.state.deceased is not None:
        assert f"Deceased on {d.state.deceased.isoformat()}" in page
        assert 'id="followup"' not in page
    if d.state.tace_failure is not None or d.state.deceased is not None:
        assert not [r for r in d.options if "tace" in r.components]
