"""Checks of one measured lesion and of the baseline target selection (used by the timeline)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tacepath.errors import Problem

if TYPE_CHECKING:
    from tacepath.domain.timeline import Assessment, Lesion

__all__ = ["baseline_target_problems", "lesion_problems"]


def _a_name(pid: str, i: int, a: Assessment) -> str:
    return f"{pid}.assessments[{i}]({a.date.isoformat()})"


def lesion_problems(pid: str, i: int, a: Assessment, les: Lesion, baseline: bool) -> list[Problem]:
    where = f"{_a_name(pid, i, a)}.lesions[{les.id}]"
    out: list[Problem] = []
    measured = ("longest_mm", "perpendicular_mm", "viable_longest_mm", "viable_perpendicular_mm")
    if les.status == "present":
        need = "short_axis_mm" if les.is_node else "longest_mm"
        if getattr(les, need) is None:
            out.append(Problem(f"{where}.{need}", None, "a length in mm for a present lesion"))
    elif any(getattr(les, f) for f in (*measured, "short_axis_mm")):
        out.append(Problem(f"{where}.status", les.status, "'present' when measurements are given"))
    if baseline and les.status != "present":
        out.append(Problem(f"{where}.status", les.status, "'present' (measured) at baseline"))
    lo, pe = les.longest_mm, les.perpendicular_mm
    vlo, vpe = les.viable_longest_mm, les.viable_perpendicular_mm
    if lo is not None and pe is not None and pe > lo:
        out.append(Problem(f"{where}.perpendicular_mm", pe, f"<= longest_mm ({lo:g})"))
    if lo is not None and vlo is not None and vlo > lo:
        out.append(Problem(f"{where}.viable_longest_mm", vlo, f"<= longest_mm ({lo:g})"))
    if vlo is not None and vpe is not None and vpe > vlo:
        out.append(
            Problem(f"{where}.viable_perpendicular_mm", vpe, f"<= viable_longest_mm ({vlo:g})")
        )
    if pe is not None and vpe is not None and vpe > pe:
        out.append(
            Problem(f"{where}.viable_perpendicular_mm", vpe, f"<= perpendicular_mm ({pe:g})")
        )
    if (vlo == 0) != (vpe == 0) and vlo is not None and vpe is not None:
        out.append(
            Problem(
                f"{where}.viable_perpendicular_mm", vpe, "0 exactly when viable_longest_mm is 0"
            )
        )
    if les.is_node and les.short_axis_mm is not None and lo is not None and les.short_axis_mm > lo:
        out.append(Problem(f"{where}.short_axis_mm", les.short_axis_mm, f"<= longest_mm ({lo:g})"))
    return out


def baseline_target_problems(pid: str, a: Assessment) -> list[Problem]:
    """RECIST 1.1 target selection at baseline: measurable, <= 5 in total, <= 2 per organ."""
    out: list[Problem] = []
    where = _a_name(pid, 0, a)
    targets = [les for les in a.lesions if les.target]
    if not targets:
        out.append(
            Problem(
                f"{where}.lesions",
                [les.id for les in a.lesions],
                "at least one lesion with target: true at baseline",
            )
        )
    if len(targets) > 5:
        out.append(
            Problem(
                f"{where}.lesions",
                [t.id for t in targets],
                "at most 5 target lesions (RECIST 1.1)",
            )
        )
    per_organ: dict[str, list[str]] = {}
    for t in targets:
        per_organ.setdefault(t.organ, []).append(t.id)
    for organ, ids in per_organ.items():
        if len(ids) > 2:
            out.append(
                Problem(
                    f"{where}.lesions({organ})",
                    ids,
                    "at most 2 target lesions per organ (RECIST 1.1; lymph nodes count as one "
                    "organ); measure the others with target: false",
                )
            )
    for t in targets:
        f = f"{where}.lesions[{t.id}]"
        if t.is_node:
            if t.short_axis_mm is not None and t.short_axis_mm < 15:
                out.append(
                    Problem(
                        f"{f}.short_axis_mm",
                        t.short_axis_mm,
                        ">= 15 mm for a target lymph node (RECIST 1.1)",
                    )
                )
        elif t.longest_mm is not None and t.longest_mm < 10:
            out.append(
                Problem(
                    f"{f}.longest_mm", t.longest_mm, ">= 10 mm for a target lesion (RECIST 1.1)"
                )
            )
    return out
