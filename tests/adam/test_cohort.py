"""The synthetic TACTICS-like cohort: the paper's counts, labels, reproducibility."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tacepath.adam.cohort import DAYS_PER_MONTH, tactics_like_cohort
from tacepath.adam.model import SYNTHETIC_LABEL
from tacepath.errors import InputError
from tacepath.interop.adam_io import read_dataset, write_cohort
from tacepath.survival import kaplan_meier

EXP, REF = "TACE plus sorafenib", "TACE alone"


@pytest.fixture(scope="module")
def cohort():  # type: ignore[no-untyped-def]
    return tactics_like_cohort()


def test_arms_populations_and_table1_counts(cohort) -> None:  # type: ignore[no-untyped-def]
    adsl = cohort.adsl
    assert adsl.groupby("TRT01P").size().to_dict() == {EXP: 80, REF: 76}  # Fig. 1
    assert adsl[adsl["SAFFL"] == "Y"].groupby("TRT01A").size().to_dict() == {EXP: 77, REF: 71}
    table1 = {  # Kudo 2022, Table 1: (TACE plus sorafenib, TACE alone)
        ("MILANGR", "WITHIN"): (28, 35),
        ("PTACEGR", "0"): (45, 48),
        ("UPTO7GR", "WITHIN"): (54, 50),
        ("BCLC", "C"): (9, 9),
        ("ETIOL", "HBV"): (10, 2),
        ("CPSCORE", "7"): (1, 5),
        ("SEX", "M"): (63, 55),
    }
    for (var, level), (e, r) in table1.items():
        counts = adsl[adsl[var] == level].groupby("TRT01P").size()
        assert (counts.get(EXP, 0), counts.get(REF, 0)) == (e, r), var
    assert (adsl["AGEGR1"] == "<65").sum() == 27
    post = adsl[adsl["POSTTRFL"] == "Y"].groupby("TRT01P").size().to_dict()
    assert post == {EXP: 47, REF: 58}  # Table 2
    # Logical links kept: within Milan => within up-to-7; BCLC C <=> ECOG 1.
    assert (adsl.loc[adsl["MILANGR"] == "WITHIN", "UPTO7GR"] == "WITHIN").all()
    assert ((adsl["BCLC"] == "C") == (adsl["ECOG"] == "1")).all()


def test_adverse_events_reproduce_table3(cohort) -> None:  # type: ignore[no-untyped-def]
    ae = cohort.adae.merge(cohort.adsl[["USUBJID", "TRT01A", "SAFFL"]], on="USUBJID")
    assert (ae["SAFFL"] == "Y").all()
    ast = ae[ae["AEDECOD"] == "Elevated AST"].groupby("TRT01A")
    assert ast.size().to_dict() == {EXP: 72, REF: 65}
    g3 = ae[(ae["AEDECOD"] == "Elevated AST") & (ae["ATOXGRN"] >= 3)].groupby("TRT01A").size()
    assert g3.to_dict() == {EXP: 22, REF: 15}  # 17 + 5 and 14 + 1
    hfsr = ae[ae["AEDECOD"] == "Hand-foot skin reaction"].groupby("TRT01A").size().to_dict()
    assert hfsr == {EXP: 51}


def test_times_follow_the_papers_medians_and_pfs_never_exceeds_os(cohort) -> None:  # type: ignore[no-untyped-def]
    t = cohort.adtte.pivot(index="USUBJID", columns="PARAMCD", values="AVAL")
    assert (t["TACEPFS"] <= t["OS"]).all()
    assert (cohort.adtte["ADT"] <= pd.Timestamp("2020-07-31")).all()
    # Over many seeds the KM medians centre on the paper's: OS 36.2 vs 30.8, PFS 22.8 vs 13.5.
    medians: dict[tuple[str, str], list[float]] = {}
    for seed in range(12):
        c = tactics_like_cohort(seed=seed)
        d = c.adtte.merge(c.adsl[["USUBJID", "TRT01P"]], on="USUBJID")
        d["t"] = d["AVAL"] / DAYS_PER_MONTH
        d["e"] = (d["CNSR"] == 0).astype(int)
        for code in ("OS", "TACEPFS"):
            km = kaplan_meier(d[d["PARAMCD"] == code], time="t", event="e", group="TRT01P")
            for arm in (EXP, REF):
                medians.setdefault((code, arm), []).append(km[arm].median)
    want = {("OS", EXP): 36.2, ("OS", REF): 30.8, ("TACEPFS", EXP): 22.8, ("TACEPFS", REF): 13.5}
    for key, m in want.items():
        assert float(np.median(medians[key])) == pytest.approx(m, rel=0.15), key


def test_reproducible_and_labelled(tmp_path: Path) -> None:
    a, b = tactics_like_cohort(seed=5), tactics_like_cohort(seed=5)
    pd.testing.assert_frame_equal(a.adtte, b.adtte)
    assert not a.adsl.equals(tactics_like_cohort(seed=6).adsl)
    for frame in (a.adsl, a.adtte, a.adae):
        assert (frame["DATASRC"] == SYNTHETIC_LABEL).all()
    paths = write_cohort(a, tmp_path, fmt="xpt")
    assert read_dataset(paths[0], kind="ADSL")[1].label == SYNTHETIC_LABEL
    readme = (tmp_path / "README.txt").read_text()
    assert readme.startswith("SYNTHETIC — NOT TRIAL DATA")
    assert "doi:10.1159/000522547" in readme
    assert all(math.isfinite(x) for x in a.adtte["AVAL"])
    with pytest.raises(InputError):
        tactics_like_cohort(seed=-1)
