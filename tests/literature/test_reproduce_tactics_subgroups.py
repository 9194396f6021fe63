"""TACTICS subgroup HRs (Fig. 3) and median post-progression survival (Discussion) in
`reproduce("tactics")`: checked as far as the printed numbers allow, verdicts exact."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from tacepath.literature.reproduce import Reproduction, reproduce
from tacepath.literature.reproduce._tactics_subgroups import (
    SECTION_EXPLORATORY,
    SECTION_PPS,
    SECTION_SUBGROUPS,
    Level,
    hr_from_ci_range,
    median_pps,
    tactics_subgroups,
)


@pytest.fixture(scope="module")
def rep() -> Reproduction:
    return reproduce("tactics")


def _rows(rep: Reproduction, section: str) -> dict[str, object]:
    return {r.quantity: r for r in rep.rows if r.section == section}


def test_data_file_reads_the_figure_as_printed() -> None:
    data = tactics_subgroups()
    levels = [lv for f in data.factors for lv in f.levels]
    assert len(data.factors) == 10
    assert len(levels) == 22
    # Performance status 1 is BCLC C in this trial (PS 1 without MVI or EHS, Table 1 note):
    # the figure prints the same 18 patients, HR and CI for both.
    ps1 = data.factors[2].levels[1]
    bclc_c = data.factors[5].levels[2]
    assert (
        (ps1.n, ps1.hr, ps1.ci) == (bclc_c.n, bclc_c.hr, bclc_c.ci) == (18, 0.918, (0.338, 2.493))
    )


def test_hr_against_ci_verdicts(rep: Reproduction) -> None:
    rows = _rows(rep, SECTION_SUBGROUPS)
    hr_rows = {q: r for q, r in rows.items() if " HR, " in q}
    assert len(hr_rows) == 24  # 22 OS levels + 2 TACE-specific PFS (up to 7)
    differs = {q for q, r in hr_rows.items() if r.verdict == "differs"}  # type: ignore[attr-defined]
    assert differs == {"OS HR, Up to 7 IN", "OS HR, Up to 7 OUT"}
    assert all(r.verdict == "reproduced" for q, r in hr_rows.items() if q not in differs)  # type: ignore[attr-defined]
    age = hr_rows["OS HR, Age <65"]
    assert age.reproduced == pytest.approx(math.sqrt(0.463 * 2.414))  # type: ignore[attr-defined]
    assert round(age.reproduced, 3) == 1.057  # type: ignore[attr-defined]
    # HBV: sqrt(0.006 x 0.808) = 0.0696 is outside 0.072 +- 0.0005; the CI's rounding
    # (lower limit up to 0.0065) reaches 0.0725, so it is reproduced by the range only.
    hbv = hr_rows["OS HR, Etiology HBV"]
    assert hbv.reproduced == pytest.approx(0.069627, abs=1e-6)  # type: ignore[attr-defined]
    assert hbv.reproduced_range[1] == pytest.approx(math.sqrt(0.0065 * 0.8085))  # type: ignore[attr-defined]
    swap = hr_rows["OS HR, Up to 7 IN"]
    assert "swapped" in swap.why  # type: ignore[attr-defined]
    assert swap.reproduced == pytest.approx(0.8983, abs=1e-4)  # type: ignore[attr-defined]
    pfs_out = hr_rows["TACE-specific PFS HR, up to 7 OUT"]
    assert pfs_out.paper == 0.674  # type: ignore[attr-defined]
    assert pfs_out.reproduced == pytest.approx(math.sqrt(0.379 * 1.198))  # type: ignore[attr-defined]


def test_counts_against_total_and_table_1(rep: Reproduction) -> None:
    rows = _rows(rep, SECTION_SUBGROUPS)
    totals = {q: r for q, r in rows.items() if q.startswith("Patients over the levels of ")}
    assert len(totals) == 10
    bad = {q: r.reproduced for q, r in totals.items() if r.verdict != "reproduced"}  # type: ignore[attr-defined]
    assert bad == {"Patients over the levels of Etiology": 157.0}  # 12 + 91 + 54
    assert totals["Patients over the levels of Child-Pugh score"].reproduced == 156.0  # type: ignore[attr-defined]
    t1 = {q: r for q, r in rows.items() if q.endswith("against Table 1")}
    assert len(t1) == 20  # every level but age (Table 1 prints its median)
    differ = {q.split(": ")[0]: r.reproduced for q, r in t1.items() if r.verdict == "differs"}  # type: ignore[attr-defined]
    assert differ == {
        "Patients, Etiology nonB nonC": 53.0,
        "Patients, BCLC A": 60.0,
        "Patients, BCLC B": 78.0,
        "Patients, Milan criteria IN": 63.0,
        "Patients, Milan criteria OUT": 93.0,
    }


def test_median_pps_by_the_cited_definition(rep: Reproduction) -> None:
    rows = _rows(rep, SECTION_PPS)
    sor = rows["Median post-progression survival, TACE + sorafenib"]
    alone = rows["Median post-progression survival, TACE alone"]
    assert (sor.paper, alone.paper) == (13.4, 17.3)  # type: ignore[attr-defined]
    assert sor.reproduced == pytest.approx(36.2 - 22.8)  # type: ignore[attr-defined]
    assert alone.reproduced == pytest.approx(30.8 - 13.5)  # type: ignore[attr-defined]
    assert sor.verdict == alone.verdict == "reproduced"  # type: ignore[attr-defined]
    assert median_pps(30.8, 13.5) == pytest.approx(17.3)


def test_summary_and_notes_mention_the_subgroups(rep: Reproduction) -> None:
    assert any("Fig. 6" in n for n in rep.notes)
    assert "Subgroup hazard ratios" in rep.summary()


def test_hr_outside_its_ci_is_refused() -> None:
    with pytest.raises(ValidationError, match="outside its CI"):
        Level(level="x", n=1, hr=2.0, ci=(0.5, 1.5))


@given(st.floats(0.01, 5.0), st.floats(1.01, 20.0))
def test_geometric_mean_inside_its_rounding_range(lower: float, ratio: float) -> None:
    upper = lower * ratio
    value, (lo, hi) = hr_from_ci_range(lower, upper)
    assert lower < value < upper
    assert lo <= value <= hi


def test_html_report_shows_the_rows_in_a_scrollable_region(rep: Reproduction) -> None:
    from tacepath.report.reproduce_report import reproduction_html

    text = reproduction_html(rep)
    assert (
        '<div class="scroll" role="region" aria-label="Table: paper vs reproduced '
        '(scrolls sideways)" tabindex="0">\n<table class="repro">'
    ) in text
    assert SECTION_SUBGROUPS in text
    assert SECTION_PPS in text
    assert "OS HR, Up to 7 IN" in text
    assert text.count('class="scroll"') == 3  # rows, number at risk, deaths split


def test_exploratory_p_values_against_their_hr_and_ci(rep: Reproduction) -> None:
    rows = _rows(rep, SECTION_EXPLORATORY)
    assert len(rows) == 3
    mvi = rows["Time to MVI (patients with MVI or EHS): p against the Wald p of its HR and CI"]
    # se = (ln 0.75 - ln 0.10) / (2 x 1.959964); z = ln 0.28 / se
    se = (math.log(0.75) - math.log(0.10)) / (2 * 1.959963984540054)
    want = math.erfc(abs(math.log(0.28) / se) / math.sqrt(2))
    assert mvi.reproduced == pytest.approx(want, rel=1e-9)  # type: ignore[attr-defined]
    assert round(mvi.reproduced, 4) == 0.0133  # type: ignore[attr-defined]
    # Printed 0.007: outside the Wald range over the rounding (0.0098-0.0176) by more than
    # 0.1 on the normal-deviate scale.
    assert {r.verdict for r in rows.values()} == {"differs"}  # type: ignore[attr-defined]
    tail = " (patients with MVI or EHS): p against the Wald p of its HR and CI"
    ehs = rows["Time to EHS" + tail]
    stage = rows["Time to stage progression" + tail]
    assert ehs.reproduced == stage.reproduced  # type: ignore[attr-defined]
    assert "print the same medians, HR" in stage.why  # type: ignore[attr-defined]
