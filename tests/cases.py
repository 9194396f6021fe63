"""Every example patient and timeline of the repository, as decision cases.

The example snapshots (``examples/pathway``, ``examples/patients.json``) and the vignettes
(``tests/pathway/vignettes``) alone; and each example timeline with its own snapshot where
one exists, else with the first example that has a history, renamed to the timeline's id.

Two files may use one id for two different patients (``examples/pathway/P003_snapshot.json``,
the snapshot of the P003 timeline, and the cohort's P003 in ``examples/patients.json``): the
first file read keeps the id, the n-th patient with it is renamed ``<id>-<n>`` (``P003-2``: one
word, so that a summary shows it as the patient's id), so that each case is one patient, each
test id is unique, and a timeline meets its own snapshot.
"""

from __future__ import annotations

import json
from pathlib import Path

from tacepath.cli.response import load_timelines
from tacepath.domain.patient import PatientSnapshot, parse_patients
from tacepath.domain.timeline import Timeline

ROOT = Path(__file__).resolve().parents[1]
VIGNETTES = ROOT / "tests" / "pathway" / "vignettes"


def example_patients() -> list[PatientSnapshot]:
    files = [*sorted((ROOT / "examples" / "pathway").glob("*.json")), *sorted(VIGNETTES.glob("*"))]
    files.append(ROOT / "examples" / "patients.json")
    out: list[PatientSnapshot] = []
    seen: dict[str, int] = {}
    for f in files:
        for p in parse_patients(json.loads(f.read_text())):
            seen[p.id] = seen.get(p.id, 0) + 1
            if seen[p.id] > 1:
                p = p.model_copy(update={"id": f"{p.id}-{seen[p.id]}"})
            out.append(p)
    return out


def example_timelines() -> list[Timeline]:
    return [load_timelines(f)[0] for f in sorted((ROOT / "examples" / "timelines").glob("P*.json"))]


def decision_cases() -> list[tuple[PatientSnapshot, Timeline | None]]:
    patients = example_patients()
    by_id = {p.id: p for p in patients}
    generic = next(p for p in patients if p.history is not None)
    cases: list[tuple[PatientSnapshot, Timeline | None]] = [(p, None) for p in patients]
    for tl in example_timelines():
        p = by_id.get(tl.id) or generic.model_copy(update={"id": tl.id})
        cases.append((p, tl))
    return cases


def case_id(x: object) -> str | None:
    """``PatientSnapshot-P003`` / ``Timeline-P003`` / ``None`` for pytest ids."""
    pid = getattr(x, "id", None)
    return f"{type(x).__name__}-{pid}" if pid else None
