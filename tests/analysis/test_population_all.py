"""A population without a flag column is every ADSL subject (all randomised)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tacepath.adam.model import AnalysisData
from tacepath.analysis import run_analysis
from tacepath.analysis.sap import Sap, parse_sap
from tacepath.errors import InputErrors
from tacepath.interop.adam_io import read_dataset
from tacepath.interop.sap_io import load_sap

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "fixtures" / "r" / "data"
R_OUT = json.loads((ROOT / "tests" / "fixtures" / "r" / "out" / "analysis.json").read_text())
SAP = ROOT / "examples" / "tactics-like" / "sap.yaml"


def _data() -> AnalysisData:
    adsl, s1 = read_dataset(DATA / "tactics_like_adsl.csv", kind="ADSL")
    adtte, s2 = read_dataset(DATA / "tactics_like_adtte.csv", kind="ADTTE")
    return AnalysisData(adsl=adsl, adtte=adtte, sources=(s1, s2))


def _plan() -> Sap:
    raw = load_sap(SAP)[0].model_dump(mode="json", exclude_none=True)
    raw["subgroups"] = None
    raw["safety"] = None
    raw["populations"] = {
        "ITT": {"label": "All randomised", "by": "planned"},
        "SAFETY": {"flag": "SAFFL", "label": "Safety", "by": "actual"},
    }
    return parse_sap({k: v for k, v in raw.items() if v is not None})


def test_no_flag_means_every_subject() -> None:
    data = _data()
    assert (data.adsl["ITTFL"] == "Y").all()  # so the R reference (ITTFL = Y) applies
    plan = _plan()
    assert "ITTFL" not in plan.adsl_columns()
    res: dict[str, Any] = run_analysis(plan, data).to_dict()
    assert res["populations"]["ITT"]["total"] == len(data.adsl)
    assert res["populations"]["SAFETY"]["total"] == int((data.adsl["SAFFL"] == "Y").sum())
    for code in ("TACEPFS", "OS"):
        got, want = res["endpoints"][code], R_OUT["endpoints"][code]
        assert got["logrank_chisq"] == pytest.approx(want["logrank_chisq"], rel=1e-6)
        assert got["hr"] == pytest.approx(want["hr"], rel=1e-6)


def test_a_subject_outside_the_two_arms_is_refused_by_name() -> None:
    data = _data()
    adsl = data.adsl.copy()
    adsl.loc[adsl.index[0], "TRT01P"] = "SCREEN FAILURE"
    with pytest.raises(InputErrors) as err:
        run_analysis(_plan(), AnalysisData(adsl=adsl, adtte=data.adtte, sources=data.sources))
    assert str(adsl.loc[adsl.index[0], "USUBJID"]) in str(err.value)
