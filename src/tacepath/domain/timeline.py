"""A patient's longitudinal record: imaging assessments, TACE sessions, Child-Pugh, events.

The timeline is the single input of every response criterion (:mod:`tacepath.response`) and of
the trial endpoints (:mod:`tacepath.adam.endpoints`). It is checked once, when it enters
(:func:`parse_timeline`): dates in order, nothing measured after death, no target lesion that
vanishes from the record without being declared, a baseline with at least one target, and no
impossible size. Every refusal names the patient, the date, the lesion and the field.

This module parses and checks; the records themselves and the size limits of one timeline are
defined in the private ``_timeline_records`` and imported from here.

Conventions
-----------
* The first assessment is the baseline; ``start_date`` is randomisation or treatment start.
* ``lesions`` holds every *measured* lesion. ``target: true`` marks the RECIST 1.1 / mRECIST
  target lesions (chosen at baseline, at most 5 in total and 2 per organ, RECIST 1.1 [1]_);
  measured liver lesions with ``target: false`` still count for the bidimensional criteria
  (EASL, RECICL, TACTICS use up to the five largest intrahepatic lesions [3]_).
* Every baseline target lesion appears at every follow-up with a ``status``: ``present``
  (measured), ``too_small`` (present, too small to measure: RECIST records 5 mm [1]_),
  ``absent`` (disappeared: 0 mm) or ``not_assessed``.
* Lymph nodes (``organ: "lymph_node"``) carry ``short_axis_mm`` [1]_.
* ``viable_longest_mm`` / ``viable_perpendicular_mm`` are the arterially enhancing part of the
  lesion (mRECIST, EASL, RECICL [2]_); 0 means no enhancing tissue left.
* ``new_lesions`` lists every lesion absent at baseline and seen at this assessment; give it an
  ``id`` to follow it over visits (needed for equivocal lesions confirmed later).
* A TACE session's ``treated_lesions`` names the new liver lesions it embolised. From then on
  such a lesion is a measured lesion (``lesions``, ``target: false``) at every assessment, no
  longer a new one (:mod:`tacepath.domain.treated`).

References
----------
.. [1] Eisenhauer EA, et al. New response evaluation criteria in solid tumours: revised RECIST
   guideline (version 1.1). Eur J Cancer 2009;45(2):228-247. doi:10.1016/j.ejca.2008.10.026
.. [2] Lencioni R, Llovet JM. Modified RECIST (mRECIST) assessment for hepatocellular carcinoma.
   Semin Liver Dis 2010;30(1):52-60. doi:10.1055/s-0030-1247132
.. [3] Kudo M, et al. Final results of TACTICS. Liver Cancer 2022;11(4):354-367.
   doi:10.1159/000522547
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from tacepath.domain._lesion_checks import baseline_target_problems, lesion_problems
from tacepath.domain._timeline_records import (
    EVENT_TYPES,
    MARKERS,
    MAX_ASSESSMENTS,
    MAX_DETAIL_CHARS,
    MAX_LESIONS,
    MAX_RECORDS,
    MAX_TACE_SESSIONS,
    ORGANS,
    PIVKA_II_UNITS,
    AdverseEventRecord,
    Assessment,
    ChildPughRecord,
    DrugPeriod,
    Event,
    Lesion,
    NewLesion,
    NonTargetLesion,
    TaceSession,
    Timeline,
    TumourMarker,
)
from tacepath.domain.labs import LabValue, check_lab
from tacepath.domain.treated import treated_lesion_problems
from tacepath.errors import InputError, InputErrors, Problem

__all__ = [
    "EVENT_TYPES",
    "MARKERS",
    "MAX_ASSESSMENTS",
    "MAX_DETAIL_CHARS",
    "MAX_LESIONS",
    "MAX_RECORDS",
    "MAX_TACE_SESSIONS",
    "ORGANS",
    "PIVKA_II_UNITS",
    "AdverseEventRecord",
    "Assessment",
    "ChildPughRecord",
    "DrugPeriod",
    "Event",
    "Lesion",
    "NewLesion",
    "NonTargetLesion",
    "TaceSession",
    "Timeline",
    "TumourMarker",
    "parse_timeline",
    "parse_timelines",
    "parse_timelines_jsonl",
    "timeline_json_schema",
]


# --------------------------------------------------------------------------- checking


def _loc_name(raw: Any, loc: Sequence[int | str]) -> str:
    """Readable field path with the assessment date and the lesion id where known."""
    parts: list[str] = []
    node: Any = raw
    for item in loc:
        if isinstance(item, int) and parts:
            child = node[item] if isinstance(node, list) and 0 <= item < len(node) else None
            label = f"[{item}]"
            if isinstance(child, Mapping):
                if child.get("id") is not None:
                    label = f"[{child['id']}]"
                elif child.get("date") is not None:
                    label = f"[{item}]({child['date']})"
            parts[-1] += label
            node = child
        else:
            parts.append(str(item))
            node = node.get(item) if isinstance(node, Mapping) else None
    return ".".join(parts)


def _pydantic_problems(err: ValidationError, raw: Any, prefix: str) -> list[Problem]:
    out: list[Problem] = []
    for e in err.errors():
        msg = str(e["msg"])
        allowed = msg.removeprefix("Input should be ").removeprefix("Value error, ")
        value: object = e.get("input")
        if e["type"] == "missing":
            allowed, value = "a value (required)", None
        elif e["type"] == "extra_forbidden":
            allowed = "no such field (see `tacepath schema timeline`)"
        out.append(Problem(prefix + _loc_name(raw, e["loc"]), value, allowed))
    return out


def _a_name(pid: str, i: int, a: Assessment) -> str:
    return f"{pid}.assessments[{i}]({a.date.isoformat()})"


def _marker_problems(tl: Timeline) -> list[Problem]:
    """Each marker's unit: AFP by the lab rules of the snapshot (units, IU factor, range),
    PIVKA-II in :data:`PIVKA_II_UNITS`."""
    out: list[Problem] = []
    for j, m in enumerate(tl.markers):
        where = f"{tl.id}.markers[{j}]({m.date.isoformat()})"
        if m.marker == "afp":
            lab = LabValue(value=m.value, unit=m.unit, ng_per_iu=m.ng_per_iu)
            try:
                check_lab("afp", lab, where)
            except InputError as exc:
                out.extend(exc.problems)
        elif m.unit not in PIVKA_II_UNITS:
            out.append(Problem(f"{where}.unit", m.unit, ", ".join(PIVKA_II_UNITS)))
        elif m.ng_per_iu is not None:
            out.append(Problem(f"{where}.ng_per_iu", m.ng_per_iu, "only for AFP in IU/mL"))
    return out


def _check(tl: Timeline) -> list[Problem]:
    pid = tl.id
    out: list[Problem] = []
    death = tl.date_of_death
    # dates in order
    prev: dt.date | None = None
    for i, a in enumerate(tl.assessments):
        if prev is not None and a.date <= prev:
            out.append(
                Problem(
                    f"{_a_name(pid, i, a)}.date", a.date.isoformat(), f"after {prev.isoformat()}"
                )
            )
        prev = a.date
    for name in ("tace_sessions", "child_pugh", "events", "adverse_events", "markers"):
        items: tuple[Any, ...] = getattr(tl, name)
        for j in range(1, len(items)):
            if items[j].date < items[j - 1].date:
                out.append(
                    Problem(
                        f"{pid}.{name}[{j}].date",
                        items[j].date.isoformat(),
                        f"on or after {items[j - 1].date.isoformat()} (chronological order)",
                    )
                )
    for j, d in enumerate(tl.drug_periods):
        if d.end is not None and d.end < d.start:
            out.append(Problem(f"{pid}.drug_periods[{j}].end", d.end.isoformat(), ">= start"))
    for i, a in enumerate(tl.follow_ups, start=1):
        if a.date < tl.start_date:
            out.append(
                Problem(
                    f"{_a_name(pid, i, a)}.date",
                    a.date.isoformat(),
                    f"on or after start_date ({tl.start_date.isoformat()}) for a follow-up; "
                    "the first assessment is the baseline",
                )
            )
    last_assess = tl.assessments[-1].date
    if tl.last_contact_date is not None and tl.last_contact_date < last_assess:
        out.append(
            Problem(
                f"{pid}.last_contact_date",
                tl.last_contact_date.isoformat(),
                f"on or after the last assessment ({last_assess.isoformat()})",
            )
        )
    # nothing after death
    if death is not None:
        for i, a in enumerate(tl.assessments):
            if a.date > death:
                ids = [les.id for les in a.lesions]
                field = f"lesions[{ids[0]}]" if ids else "date"
                out.append(
                    Problem(
                        f"{_a_name(pid, i, a)}.{field}",
                        a.date.isoformat(),
                        f"no measurement after death ({death.isoformat()})",
                    )
                )
        names = ("tace_sessions", "child_pugh", "events", "drug_periods", "adverse_events")
        for name in (*names, "markers"):
            for j, item in enumerate(getattr(tl, name)):
                d = item.start if name == "drug_periods" else item.date
                if d > death:
                    out.append(
                        Problem(
                            f"{pid}.{name}[{j}].date",
                            d.isoformat(),
                            f"on or before death ({death.isoformat()})",
                        )
                    )
        if tl.last_contact_date is not None and tl.last_contact_date > death:
            out.append(
                Problem(
                    f"{pid}.last_contact_date",
                    tl.last_contact_date.isoformat(),
                    f"on or before death ({death.isoformat()})",
                )
            )
        deaths = tl.events_of("death")
        if tl.death_date is not None and any(e.date != tl.death_date for e in deaths):
            out.append(
                Problem(
                    f"{pid}.events(death).date",
                    [e.date.isoformat() for e in deaths],
                    f"the death_date ({tl.death_date.isoformat()})",
                )
            )
    out.extend(_marker_problems(tl))
    for j, e in enumerate(tl.events):
        if e.type == "extrahepatic_spread" and e.size_mm is None:
            out.append(
                Problem(
                    f"{pid}.events[{j}]({e.date.isoformat()}).size_mm",
                    None,
                    "the size in mm of the extrahepatic lesion",
                )
            )
    # lesions
    base = tl.baseline
    out.extend(baseline_target_problems(pid, base))
    target_ids = {les.id for les in base.lesions if les.target}
    for i, a in enumerate(tl.assessments):
        seen: set[str] = set()
        for les in a.lesions:
            if les.id in seen:
                out.append(
                    Problem(f"{_a_name(pid, i, a)}.lesions[{les.id}].id", les.id, "a unique id")
                )
            seen.add(les.id)
            out.extend(lesion_problems(pid, i, a, les, baseline=i == 0))
            if i > 0 and les.target and les.id not in target_ids:
                out.append(
                    Problem(
                        f"{_a_name(pid, i, a)}.lesions[{les.id}].target",
                        True,
                        f"targets are chosen at baseline: one of {sorted(target_ids)}",
                    )
                )
            if i > 0 and les.id in target_ids and not les.target:
                out.append(
                    Problem(
                        f"{_a_name(pid, i, a)}.lesions[{les.id}].target",
                        False,
                        "true (it is a baseline target lesion)",
                    )
                )
        if i > 0:
            for missing in sorted(target_ids - seen):
                out.append(
                    Problem(
                        f"{_a_name(pid, i, a)}.lesions[{missing}]",
                        None,
                        "every baseline target at every assessment: declare status "
                        "'absent', 'too_small' or 'not_assessed' instead of leaving it out",
                    )
                )
        nt_seen: set[str] = set()
        for nt in a.non_target:
            if nt.id in nt_seen:
                out.append(
                    Problem(f"{_a_name(pid, i, a)}.non_target[{nt.id}].id", nt.id, "a unique id")
                )
            nt_seen.add(nt.id)
        for k, nl in enumerate(a.new_lesions):
            if i == 0:
                out.append(
                    Problem(
                        f"{_a_name(pid, i, a)}.new_lesions[{nl.id or k}]",
                        nl.organ,
                        "no new lesion at baseline (record it as a lesion or non-target)",
                    )
                )
            if nl.organ not in ("ascites", "pleural_effusion") and nl.size_mm is None:
                need = "short_axis_mm" if nl.organ == "lymph_node" else "longest_mm"
                out.append(
                    Problem(
                        f"{_a_name(pid, i, a)}.new_lesions[{nl.id or k}].{need}",
                        None,
                        "the size in mm of the new lesion",
                    )
                )
    return out + treated_lesion_problems(tl)


def parse_timeline(raw: object, *, where: str = "") -> Timeline:
    """Validate one timeline; raise :class:`InputErrors` listing every problem.

    Parameters
    ----------
    raw
        The decoded JSON object (see ``tacepath schema timeline``).
    where
        Prefix for field names of structural errors (``"[3]."`` for the fourth line of a file).

    Returns
    -------
    Timeline
        The immutable, checked timeline.

    Raises
    ------
    InputErrors
        One :class:`~tacepath.errors.Problem` per refused field, each naming patient, date,
        lesion and field.
    """
    if not isinstance(raw, Mapping):
        raise InputError(where.rstrip(".") or "timeline", type(raw).__name__, "a JSON object")
    prefix = where or (f"{raw['id']}." if isinstance(raw.get("id"), str) else "")
    try:
        tl = Timeline.model_validate(raw)
    except ValidationError as exc:
        raise InputErrors(_pydantic_problems(exc, raw, prefix)) from None
    problems = _check(tl)
    if problems:
        raise InputErrors(problems)
    return tl


def parse_timelines(raw: Iterable[object]) -> list[Timeline]:
    """Validate several timelines; problems of all of them are reported together."""
    out: list[Timeline] = []
    problems: list[Problem] = []
    for i, item in enumerate(raw):
        pid = item.get("id") if isinstance(item, Mapping) else None
        try:
            out.append(parse_timeline(item, where=f"[{i}]" + (f"({pid})." if pid else ".")))
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputErrors(problems)
    return out


def parse_timelines_jsonl(text: str) -> list[Timeline]:
    """Parse JSON Lines (one timeline per line; blank lines skipped)."""
    raws: list[object] = []
    problems: list[Problem] = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raws.append(json.loads(line))
        except json.JSONDecodeError as exc:
            problems.append(
                Problem(f"line {n}", line[:40], f"one JSON object per line ({exc.msg})")
            )
    if problems:
        raise InputErrors(problems)
    return parse_timelines(raws)


def timeline_json_schema() -> dict[str, Any]:
    """The JSON Schema of one timeline (``tacepath schema timeline``)."""
    schema = Timeline.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "tacepath patient timeline"
    schema["description"] = (
        "One patient's course. The first assessment is the baseline; start_date is "
        "randomisation or treatment start. Every baseline target lesion appears at every "
        "assessment with a status. Checked on load: dates in order, nothing after death, "
        "a baseline with targets, no impossible size."
    )
    return schema
