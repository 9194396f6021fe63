"""Views of the registry as plain data: the list of trials, one trial, the conflicts.

Every number is shown with its source, and a number or statement that a seed-vs-source
conflict concerns carries the conflict's id, so that a display can never show it bare.
"""

from __future__ import annotations

from typing import Any

from tacepath.evidence.model import Cited, Number, Result, Trial
from tacepath.evidence.registry import Registry

__all__ = ["conflict_rows", "headline", "number_dict", "trial_dict", "trial_rows"]


def number_dict(n: Number, trial: Trial) -> dict[str, Any]:
    """A number with its unit, CI, source citation and conflict (if any)."""
    out: dict[str, Any] = {
        "value": n.value,
        "unit": n.unit,
        "ci": list(n.ci) if n.ci else None,
        "ci_level": n.ci_level if n.ci else None,
        "text": n.text(),
        "source": n.source,
        "citation": trial.source(n.source).text(),
        "conflict": n.conflict,
    }
    if n.note:
        out["note"] = n.note
    return out


def _cited(c: Cited | None, trial: Trial) -> dict[str, Any] | None:
    if c is None:
        return None
    return {
        "text": c.text,
        "source": c.source,
        "citation": trial.source(c.source).text(),
        "conflict": c.conflict,
    }


def _result(r: Result, trial: Trial) -> dict[str, Any]:
    return {
        "endpoint": r.endpoint,
        "endpoint_name": trial.endpoint(r.endpoint).name,
        "analysis": r.analysis,
        "comparison": list(r.comparison) if r.comparison else None,
        "medians": {arm: number_dict(v, trial) for arm, v in r.medians.items()},
        "hr": number_dict(r.hr, trial) if r.hr else None,
        "p": number_dict(r.p, trial) if r.p else None,
        "other": {k: number_dict(v, trial) for k, v in r.other.items()},
        "note": _cited(r.note, trial),
    }


def headline(trial: Trial) -> Result | None:
    """The first result of a primary endpoint (the trial's headline), if any."""
    primary = {e.id for e in trial.endpoints if e.primary}
    return next((r for r in trial.results if r.endpoint in primary), None)


def trial_dict(trial: Trial) -> dict[str, Any]:
    """Everything about one trial, numbers resolved to their citations (``evidence show``)."""
    return {
        "id": trial.id,
        "name": trial.name,
        "aliases": list(trial.aliases),
        "registry": dict(trial.registry),
        "phase": trial.phase,
        "status": trial.status,
        "status_text": _cited(trial.status_text, trial),
        "design": _cited(trial.design, trial),
        "stratification": _cited(trial.stratification, trial),
        "population": [_cited(p, trial) for p in trial.population],
        "n": number_dict(trial.n, trial) if trial.n else None,
        "arms": [
            {
                "id": a.id,
                "label": a.label,
                "regimen": a.regimen,
                "n": number_dict(a.n, trial) if a.n else None,
                "drugs": [{"drug": d.drug, "dose": _cited(d.dose, trial)} for d in a.drugs],
                "tace": _cited(a.tace, trial),
                "timing": _cited(a.timing, trial),
            }
            for a in trial.arms
        ],
        "endpoints": [
            {
                "id": e.id,
                "name": e.name,
                "primary": e.primary,
                "definition": _cited(e.definition, trial),
            }
            for e in trial.endpoints
        ],
        "results": [_result(r, trial) for r in trial.results],
        "adverse_events": [
            {
                "term": ae.term,
                "grade": ae.grade,
                "incidence": {arm: number_dict(v, trial) for arm, v in ae.incidence.items()},
            }
            for ae in trial.adverse_events
        ],
        "follow_up": number_dict(trial.follow_up, trial) if trial.follow_up else None,
        "findings": [_cited(f, trial) for f in trial.findings],
        "conflicts": [
            {
                "id": c.id,
                "topic": c.topic,
                "kind": c.kind,
                "seed": _cited(c.seed, trial),
                "source_says": _cited(c.source_says, trial),
            }
            for c in trial.conflicts
        ],
        "unverified": list(trial.unverified),
        "sources": [s.model_dump(mode="json") | {"text": s.text()} for s in trial.sources],
    }


def trial_rows(reg: Registry) -> list[dict[str, Any]]:
    """One row per trial (``evidence list``): design, size, status and headline result."""
    rows = []
    for t in reg:
        h = headline(t)
        head: dict[str, Any] | None = None
        if h is not None:
            head = {
                "endpoint": t.endpoint(h.endpoint).name,
                "analysis": h.analysis,
                "medians": {a: number_dict(v, t) for a, v in h.medians.items()},
                "hr": number_dict(h.hr, t) if h.hr else None,
                "p": number_dict(h.p, t) if h.p else None,
                "other": {k: number_dict(v, t) for k, v in h.other.items()},
            }
        rows.append(
            {
                "id": t.id,
                "name": t.name,
                "phase": t.phase,
                "status": t.status,
                "n": number_dict(t.n, t) if t.n else None,
                "regimens": [a.regimen for a in t.arms if a.regimen],
                "primary_endpoints": [e.name for e in t.endpoints if e.primary],
                "headline": head,
                "conflicts": [c.id for c in t.conflicts],
            }
        )
    return rows


def conflict_rows(reg: Registry) -> list[dict[str, Any]]:
    """Every conflict and note across the registry (``evidence conflicts``)."""
    return [
        {
            "trial": t.id,
            "id": c.id,
            "topic": c.topic,
            "kind": c.kind,
            "seed": _cited(c.seed, t),
            "source_says": _cited(c.source_says, t),
        }
        for t, c in reg.conflicts()
    ]
