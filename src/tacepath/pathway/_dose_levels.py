"""The dose ladders of a drug read for one dose: which level it is, and the next one down.

A dose must be one of the drug's levels (by text or alias, restricted to the ladder of the
body weight when given); past the last level the ladder says what follows. Used by
:mod:`tacepath.pathway.dosing`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from tacepath.errors import InputError
from tacepath.pathway.dose_rules_data import Action, Drug, Ladder

__all__ = ["NextLevel", "check_dose", "ladders_for", "next_level"]


def _dose_key(dose: str) -> str:
    return re.sub(r"\s+", " ", dose.strip().casefold())


def _level_index(ladder: Ladder, dose: str) -> int | None:
    k = _dose_key(dose)
    for i, lv in enumerate(ladder.levels):
        if k in {_dose_key(n) for n in (lv.dose, *lv.aliases)}:
            return i
    return None


def ladders_for(drug: Drug, dose: str, weight_kg: float | None) -> list[tuple[Ladder, int]]:
    """The ladders (and level index) that hold ``dose``, restricted by weight if given."""
    out: list[tuple[Ladder, int]] = []
    for ld in drug.ladders:
        if (
            weight_kg is not None
            and ld.weight_kg is not None
            and not ld.weight_kg.contains(weight_kg)
        ):
            continue
        i = _level_index(ld, dose)
        if i is not None:
            out.append((ld, i))
    return out


def check_dose(drug: Drug, dose: str, weight_kg: float | None) -> list[tuple[Ladder, int]]:
    """The ladders holding ``dose`` (empty for a drug not reduced by levels); refuse a dose
    that is no level of the drug (of its weight's ladder when ``weight_kg`` is given)."""
    if not dose.strip():
        raise InputError("current_dose", dose, "the current dose, e.g. '400 mg twice daily'")
    if drug.reduction != "levels":
        return []
    found = ladders_for(drug, dose, weight_kg)
    if found:
        return found
    if weight_kg is not None:
        ladders = [
            ld for ld in drug.ladders if ld.weight_kg is None or ld.weight_kg.contains(weight_kg)
        ]
        levels = [lv.dose for ld in ladders for lv in ld.levels]
        raise InputError(
            "current_dose", dose, f"a {drug.id} level for {weight_kg:g} kg: " + "; ".join(levels)
        )
    levels = list(dict.fromkeys(lv.dose for ld in drug.ladders for lv in ld.levels))
    raise InputError("current_dose", dose, f"a {drug.id} dose level: " + "; ".join(levels))


@dataclass(frozen=True, slots=True, kw_only=True)
class NextLevel:
    """The next dose down, or what to do when there is none (``action``, ``text``)."""

    dose: str | None
    action: Action | None = None  # discontinue / needs-information past the last level
    text: str = ""
    ladder: Ladder | None = None
    needs: tuple[str, ...] = ()


def next_level(found: Sequence[tuple[Ladder, int]]) -> NextLevel:
    """The next level down; the same answer on every candidate ladder, or ask the weight."""
    answers: dict[tuple[str | None, str | None], NextLevel] = {}
    for ld, i in found:
        if i + 1 < len(ld.levels):
            nxt = NextLevel(dose=ld.levels[i + 1].dose, ladder=ld)
        elif ld.after_last == "discontinue":
            nxt = NextLevel(
                dose=None,
                action="discontinue",
                ladder=ld,
                text=f"no further dose level ({ld.text}): discontinue",
            )
        else:
            nxt = NextLevel(
                dose=None,
                action="needs-information",
                ladder=ld,
                text=f"no further dose level is stated ({ld.text})",
            )
        answers.setdefault((nxt.dose, nxt.action), nxt)
    if len(answers) == 1:
        return next(iter(answers.values()))
    shown = "; ".join(ld.text for ld, _ in found)
    return NextLevel(
        dose=None,
        action="needs-information",
        text=f"the next level depends on the dose ladder, chosen by body weight: {shown}",
        needs=("weight_kg: actual body weight in kg (it selects the dose ladder)",),
    )
