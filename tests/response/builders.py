"""Small builders of timeline JSON for hand-checked tests (one visit every 8 weeks)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from tacepath.domain.timeline import Timeline, parse_timeline

BASE = dt.date(2026, 1, 2)
START = dt.date(2026, 1, 5)


def day(n: int) -> str:
    """ISO date ``n`` days after the baseline scan."""
    return (BASE + dt.timedelta(days=n)).isoformat()


def les(
    id: str,
    lo: float | None = None,
    pe: float | None = None,
    vlo: float | None = None,
    vpe: float | None = None,
    *,
    organ: str = "liver",
    target: bool = True,
    typical: bool | None = True,
    status: str = "present",
    sa: float | None = None,
) -> dict[str, Any]:
    d: dict[str, Any] = {"id": id, "organ": organ, "target": target}
    if status != "present":
        d["status"] = status
        return d
    for k, v in (
        ("longest_mm", lo),
        ("perpendicular_mm", pe),
        ("viable_longest_mm", vlo),
        ("viable_perpendicular_mm", vpe),
        ("short_axis_mm", sa),
    ):
        if v is not None:
            d[k] = v
    if typical is not None:
        d["typical_hcc"] = typical
    return d


def visit(
    date: str,
    lesions: Sequence[dict[str, Any]],
    nt: Sequence[dict[str, Any]] = (),
    new: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    return {
        "date": date,
        "modality": "CT",
        "lesions": list(lesions),
        "non_target": list(nt),
        "new_lesions": list(new),
    }


def raw_timeline(
    visits: Sequence[Sequence[dict[str, Any]]] | Sequence[dict[str, Any]],
    *,
    id: str = "T1",
    tace: Sequence[str | tuple[str, bool | None]] = (),
    cp: Sequence[tuple[str, int]] = (),
    events: Sequence[dict[str, Any]] = (),
    death: str | None = None,
    last: str | None = None,
    every: int = 56,
) -> dict[str, Any]:
    """Visits given as lesion lists (dated every ``every`` days) or as ``visit()`` dicts."""
    assessments = []
    for i, v in enumerate(visits):
        if isinstance(v, dict):
            assessments.append(v)
        else:
            assessments.append(visit(day(i * every), v))
    sessions = []
    for t in tace:
        d, rc = (t, None) if isinstance(t, str) else t
        s: dict[str, Any] = {"date": d, "technique": "cTACE"}
        if rc is not None:
            s["regimen_changed"] = rc
        sessions.append(s)
    return {
        "id": id,
        "start_date": START.isoformat(),
        "assessments": assessments,
        "tace_sessions": sessions,
        "child_pugh": [{"date": d, "score": s} for d, s in cp],
        "events": list(events),
        "last_contact_date": last,
        "death_date": death,
    }


def timeline(*args: Any, **kwargs: Any) -> Timeline:
    return parse_timeline(raw_timeline(*args, **kwargs))
