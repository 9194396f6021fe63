"""The demo organisation: example patients and timelines, a synthetic trial, a user per role.

Loaded by ``tacepath serve --demo`` from the repository's ``examples/`` folder (synthetic
vignettes, not real patients): the snapshots of ``examples/patients.json`` and
``examples/pathway/*.json`` (``P003_snapshot.json`` is the snapshot that goes with the P003
timeline and replaces P003 of ``patients.json``), the timelines of ``examples/timelines/``
with each regimen below, and a trial workspace with the synthetic TACTICS-like cohort of
``tacepath simulate cohort --like tactics`` and ``examples/tactics-like/sap.yaml`` (labelled
synthetic in every file and report). Passwords are random and printed once.
"""

from __future__ import annotations

import json
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tacepath.adam.cohort import tactics_like_cohort
from tacepath.domain.patient import parse_patient
from tacepath.domain.timeline import parse_timeline
from tacepath.interop.adam_io import write_cohort
from tacepath.service.auth import create_organisation, create_user
from tacepath.service.db import Database
from tacepath.service.followups import store_decision
from tacepath.service.patients import (
    find_patient,
    insert_patient,
    insert_timeline,
    update_course,
)
from tacepath.service.principal import Principal, system_principal
from tacepath.service.trials import create_trial, upload_file
from tacepath.store.models import ROLES

__all__ = ["DEMO_ORGANISATION", "DEMO_REGIMENS", "DemoLogin", "examples_dir", "load_demo"]

DEMO_ORGANISATION = "Demo hospital (synthetic patients)"

#: The regimen of each demo timeline (the docs' commands use TACTICS for P003).
DEMO_REGIMENS = {"P001": "tace-sorafenib", "P003": "tace-sorafenib", "P005": "tace-sorafenib"}
_DEFAULT_REGIMEN = "tace-alone"


@dataclass(frozen=True, slots=True)
class DemoLogin:
    username: str
    password: str
    role: str


def examples_dir() -> Path:
    """The ``examples/`` folder of the checkout (the current directory's first)."""
    here = Path(__file__).resolve()
    for parent in (Path.cwd(), *here.parents):
        candidate = parent / "examples"
        if (candidate / "patients.json").exists() and (candidate / "timelines").is_dir():
            return candidate
    raise FileNotFoundError(
        "the demo needs the examples/ folder of a tacepath checkout (run from the repository)"
    )


def _system(org_id: int, role: str) -> Principal:
    return system_principal(
        organisation_id=org_id, organisation=DEMO_ORGANISATION, role=role, username="demo loader"
    )


def _snapshots(folder: Path) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for raw in json.loads((folder / "patients.json").read_text(encoding="utf-8")):
        out[raw["id"]] = raw
    for path in sorted((folder / "pathway").glob("*.json")):
        raw = json.loads(path.read_text(encoding="utf-8"))
        out[raw["id"]] = raw
    return out


def _simulated_trial(examples: Path) -> dict[str, tuple[str, bytes]] | None:
    """ADSL/ADTTE/ADAE of ``tacepath simulate cohort --like tactics`` (synthetic, labelled so
    in every file) and the example SAP; ``None`` without the example SAP."""
    sap = examples / "tactics-like" / "sap.yaml"
    if not sap.exists():
        return None
    out = {"sap": ("sap.yaml", sap.read_bytes())}
    with tempfile.TemporaryDirectory(prefix="tacepath-demo-trial-") as tmp:
        write_cohort(tactics_like_cohort(), tmp)
        for kind in ("adsl", "adtte", "adae"):
            out[kind] = (f"{kind}_synthetic.csv", (Path(tmp) / f"{kind}.csv").read_bytes())
    return out


def load_demo(
    db: Database, folder: Path | None = None, *, with_trial: bool = True
) -> list[DemoLogin]:
    """Load the demo organisation into ``db``; the logins (random passwords) are returned."""
    folder = folder or examples_dir()
    org = create_organisation(db, DEMO_ORGANISATION)
    logins = []
    for role in ROLES:
        password = secrets.token_urlsafe(12)
        username = f"demo-{role}"
        create_user(
            db,
            None,
            organisation_id=org,
            username=username,
            password=password,
            role=role,
            full_name=f"Demo {role}",
        )
        logins.append(DemoLogin(username, password, role))
    writer = _system(org, "clinician")
    snaps = _snapshots(folder)
    timelines = {}
    for path in sorted((folder / "timelines").glob("P*.json")):
        raw = json.loads(path.read_text(encoding="utf-8"))
        timelines[raw["id"]] = raw
    with db.write() as s:
        for mrn in sorted(set(snaps) | set(timelines)):
            snap = parse_patient(snaps.get(mrn, {"id": mrn}))
            p = insert_patient(s, writer, snap)
            if mrn in timelines:
                insert_timeline(s, writer, p, parse_timeline(timelines[mrn]))
    for mrn in sorted(timelines):
        with db.read() as s:
            found = find_patient(s, writer, mrn)
            assert found is not None
            pid, version = found.id, found.version
        changed = update_course(
            db,
            writer,
            pid,
            {"regimen": DEMO_REGIMENS.get(mrn, _DEFAULT_REGIMEN)},
            version=version,
        )
        store_decision(db, writer, pid, version=changed["version"])
    files = _simulated_trial(folder) if with_trial else None
    if files is not None:
        stat = _system(org, "statistician")
        trial = create_trial(
            db,
            stat,
            "TACTICS-like trial (synthetic data)",
            "Synthetic TACTICS-like cohort (simulated like TACTICS) and the example "
            "analysis plan: not trial data.",
        )
        for kind, (name, content) in files.items():
            upload_file(db, stat, trial["id"], kind, name, content)
    return logins
