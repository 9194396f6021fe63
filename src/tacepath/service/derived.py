"""Engine results stored per record version, so that pages and the worklist read them.

What the patient page shows besides the record (scores and staging, the response course, the
pathway, trial matches, the follow-up decision and plan, all from the one decision function
:func:`tacepath.pathway.decision.decide`) is computed once and kept in ``derived_results``
with the four things it was computed from: the record's ``version``, a SHA-256 of the inputs
the engines read (snapshot, timeline, regimen, course start, date of death), the engine
version (:data:`ENGINE_VERSION`) and a SHA-256 of every packaged rule file
(:func:`rules_digest`). A stored result is served only when all four equal those of the
record just read; anything else (a changed record, a new release, edited rules, an unreadable
or missing row) recomputes it, so a stale decision is never served. The worklist's items
depend on the day too: they are stored for one ``as_of`` beside the view.

Storing is best effort: a busy database or a concurrent writer only means the next read
computes again. Rule files are read once per process (as the engines read them), so the
digest is too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tacepath import __version__
from tacepath.clinical.assessment import assess
from tacepath.jsonsafe import json_safe
from tacepath.pathway.decision import PatientDecision, decide
from tacepath.pathway.worklist import WorkItem
from tacepath.response.course import assess_response
from tacepath.service.db import Database
from tacepath.service.errors import Busy
from tacepath.service.patients import PatientRecord
from tacepath.store.models import DerivedResult

__all__ = [
    "ENGINE_VERSION",
    "Computed",
    "Key",
    "decision_of",
    "items_from",
    "items_to",
    "key_from",
    "key_of",
    "rules_digest",
    "store_results",
    "stored_view",
    "view_results",
]

#: The version of the engines a stored result was computed with: the package's release and
#: the stored format (raise the latter when the payload's shape changes).
ENGINE_VERSION = f"{__version__}+results.1"
_RULE_SUFFIXES = (".yaml", ".yml")


def decision_of(record: PatientRecord) -> PatientDecision | None:
    """The patient's decision (:func:`tacepath.pathway.decision.decide`) from the stored
    snapshot, timeline, regimen and course start; None for a record with neither snapshot
    nor timeline."""
    if record.snapshot is None and record.timeline is None:
        return None
    return decide(
        record.snapshot,
        timeline=record.timeline,
        regimen=record.regimen,
        start=record.start_date,
        died=record.death_date,
    )


@lru_cache(maxsize=1)
def rules_digest() -> str:
    """SHA-256 over every packaged rule file (YAML under ``tacepath``), path and content."""
    h = hashlib.sha256()
    root = resources.files("tacepath")
    stack = [(root, "")]
    found: list[tuple[str, bytes]] = []
    while stack:
        node, rel = stack.pop()
        for child in node.iterdir():
            name = f"{rel}/{child.name}" if rel else child.name
            if child.is_dir():
                stack.append((child, name))
            elif child.name.endswith(_RULE_SUFFIXES):
                found.append((name, child.read_bytes()))
    for name, content in sorted(found):
        h.update(name.encode() + b"\0" + hashlib.sha256(content).digest())
    return h.hexdigest()


@dataclass(frozen=True, slots=True)
class Key:
    """What a stored result was computed from; it is served only when all are equal."""

    record_version: int
    inputs_digest: str
    engine_version: str
    rules_digest: str

    def matches(self, row: DerivedResult | None) -> bool:
        return row is not None and self == Key(
            row.record_version, row.inputs_digest, row.engine_version, row.rules_digest
        )


def key_of(record: PatientRecord) -> Key:
    """The key of ``record`` now (its version, its inputs, this engine, these rules)."""
    return key_from(
        record.version,
        record.snapshot_raw,
        record.timeline_raw,
        regimen=record.regimen,
        start=record.start_date,
        died=record.death_date,
    )


def key_from(
    version: int,
    snapshot_raw: Mapping[str, Any] | None,
    timeline_raw: Mapping[str, Any] | None,
    *,
    regimen: str | None,
    start: dt.date | None,
    died: dt.date | None,
) -> Key:
    """The key of a record version from its unparsed inputs (the worklist checks a stored
    result without parsing the record)."""
    inputs = {
        "snapshot": snapshot_raw,
        "timeline": timeline_raw,
        "regimen": regimen,
        "start": start.isoformat() if start else None,
        "died": died.isoformat() if died else None,
    }
    blob = json.dumps(inputs, sort_keys=True, separators=(",", ":"), default=str).encode()
    return Key(version, hashlib.sha256(blob).hexdigest(), ENGINE_VERSION, rules_digest())


def _plain(obj: Any) -> Any:
    """``obj`` as it reads back from a JSON column (so stored and fresh results are equal)."""
    return json.loads(json.dumps(json_safe(obj), allow_nan=False))


def view_results(record: PatientRecord, d: PatientDecision | None) -> dict[str, Any]:
    """What the patient page shows besides the record, from the engines' own results."""
    out: dict[str, Any] = {
        "assessment": None,
        "pathway": None,
        "matches": [],
        "response": None,
        "decision": None,
        "plan": None,
        "plan_note": "",
        "deceased": None,
        "tace_failure": None,
    }
    if record.snapshot is not None:
        out["assessment"] = assess(record.snapshot).to_dict()
    if record.timeline is not None:
        out["response"] = assess_response(record.timeline).to_contract_dict()
    if d is not None:
        full = d.to_dict()
        for k in ("pathway", "matches", "plan", "plan_note", "deceased", "tace_failure"):
            out[k] = full[k]
        out["decision"] = full["followup"]
    plain: dict[str, Any] = _plain(out)
    return plain


def items_to(items: Iterable[WorkItem]) -> list[dict[str, Any]]:
    return [i.to_dict() for i in items]


def items_from(raw: Iterable[Mapping[str, Any]]) -> tuple[WorkItem, ...]:
    """Work items back from their stored form (:meth:`WorkItem.to_dict`)."""
    return tuple(
        WorkItem(
            patient=r["patient"],
            type=r["type"],
            due=dt.date.fromisoformat(r["due"]),
            status=r["status"],
            text=r["text"],
            role=r["role"],
            source=r["source"],
            window_end=dt.date.fromisoformat(r["window_end"]) if r["window_end"] else None,
            record=r["record"],
        )
        for r in raw
    )


@dataclass(frozen=True, slots=True)
class Computed:
    """Results of one record to store (``items`` for ``as_of`` when given)."""

    patient_id: int
    key: Key
    payload: dict[str, Any]
    as_of: dt.date | None = None
    items: list[dict[str, Any]] | None = None


def store_results(db: Database, computed: Iterable[Computed]) -> None:
    """Store results (replacing older ones); a busy database or a concurrent writer leaves
    them unstored, and the next read computes them again."""
    todo = list(computed)
    if not todo:
        return
    try:
        with db.write() as s:
            for c in todo:
                _put(s, c)
    except (Busy, IntegrityError):
        return


def _put(s: Session, c: Computed) -> None:
    row = s.get(DerivedResult, c.patient_id)
    if row is None:
        row = DerivedResult(patient_id=c.patient_id)
        s.add(row)
    row.record_version = c.key.record_version
    row.inputs_digest = c.key.inputs_digest
    row.engine_version = c.key.engine_version
    row.rules_digest = c.key.rules_digest
    row.payload = c.payload
    row.items_as_of = c.as_of
    row.items = c.items
    row.computed_at = dt.datetime.now(dt.UTC)


def _stored_payload(db: Database, patient_id: int, key: Key) -> dict[str, Any] | None:
    """The stored view results of the patient when computed under ``key``, else None."""
    with db.read() as s:
        row = s.get(DerivedResult, patient_id)
        if key.matches(row):
            assert row is not None
            payload: dict[str, Any] = row.payload
            return payload
    return None


#: The computations under way in this process, by patient and key: requests that miss the
#: same stored result at once wait for one computation instead of each computing it.
_computing: dict[tuple[int, Key], threading.Lock] = {}
_computing_lock = threading.Lock()


def stored_view(db: Database, record: PatientRecord) -> dict[str, Any]:
    """The view results of ``record``: the stored ones when computed from this very record,
    engine and rules, else computed now (and stored), once for the requests that ask at the
    same moment."""
    key = key_of(record)
    payload = _stored_payload(db, record.id, key)
    if payload is not None:
        return payload
    with _computing_lock:
        computing = _computing.setdefault((record.id, key), threading.Lock())
    with computing:
        try:
            payload = _stored_payload(db, record.id, key)  # stored meanwhile by another
            if payload is None:
                payload = view_results(record, decision_of(record))
                store_results(db, [Computed(record.id, key, payload)])
            return payload
        finally:
            with _computing_lock:
                _computing.pop((record.id, key), None)
