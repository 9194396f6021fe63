"""TACTICS subgroup hazard ratios and post-progression survival, as far as the print allows.

The final paper [1]_ prints, in Fig. 3, the OS hazard ratio with its 95 % CI and the number of
patients for 24 subgroup levels, but no events, medians or curves per subgroup: the HRs
cannot be recomputed from data (the OS pseudo-data carry no baseline factors). What the
printed numbers do allow is checked (numbers in ``tactics_subgroups.yaml``, each with where
it is read):

* each HR against its CI: a Wald CI is symmetric on the log scale, so HR = √(lower × upper),
  recomputed over the CI limits' rounding (±0.0005);
* each factor's levels adding up to the 156 randomised patients;
* each level's patients against Table 1, where Table 1 prints the same level per arm;
* the two TACE-specific PFS HRs the Results text prints by up-to-seven status (the PFS forest
  plot, Fig. 6, prints no HRs in the paper's text);
* the p-values of the exploratory times to MVI, to EHS and to stage progression (Results,
  Fig. 7) against the Wald p of their printed HR and CI;
* the median post-progression survival of each arm (Discussion), by the definition of the
  reference the paper cites for it (Terashima et al. 2016 [2]_): median OS − median PFS, here
  the paper's updated TACE-specific PFS, from the registry's printed medians.

References
----------
.. [1] Kudo M, Ueshima K, Ikeda M, et al. Final results of TACTICS. Liver Cancer
   2022;11(4):354-367. doi:10.1159/000522547
.. [2] Terashima T, Yamashita T, Takata N, et al. Post-progression survival and
   progression-free survival in patients with advanced hepatocellular carcinoma treated by
   sorafenib. Hepatol Res 2016;46(7):650-656.
"""

from __future__ import annotations

import itertools
import math
from functools import cache
from typing import Literal

from pydantic import ConfigDict, Field, model_validator

from tacepath.domain.datafile import read_yaml_model
from tacepath.domain.values import FrozenModel as _Frozen
from tacepath.evidence.model import Source, Trial
from tacepath.literature.reproduce._consistency import P_TOLERANCE, wald_p, wald_p_range
from tacepath.literature.reproduce._printed import DATA_DIR
from tacepath.literature.reproduce._rows import (
    Printed,
    ReproductionRow,
    Tolerance,
    compared,
    half_unit,
)

__all__ = [
    "SECTION_EXPLORATORY",
    "SECTION_PPS",
    "SECTION_SUBGROUPS",
    "TacticsSubgroups",
    "hr_from_ci_range",
    "median_pps",
    "pps_rows",
    "subgroup_rows",
    "tactics_subgroups",
]

SECTION_SUBGROUPS = "Subgroup hazard ratios (Fig. 3, OS; Results, TACE-specific PFS)"
SECTION_PPS = "Post-progression survival (Discussion)"
SECTION_EXPLORATORY = "Exploratory times to MVI, EHS and stage progression (Results, Fig. 7)"

#: Counts must add up exactly.
EXACT = Tolerance(close=0.0, scale="absolute")
#: An HR outside its CI's rounding by at most 1 % relative is "close" (a slip of the last
#: printed digit); beyond that the HR and its CI disagree.
HR_CI_TOLERANCE = Tolerance(close=0.01, scale="relative")
#: Months: a difference of two medians printed to 0.1 carries ±0.1 of rounding.
PPS_TOLERANCE = Tolerance(close=0.1, scale="absolute")


class Level(_Frozen):
    level: str
    n: int = Field(ge=0)
    hr: float = Field(gt=0)
    ci: tuple[float, float]
    table1: tuple[int, int] | None = None
    note: str | None = Field(None, max_length=400)

    @model_validator(mode="after")
    def _inside(self) -> Level:
        if not 0 < self.ci[0] < self.hr < self.ci[1]:
            raise ValueError(f"{self.level}: HR {self.hr} outside its CI {self.ci}")
        return self


class Factor(_Frozen):
    factor: str
    levels: tuple[Level, ...] = Field(min_length=2)
    unshown: int = Field(0, ge=0)


class Figure(_Frozen):
    source: str
    where: str
    reading: str


class PfsLevel(_Frozen):
    level: str
    hr: float = Field(gt=0)
    ci: tuple[float, float]


class PfsUpToSeven(_Frozen):
    where: str
    levels: tuple[PfsLevel, ...]


class ExploratoryEndpoint(_Frozen):
    name: str
    medians: tuple[float, float]
    hr: float = Field(gt=0)
    ci: tuple[float, float]
    p: float = Field(gt=0, lt=1)
    note: str | None = Field(None, max_length=400)


class Exploratory(_Frozen):
    where: str
    endpoints: tuple[ExploratoryEndpoint, ...]


class Pps(_Frozen):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    where: str
    definition_source: str
    sorafenib_arm: float = Field(alias="tace-sorafenib")
    alone_arm: float = Field(alias="tace-alone")


class TacticsSubgroups(_Frozen):
    """``tactics_subgroups.yaml``: Fig. 3 of the TACTICS final paper and related prints."""

    trial: Literal["TACTICS"]
    sources: tuple[Source, ...]
    total: int
    figure: Figure
    factors: tuple[Factor, ...]
    pfs_up_to_seven: PfsUpToSeven
    pps: Pps
    exploratory: Exploratory

    @model_validator(mode="after")
    def _source_listed(self) -> TacticsSubgroups:
        if self.figure.source not in {s.id for s in self.sources}:
            raise ValueError(f"figure.source {self.figure.source!r} is not listed")
        return self

    def citation(self) -> str:
        return next(s for s in self.sources if s.id == self.figure.source).text()


@cache
def tactics_subgroups() -> TacticsSubgroups:
    """The packaged ``tactics_subgroups.yaml``, validated (read once)."""
    return read_yaml_model(DATA_DIR / "tactics_subgroups.yaml", TacticsSubgroups)


def hr_from_ci_range(
    lower: float, upper: float, *, decimals: int = 3
) -> tuple[float, tuple[float, float]]:
    """√(lower × upper) and its range with both limits anywhere in their printed rounding."""
    h = half_unit(decimals)
    corners = [
        math.sqrt(a * b)
        for a, b in itertools.product((lower - h, lower + h), (upper - h, upper + h))
        if a > 0
    ]
    return math.sqrt(lower * upper), (min(corners), max(corners))


def median_pps(median_os: float, median_pfs: float) -> float:
    """Median post-progression survival as Terashima et al. define it: mOS − mPFS [2]_."""
    return median_os - median_pfs


def _hr_row(
    cite: str,
    where: str,
    quantity: str,
    hr: float,
    ci: tuple[float, float],
    note: str | None = None,
) -> ReproductionRow:
    value, span = hr_from_ci_range(*ci)
    return compared(
        section=SECTION_SUBGROUPS,
        quantity=quantity,
        printed=Printed(value=hr, decimals=3, source=cite, where=where),
        reproduced=value,
        reproduced_range=span,
        tolerance=HR_CI_TOLERANCE,
        why=(
            f"From the printed CI only: HR = √({ci[0]:.3f} × {ci[1]:.3f}) (a Wald CI is symmetric "
            "on the log scale). The HR itself cannot be recomputed from data: the paper prints "
            "no events, medians or curves per subgroup." + (f" {note}" if note else "")
        ),
    )


def _count_rows(data: TacticsSubgroups, f: Factor) -> list[ReproductionRow]:
    cite, where = data.citation(), data.figure.where
    total = sum(lv.n for lv in f.levels) + f.unshown
    parts = " + ".join(str(lv.n) for lv in f.levels)
    extra = f" + {f.unshown} (levels Table 1 prints but Fig. 3 does not show)" if f.unshown else ""
    rows = [
        compared(
            section=SECTION_SUBGROUPS,
            quantity=f"Patients over the levels of {f.factor}",
            printed=Printed(value=data.total, decimals=0, source=cite, where=where),
            reproduced=float(total),
            tolerance=EXACT,
            why=f"{parts}{extra} = {total}; 156 patients were randomised.",
        )
    ]
    for lv in f.levels:
        if lv.table1 is None:
            continue
        a, b = lv.table1
        rows.append(
            compared(
                section=SECTION_SUBGROUPS,
                quantity=f"Patients, {f.factor} {lv.level}: Fig. 3 against Table 1",
                printed=Printed(value=lv.n, decimals=0, source=cite, where=where),
                reproduced=float(a + b),
                tolerance=EXACT,
                why=(
                    f"Table 1 (seed lines 275-330): {a} (TACE + sorafenib) + {b} (TACE alone) = "
                    f"{a + b}."
                    + (
                        ""
                        if a + b == lv.n
                        else " The paper's two prints disagree; which is right cannot be told "
                        "from the paper."
                    )
                ),
            )
        )
    return rows


def subgroup_rows() -> tuple[ReproductionRow, ...]:
    """Every subgroup row: HRs against their CIs, then the patient counts."""
    data = tactics_subgroups()
    cite, where = data.citation(), data.figure.where
    rows = [
        _hr_row(cite, where, f"OS HR, {f.factor} {lv.level}", lv.hr, lv.ci, lv.note)
        for f in data.factors
        for lv in f.levels
    ]
    pfs = data.pfs_up_to_seven
    rows += [
        _hr_row(cite, pfs.where, f"TACE-specific PFS HR, up to 7 {lv.level}", lv.hr, lv.ci)
        for lv in pfs.levels
    ]
    for f in data.factors:
        rows += _count_rows(data, f)
    rows += [
        _exploratory_p_row(cite, data.exploratory.where, e) for e in data.exploratory.endpoints
    ]
    return tuple(rows)


def _exploratory_p_row(cite: str, where: str, e: ExploratoryEndpoint) -> ReproductionRow:
    value = wald_p(e.hr, *e.ci)
    span = wald_p_range(e.hr, *e.ci, decimals=2)
    return compared(
        section=SECTION_EXPLORATORY,
        quantity=f"{e.name} (patients with MVI or EHS): p against the Wald p of its HR and CI",
        printed=Printed(value=e.p, decimals=3, source=cite, where=where),
        reproduced=value,
        reproduced_range=span,
        tolerance=P_TOLERANCE,
        why=(
            f"Wald test from HR {e.hr:.2f} ({e.ci[0]:.2f}–{e.ci[1]:.2f}): two-sided p = "
            f"{value:#.3g}, {span[0]:#.3g} to {span[1]:#.3g} over the printed rounding. The "
            "paper's test is not named; with few events a log-rank p can differ from the Wald p."
            + (f" {e.note}" if e.note else "")
        ),
    )


def pps_rows(trial: Trial) -> tuple[ReproductionRow, ...]:
    """Median PPS per arm: the printed value against mOS − updated median TACE-specific PFS."""
    data = tactics_subgroups()
    os_ = next(r for r in trial.results if r.endpoint == "os")
    pfs = next(r for r in trial.results if r.endpoint == "tace_pfs" and "updated" in r.analysis)
    printed_pps = {"tace-sorafenib": data.pps.sorafenib_arm, "tace-alone": data.pps.alone_arm}
    rows = []
    for arm_id, value in printed_pps.items():
        m_os, m_pfs = os_.medians[arm_id], pfs.medians[arm_id]
        got = median_pps(m_os.value, m_pfs.value)
        h = half_unit(1)
        rows.append(
            compared(
                section=SECTION_PPS,
                quantity=f"Median post-progression survival, {trial.arm(arm_id).label}",
                printed=Printed(
                    value=value,
                    decimals=1,
                    source=data.citation(),
                    unit="months",
                    where=data.pps.where,
                ),
                reproduced=got,
                reproduced_range=(got - 2 * h, got + 2 * h),
                tolerance=PPS_TOLERANCE,
                why=(
                    f"Median OS {m_os.value:.1f} − median TACE-specific PFS (updated analysis) "
                    f"{m_pfs.value:.1f} = {got:.1f} months: the definition of the reference the "
                    f"paper cites for PPS ({data.pps.definition_source}). A difference of "
                    "medians, not the median of per-patient times from progression to death."
                ),
            )
        )
    return tuple(rows)
