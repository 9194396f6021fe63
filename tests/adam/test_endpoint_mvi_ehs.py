"""TTMVIEHS: TACTICS' exploratory time to macrovascular invasion or extrahepatic spread
(diameter >= 10 mm; Kudo M, et al. Liver Cancer 2022;11(4):354-367, Methods), opt-in."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from tacepath.adam.endpoints import EHS_MIN_MM, EndpointOptions, adtte_rows
from tacepath.cli import app
from tests.response.builders import day, les, timeline

BASE = [[les("A", 40, 30, 40, 30)], [les("A", 40, 30, 30, 20)], [les("A", 40, 30, 30, 20)]]
ON = EndpointOptions(tactics_exploratory=True)


def _row(**kw: object) -> tuple[str, int, str]:
    tl = timeline(BASE, tace=[day(14)], **kw)  # type: ignore[arg-type]
    r = {x.PARAMCD: x for x in adtte_rows(tl, ON)}["TTMVIEHS"]
    return r.ADT.isoformat(), r.CNSR, r.EVNTDESC


def test_off_by_default_six_parameters() -> None:
    tl = timeline(BASE, tace=[day(14)])
    assert [r.PARAMCD for r in adtte_rows(tl)] == [
        "OS", "PFSR11", "PFSMREC", "TACEPFS", "TTP", "TTFJSH",
    ]  # fmt: skip
    assert [r.PARAMCD for r in adtte_rows(tl, ON)][-1] == "TTMVIEHS"


def test_macrovascular_invasion_is_an_event() -> None:
    ev = [{"date": day(50), "type": "macrovascular_invasion", "organ": "portal_vein"}]
    assert _row(events=ev) == (day(50), 0, "MACROVASCULAR INVASION")


def test_extrahepatic_spread_counts_from_10_mm() -> None:
    assert EHS_MIN_MM == 10.0
    below = [{"date": day(40), "type": "extrahepatic_spread", "organ": "lung", "size_mm": 9.9}]
    at = [{"date": day(90), "type": "extrahepatic_spread", "organ": "lung", "size_mm": 10}]
    assert _row(events=below, last=day(120))[1] == 1  # 9.9 mm: not an event
    assert _row(events=below + at) == (day(90), 0, "EXTRAHEPATIC SPREAD (10 MM)")


def test_death_censors_at_the_last_assessment() -> None:
    adt, cnsr, _ = _row(death=day(150))
    assert cnsr == 6
    assert adt == day(112)  # the third visit of the builder (every 56 days)


def test_cli_flag(tmp_path: Path) -> None:
    src = Path(__file__).resolve().parents[2] / "examples" / "timelines" / "cohort.jsonl"
    out = tmp_path / "adtte.csv"
    res = CliRunner().invoke(
        app, ["endpoints", str(src), "--out", str(out), "--tactics-exploratory"]
    )
    assert res.exit_code == 0, res.output
    df = pd.read_csv(out)
    assert (df["PARAMCD"] == "TTMVIEHS").sum() == df["USUBJID"].nunique()
    plain = tmp_path / "plain.csv"
    assert CliRunner().invoke(app, ["endpoints", str(src), "--out", str(plain)]).exit_code == 0
    assert "TTMVIEHS" not in set(pd.read_csv(plain)["PARAMCD"])
