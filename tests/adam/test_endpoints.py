"""ADTTE derivation agrees with a hand-built ADTTE; each censoring rule on its own."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from tacepath.adam.endpoints import ADTTE_COLUMNS, EndpointOptions, adtte_rows, derive_adtte
from tacepath.cli import app
from tacepath.domain.timeline import parse_timelines_jsonl
from tacepath.errors import InputError
from tests.response.builders import day, les, timeline

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "timelines"
runner = CliRunner()

# Hand-built from the example timelines (dates read off the files; AVAL = ADT - STARTDT + 1).
#  USUBJID, PARAMCD, ADT, CNSR
HAND = """
P001 OS 2026-09-01 1 | P001 PFSR11 2026-05-01 0 | P001 PFSMREC 2026-05-01 0
P001 TACEPFS 2026-05-01 1 | P001 TTP 2026-05-01 0 | P001 TTFJSH 2026-05-01 1
P002 OS 2026-12-01 1 | P002 PFSR11 2026-09-14 1 | P002 PFSMREC 2026-09-14 1
P002 TACEPFS 2026-09-14 1 | P002 TTP 2026-09-14 1 | P002 TTFJSH 2026-09-14 1
P003 OS 2026-11-20 1 | P003 PFSR11 2026-05-04 0 | P003 PFSMREC 2026-05-04 0
P003 TACEPFS 2026-06-29 0 | P003 TTP 2026-05-04 0 | P003 TTFJSH 2026-06-29 2
P004 OS 2026-06-15 1 | P004 PFSR11 2026-03-02 1 | P004 PFSMREC 2026-03-02 1
P004 TACEPFS 2026-02-02 0 | P004 TTP 2026-03-02 1 | P004 TTFJSH 2026-03-02 1
P005 OS 2026-10-01 1 | P005 PFSR11 2026-04-27 0 | P005 PFSMREC 2026-04-27 0
P005 TACEPFS 2026-04-27 0 | P005 TTP 2026-04-27 0 | P005 TTFJSH 2026-04-27 0
P006 OS 2026-12-10 1 | P006 PFSR11 2026-04-27 0 | P006 PFSMREC 2026-04-27 0
P006 TACEPFS 2026-06-22 0 | P006 TTP 2026-04-27 0 | P006 TTFJSH 2026-04-27 0
P007 OS 2026-09-30 1 | P007 PFSR11 2026-06-08 1 | P007 PFSMREC 2026-06-08 1
P007 TACEPFS 2026-04-13 0 | P007 TTP 2026-06-08 1 | P007 TTFJSH 2026-04-13 0
P008 OS 2026-06-10 0 | P008 PFSR11 2026-06-10 0 | P008 PFSMREC 2026-06-10 0
P008 TACEPFS 2026-06-10 0 | P008 TTP 2026-04-27 6 | P008 TTFJSH 2026-04-27 6
P009 OS 2026-05-15 1 | P009 PFSR11 2026-03-02 4 | P009 PFSMREC 2026-03-02 4
P009 TACEPFS 2026-03-02 4 | P009 TTP 2026-03-02 4 | P009 TTFJSH 2026-03-02 4
P010 OS 2026-05-04 1 | P010 PFSR11 2026-03-02 0 | P010 PFSMREC 2026-03-02 0
P010 TACEPFS 2026-05-04 1 | P010 TTP 2026-03-02 0 | P010 TTFJSH 2026-05-04 1
"""
STARTS = {"P002": "2026-02-02", "P003": "2026-01-12"}


def _hand() -> pd.DataFrame:
    rows = []
    for cell in HAND.replace("\n", "|").split("|"):
        if not cell.strip():
            continue
        uid, code, adt, cnsr = cell.split()
        start = dt.date.fromisoformat(STARTS.get(uid, "2026-01-05"))
        aval = (dt.date.fromisoformat(adt) - start).days + 1
        rows.append((uid, code, pd.Timestamp(adt), aval, int(cnsr)))
    return pd.DataFrame(rows, columns=["USUBJID", "PARAMCD", "ADT", "AVAL", "CNSR"])


def test_examples_agree_with_hand_built_adtte() -> None:
    tls = parse_timelines_jsonl((EXAMPLES / "cohort.jsonl").read_text())
    df = derive_adtte(tls)
    assert tuple(df.columns) == ADTTE_COLUMNS
    got = df[["USUBJID", "PARAMCD", "ADT", "AVAL", "CNSR"]].reset_index(drop=True)
    pd.testing.assert_frame_equal(got, _hand(), check_dtype=False)
    assert set(df["AVALU"]) == {"DAYS"}
    events = df[df["CNSR"] == 0]
    assert (events["EVNTDESC"] != "").all()
    assert (df.loc[df["CNSR"] > 0, "CNSDTDSC"] != "").all()
    assert df.loc[(df.USUBJID == "P008") & (df.PARAMCD == "TACEPFS"), "EVNTDESC"].item() == "DEATH"


def _rows(tl: object, **kw: object) -> dict[str, tuple[str, int]]:
    return {r.PARAMCD: (r.ADT.isoformat(), r.CNSR) for r in adtte_rows(tl, EndpointOptions(**kw))}  # type: ignore[arg-type]


PROGRESS_LATE = [[les("A", 40, 30, 40, 30)], [les("A", 40, 30, 30, 20)]]


def test_two_missed_assessments_censor_the_event() -> None:
    from tests.response.builders import visit

    tl = timeline(
        [
            visit(day(0), [les("A", 40, 30, 40, 30)]),
            visit(day(56), [les("A", 40, 30, 30, 20)]),
            visit(day(56 * 4), [les("A", 60, 45, 55, 40)]),  # two visits missed, then PD
        ],
        tace=[day(14)],
    )
    assert _rows(tl)["PFSR11"] == (day(224), 0)
    assert _rows(tl, assessment_interval_days=56)["PFSR11"] == (day(56), 3)
    tl_one_missed = timeline(
        [
            visit(day(0), [les("A", 40, 30, 40, 30)]),
            visit(day(56), [les("A", 40, 30, 30, 20)]),
            visit(day(56 * 3), [les("A", 60, 45, 55, 40)]),
        ],
        tace=[day(14)],
    )
    assert _rows(tl_one_missed, assessment_interval_days=56)["PFSR11"] == (day(168), 0)


def test_new_anticancer_therapy_censors() -> None:
    tl = timeline(
        [*PROGRESS_LATE, [les("A", 60, 45, 55, 40)]],
        tace=[day(14)],
        events=[{"date": day(80), "type": "new_systemic_therapy"}],
    )
    assert _rows(tl)["PFSMREC"] == (day(56), 2)
    assert _rows(tl, censor_new_therapy=False)["PFSMREC"] == (day(112), 0)
    assert _rows(tl)["OS"][1] == 1  # OS is not censored for new therapy


def test_no_post_baseline_assessment() -> None:
    tl = timeline([[les("A", 40, 30, 40, 30)]], last=day(30))
    r = {x.PARAMCD: x for x in adtte_rows(tl)}
    assert (r["PFSR11"].ADT.isoformat(), r["PFSR11"].CNSR, r["PFSR11"].AVAL) == ("2026-01-05", 5, 1)
    assert r["OS"].ADT.isoformat() == day(30)


def test_death_before_first_assessment_is_an_event() -> None:
    tl = timeline([[les("A", 40, 30, 40, 30)]], death=day(40), last=day(35))
    r = _rows(tl)
    assert r["PFSR11"] == (day(40), 0)
    assert r["TACEPFS"] == (day(40), 0)
    assert r["TTP"] == ("2026-01-05", 5)


def test_aval_conventions() -> None:
    tl = timeline([[les("A", 40, 30, 40, 30)]], death=day(40))
    plus = {r.PARAMCD: r.AVAL for r in adtte_rows(tl)}
    diff = {
        r.PARAMCD: r.AVAL for r in adtte_rows(tl, EndpointOptions(aval_convention="difference"))
    }
    assert plus["OS"] == diff["OS"] + 1 == 38


def test_bad_options() -> None:
    with pytest.raises(InputError):
        EndpointOptions(missed_assessments=0)
    with pytest.raises(InputError):
        EndpointOptions(assessment_interval_days=0)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_cli_endpoints(tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"adtte{suffix}"
    res = runner.invoke(app, ["endpoints", str(EXAMPLES / "cohort.jsonl"), "--out", str(out)])
    assert res.exit_code == 0, res.output
    df = pd.read_csv(out) if suffix == ".csv" else pd.read_parquet(out)
    assert list(df.columns) == list(ADTTE_COLUMNS)
    assert len(df) == 60


def test_cli_endpoints_errors(tmp_path: Path) -> None:
    res = runner.invoke(
        app, ["endpoints", str(EXAMPLES / "cohort.jsonl"), "--out", str(tmp_path / "x.xlsx")]
    )
    assert res.exit_code == 2
    assert "--out" in res.stderr
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "Q1"}\nnot json\n')
    res = runner.invoke(app, ["endpoints", str(bad), "--out", str(tmp_path / "a.csv")])
    assert res.exit_code == 2
    assert "line 2" in res.stderr
    assert "Traceback" not in res.output
