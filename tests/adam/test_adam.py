"""ADaM data sets: CSV/Parquet/XPT round trips and the checks on load (subject and column)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tacepath.adam.cohort import tactics_like_cohort
from tacepath.adam.model import (
    SYNTHETIC_LABEL,
    AnalysisData,
    check_analysis_data,
)
from tacepath.errors import InputError
from tacepath.interop.adam_io import read_dataset, write_dataset


@pytest.fixture(scope="module")
def cohort():  # type: ignore[no-untyped-def]
    return tactics_like_cohort(seed=3)


@pytest.mark.parametrize("fmt", ["csv", "parquet", "xpt"])
def test_every_format_reads_back_the_same_table(cohort, tmp_path: Path, fmt: str) -> None:  # type: ignore[no-untyped-def]
    for name, frame, kind in (
        ("adsl", cohort.adsl, "ADSL"),
        ("adtte", cohort.adtte, "ADTTE"),
        ("adae", cohort.adae, "ADAE"),
    ):
        path = write_dataset(frame, tmp_path / f"{name}.{fmt}", name=kind, label=SYNTHETIC_LABEL)
        back, src = read_dataset(path, kind=kind)  # type: ignore[arg-type]
        assert src.rows == len(frame)
        assert len(src.sha256) == 64
        assert list(back.columns) == list(frame.columns)
        for col in frame.columns:
            want = frame[col]
            got = back[col]
            if pd.api.types.is_datetime64_any_dtype(want):
                assert (got.dt.date == want.dt.date).all(), col
            elif pd.api.types.is_numeric_dtype(want):
                assert (pd.to_numeric(got) == want).all(), col
            else:
                w = want.fillna("").astype(str).str.strip()
                assert (got.fillna("").astype(str).str.strip() == w).all(), col
        if fmt == "xpt":
            assert src.label == SYNTHETIC_LABEL


def test_xpt_refuses_long_names(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="8 characters"):
        write_dataset(pd.DataFrame({"PRIORTACE": [1]}), tmp_path / "x.xpt", name="ADSL")


def _problems(data: AnalysisData, **kw: object) -> str:
    with pytest.raises(InputError) as err:
        check_analysis_data(data, **kw)  # type: ignore[arg-type]
    return str(err.value)


def test_unknown_subject_is_named(cohort) -> None:  # type: ignore[no-untyped-def]
    adtte = cohort.adtte.copy()
    adtte.loc[3, "USUBJID"] = "NOBODY"
    msg = _problems(AnalysisData(adsl=cohort.adsl, adtte=adtte))
    assert "ADTTE.USUBJID" in msg
    assert "NOBODY" in msg
    assert "listed in ADSL" in msg


def test_duplicated_parameter_is_named(cohort) -> None:  # type: ignore[no-untyped-def]
    adtte = pd.concat([cohort.adtte, cohort.adtte.iloc[[5]]], ignore_index=True)
    sid, code = cohort.adtte.iloc[5][["USUBJID", "PARAMCD"]]
    msg = _problems(AnalysisData(adsl=cohort.adsl, adtte=adtte))
    assert f"ADTTE.PARAMCD (USUBJID {sid!r}, PARAMCD {code!r})" in msg
    assert "appears twice" in msg


@pytest.mark.parametrize("bad", [-1, 0.5, "Y", None])
def test_censoring_flag_must_be_0_or_a_positive_integer(cohort, bad: object) -> None:  # type: ignore[no-untyped-def]
    adtte = cohort.adtte.copy()
    adtte["CNSR"] = adtte["CNSR"].astype(object)
    adtte.loc[7, "CNSR"] = bad
    sid = adtte.loc[7, "USUBJID"]
    msg = _problems(AnalysisData(adsl=cohort.adsl, adtte=adtte))
    assert f"ADTTE.CNSR (USUBJID {sid!r}" in msg
    assert "0 (event) or a positive integer" in msg


def test_censoring_codes_above_one_are_accepted(cohort) -> None:  # type: ignore[no-untyped-def]
    adtte = cohort.adtte.copy()
    adtte.loc[adtte["CNSR"] == 1, "CNSR"] = 4
    check_analysis_data(AnalysisData(adsl=cohort.adsl, adtte=adtte), cutoff="2020-07-31")


def test_event_after_the_cutoff_is_named(cohort) -> None:  # type: ignore[no-untyped-def]
    adtte = cohort.adtte.copy()
    i = int(adtte.index[adtte["CNSR"] == 0][0])
    sid, code = adtte.loc[i, ["USUBJID", "PARAMCD"]]
    msg = _problems(AnalysisData(adsl=cohort.adsl, adtte=adtte), cutoff="2011-06-30")
    assert f"ADTTE.ADT (USUBJID {sid!r}, PARAMCD {code!r})" in msg
    assert "an event after the cut-off" in msg
    assert "2011-06-30" in msg


def test_adsl_duplicates_and_missing_columns(cohort) -> None:  # type: ignore[no-untyped-def]
    adsl = pd.concat([cohort.adsl, cohort.adsl.iloc[[0]]], ignore_index=True)
    msg = _problems(AnalysisData(adsl=adsl, adtte=cohort.adtte), adsl_required=["NOPE"])
    assert "ADSL.USUBJID (USUBJID 'SYN-001')" in msg
    assert "appears twice" in msg
    assert "ADSL.NOPE" in msg


def test_adae_grade_and_subject(cohort) -> None:  # type: ignore[no-untyped-def]
    adae = cohort.adae.copy()
    adae.loc[0, "ATOXGRN"] = 7
    adae.loc[1, "USUBJID"] = "GHOST"
    msg = _problems(AnalysisData(adsl=cohort.adsl, adtte=cohort.adtte, adae=adae), grade="ATOXGRN")
    assert "ADAE.ATOXGRN" in msg
    assert "grade 1-5" in msg
    assert "GHOST" in msg


def test_bad_file_and_date(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"csv, \.parquet or \.xpt"):
        read_dataset(tmp_path / "x.sas7bdat", kind="ADSL")
    with pytest.raises(InputError, match="existing ADSL"):
        read_dataset(tmp_path / "none.csv", kind="ADSL")
    p = tmp_path / "adtte.csv"
    p.write_text("USUBJID,PARAMCD,ADT\nA,OS,2020-13-45\n")
    with pytest.raises(InputError, match=r"ADTTE.ADT \(USUBJID 'A', PARAMCD 'OS'\)"):
        read_dataset(p, kind="ADTTE")
