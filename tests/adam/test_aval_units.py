"""ADTTE ``AVALU`` is read: AVAL in weeks, months or years is converted, never run as days.

The reference is the committed TACTICS-like cohort (SYNTHETIC), whose AVAL is in days; a copy
with AVAL divided by the days per unit and AVALU set to that unit must give the same analysis.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tacepath.adam.model import AVALU_DAYS, AnalysisData, adtte_problems
from tacepath.analysis import TrialAnalysis, run_analysis
from tacepath.errors import InputError
from tacepath.interop.adam_io import read_dataset
from tacepath.interop.sap_io import load_sap

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "fixtures" / "r" / "data"
SAP = ROOT / "examples" / "tactics-like" / "sap.yaml"


def _data(adtte: pd.DataFrame | None = None) -> AnalysisData:
    adsl, s1 = read_dataset(DATA / "tactics_like_adsl.csv", kind="ADSL")
    days, s2 = read_dataset(DATA / "tactics_like_adtte.csv", kind="ADTTE")
    return AnalysisData(adsl=adsl, adtte=days if adtte is None else adtte, sources=(s1, s2))


def _run(data: AnalysisData, **changes: object) -> TrialAnalysis:
    plan, digest = load_sap(SAP)
    if changes:
        plan = plan.model_copy(update=changes)
    return run_analysis(plan, data, sap_sha256=digest)


def _in_unit(unit: str) -> pd.DataFrame:
    adtte = _data().adtte.copy()
    adtte["AVAL"] = adtte["AVAL"] / AVALU_DAYS[unit]
    adtte["AVALU"] = unit
    return adtte


def _medians(res: TrialAnalysis) -> list[float | None]:
    return [a.median.estimate for e in res.endpoints for a in (e.experimental, e.reference)]


@pytest.mark.parametrize("unit", ["WEEKS", "MONTHS", "YEARS"])
def test_aval_in_another_unit_gives_the_same_analysis(unit: str) -> None:
    want = _run(_data())
    got = _run(_data(_in_unit(unit)), aval_unit=None)  # the example plan states days
    assert _medians(got) == pytest.approx(_medians(want), rel=1e-9)
    for e_got, e_want in zip(got.endpoints, want.endpoints, strict=True):
        assert e_got.hr.estimate == pytest.approx(e_want.hr.estimate, rel=1e-9)


def test_conventions_are_written_down() -> None:
    assert AVALU_DAYS == {"DAYS": 1.0, "WEEKS": 7.0, "MONTHS": 365.25 / 12, "YEARS": 365.25}


def test_unknown_unit_is_refused_with_the_row() -> None:
    adtte = _in_unit("MONTHS")
    adtte.loc[3, "AVALU"] = "FORTNIGHTS"
    with pytest.raises(InputError) as err:
        _run(_data(adtte))
    assert "ADTTE.AVALU" in str(err.value)
    assert "FORTNIGHTS" in str(err.value)
    assert str(adtte["USUBJID"].iloc[3]) in str(err.value)


def test_mixed_units_within_a_parameter_are_refused_naming_the_rows() -> None:
    adtte = _data().adtte.copy()
    adtte["AVAL"] = adtte["AVAL"].astype(float)
    adtte["AVALU"] = "DAYS"
    first = adtte.index[adtte["PARAMCD"] == "OS"][0]
    adtte.loc[first, "AVALU"] = "MONTHS"
    adtte.loc[first, "AVAL"] = adtte.loc[first, "AVAL"] / AVALU_DAYS["MONTHS"]
    problems = adtte_problems(adtte, _data().adsl)
    text = " ".join(f"{p.field} {p.value} {p.allowed}" for p in problems)
    assert "ADTTE.AVALU" in text
    assert str(adtte.loc[first, "USUBJID"]) in text
    assert "OS" in text


def test_a_plan_unit_that_contradicts_avalu_is_refused() -> None:
    with pytest.raises(InputError) as err:
        _run(_data(_in_unit("MONTHS")), aval_unit="days")
    assert "aval_unit" in str(err.value)
    assert "MONTHS" in str(err.value)


def test_without_avalu_the_plan_unit_is_used() -> None:
    want = _run(_data())
    adtte = _data().adtte.drop(columns=["AVALU"])
    adtte["AVAL"] = adtte["AVAL"] / 7.0
    got = _run(_data(adtte), aval_unit="weeks")
    assert _medians(got) == pytest.approx(_medians(want), rel=1e-9)
