"""New lesions treated at a later TACE session: when each was treated, and the record's checks.

A new liver lesion seen at an assessment may be embolised at a later TACE session; the session
names it (``tace_sessions[].treated_lesions``). From that session on the lesion is no longer
*new*: it is a treated lesion whose viable (arterially enhancing) part is measured, like the
lesions treated from baseline. So at every assessment after the session it is recorded under
``lesions`` (``target: false``, same id, with a declared ``status``) and not under
``new_lesions``. How the response criteria count it is in :mod:`tacepath.response`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING

from tacepath.errors import Problem

if TYPE_CHECKING:
    from tacepath.domain.timeline import Timeline

__all__ = ["treated_lesion_problems", "treated_new_lesions"]


def treated_new_lesions(tl: Timeline) -> Mapping[str, dt.date]:
    """Id of each treated new lesion → date of the first TACE session that treated it."""
    out: dict[str, dt.date] = {}
    for s in tl.tace_sessions:
        for lid in s.treated_lesions:
            out.setdefault(lid, s.date)
    return MappingProxyType(out)


def _where(tl: Timeline, i: int) -> str:
    return f"{tl.id}.assessments[{i}]({tl.assessments[i].date.isoformat()})"


def treated_lesion_problems(tl: Timeline) -> list[Problem]:
    """What is wrong with the treated new lesions of ``tl`` (empty when nothing is).

    A treated id must be a new liver lesion seen on or before the session (once per
    session); after its first session it must be under ``lesions`` at every assessment and
    no longer under ``new_lesions``; before it, not under ``lesions``.
    """
    out: list[Problem] = []
    baseline_ids = {les.id for les in tl.baseline.lesions}
    for j, s in enumerate(tl.tace_sessions):
        seen = sorted(
            {
                nl.id
                for a in tl.assessments
                if a.date <= s.date
                for nl in a.new_lesions
                if nl.id is not None and nl.intrahepatic
            }
        )
        where = f"{tl.id}.tace_sessions[{j}]({s.date.isoformat()}).treated_lesions"
        for k, lid in enumerate(s.treated_lesions):
            if lid in s.treated_lesions[:k]:
                out.append(Problem(f"{where}[{lid}]", lid, "each lesion once per session"))
            elif lid not in seen:
                allowed = f"the id of a new liver lesion seen on or before this session: {seen}"
                if lid in baseline_ids:
                    allowed += " (baseline lesions are the treated tumour already)"
                out.append(Problem(f"{where}[{lid}]", lid, allowed))
    treated = treated_new_lesions(tl)
    for i, a in enumerate(tl.assessments):
        measured = {les.id: les for les in a.lesions}
        for lid, when in treated.items():
            after = a.date > when
            les = measured.get(lid)
            if after and les is None:
                out.append(
                    Problem(
                        f"{_where(tl, i)}.lesions[{lid}]",
                        None,
                        f"the lesion treated at TACE on {when.isoformat()} at every later "
                        "assessment: declare status 'present', 'too_small', 'absent' or "
                        "'not_assessed'",
                    )
                )
            elif not after and les is not None and lid not in baseline_ids:
                out.append(
                    Problem(
                        f"{_where(tl, i)}.lesions[{lid}]",
                        lid,
                        f"under new_lesions until the TACE that treats it ({when.isoformat()})",
                    )
                )
            elif les is not None and les.organ != "liver":
                out.append(Problem(f"{_where(tl, i)}.lesions[{lid}].organ", les.organ, "liver"))
            if after and any(nl.id == lid for nl in a.new_lesions):
                out.append(
                    Problem(
                        f"{_where(tl, i)}.new_lesions[{lid}]",
                        lid,
                        f"not a new lesion after its TACE on {when.isoformat()}: record it under "
                        "lesions (target: false) with its viable diameters",
                    )
                )
    return out
