"""`tacepath reconstruct`: the file contract, --json, --plot, pseudo-data, and errors that
exit 2 naming the file, column, row and value."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from tacepath.cli import app

runner = CliRunner()
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "reconstruct"
CURVE = EXAMPLES / "lung_male_curve.csv"
RISK = EXAMPLES / "lung_male_at_risk.csv"


def _run(*args: str | Path) -> tuple[int, str, str]:
    r = runner.invoke(app, [str(a) for a in args])
    return r.exit_code, r.stdout, r.stderr


def test_examples_exist_and_are_described() -> None:
    for sex in ("female", "male"):
        assert (EXAMPLES / f"lung_{sex}_curve.csv").exists()
        assert (EXAMPLES / f"lung_{sex}_at_risk.csv").exists()
    assert "lung" in (EXAMPLES / "README.md").read_text(encoding="utf-8")


def test_reconstruct_writes_the_ipd_file(tmp_path: Path) -> None:
    out = tmp_path / "ipd.csv"
    code, stdout, _ = _run("reconstruct", "--curve", CURVE, "--at-risk", RISK, "--out", out)
    assert code == 0
    ipd = pd.read_csv(out)
    assert list(ipd.columns) == ["time", "event"]
    assert len(ipd) == 138
    assert set(ipd["event"]) == {0, 1}
    assert "138 patients" in stdout
    assert "Cleaning of the digitised points" in stdout


def test_arm_column_and_json_report(tmp_path: Path) -> None:
    out = tmp_path / "ipd.csv"
    code, stdout, _ = _run(
        "reconstruct", "--curve", CURVE, "--at-risk", RISK, "--events", "112",
        "--arm", "male", "--out", out, "--json",
    )  # fmt: skip
    assert code == 0
    payload = json.loads(stdout)
    assert list(pd.read_csv(out).columns) == ["time", "event", "arm"]
    assert payload["arm"] == "male"
    assert payload["n"] == 138
    acc = payload["accuracy"]
    assert 0 <= acc["mean_abs_diff"] <= acc["max_abs_diff"] < 0.05
    assert [r["published"] for r in acc["at_risk"]] == [138, 78, 31, 13, 6, 2]
    assert acc["at_risk_max_abs_diff"] == 0
    assert acc["total_events_published"] == 112
    assert acc["median_reconstructed"] is not None
    assert acc["median_digitised"] is not None
    rules = {c["rule"] for c in payload["cleaning"]}
    assert {"order", "monotone"} <= rules
    for step in payload["cleaning"]:
        assert set(step) == {"rule", "rows", "n_rows", "detail"}
    assert payload["intervals"][-1]["target"] == "total_events"
    assert payload["out"] == str(out)


def test_percent_curve(tmp_path: Path) -> None:
    pct = tmp_path / "pct.csv"
    frame = pd.read_csv(CURVE)
    frame.assign(surv=frame["surv"] * 100).to_csv(pct, index=False)
    out = tmp_path / "ipd.csv"
    code, stdout, _ = _run(
        "reconstruct", "--curve", pct, "--at-risk", RISK, "--percent", "--out", out, "--json"
    )
    assert code == 0
    assert json.loads(stdout)["cleaning"][0]["rule"] == "percent"
    code, _, err = _run("reconstruct", "--curve", pct, "--at-risk", RISK, "--out", out)
    assert code == 2
    assert f"{pct} column 'surv', row 1" in err
    assert "--percent" in err


def test_no_table_with_n(tmp_path: Path) -> None:
    out = tmp_path / "ipd.csv"
    code, stdout, _ = _run(
        "reconstruct", "--curve", CURVE, "--n", "138", "--events", "112", "--out", out, "--json"
    )
    assert code == 0
    payload = json.loads(stdout)
    assert payload["n_events"] == 112
    assert payload["accuracy"]["at_risk"] == []
    assert "No at-risk table" in payload["notes"][0]


def test_plot_is_written(tmp_path: Path) -> None:
    out, png = tmp_path / "ipd.csv", tmp_path / "recon.png"
    code, stdout, _ = _run(
        "reconstruct", "--curve", CURVE, "--at-risk", RISK, "--out", out, "--plot", png
    )
    assert code == 0
    assert png.stat().st_size > 10_000
    assert f"plot written to {png}" in stdout


def test_pseudo_data_is_labelled_in_file_json_and_text(tmp_path: Path) -> None:
    out, png = tmp_path / "pseudo.csv", tmp_path / "pseudo.png"
    code, stdout, _ = _run(
        "reconstruct", "--pseudo", "--at-risk", RISK, "--events", "112", "--median", "270",
        "--arm", "male", "--out", out, "--json", "--plot", png,
    )  # fmt: skip
    assert code == 0
    payload = json.loads(stdout)
    assert payload["label"] == "pseudo-data"
    assert payload["all_constraints_met"] is True
    assert {c["name"] for c in payload["constraints"]} == {"n", "n_risk", "events", "median"}
    ipd = pd.read_csv(out)
    assert list(ipd.columns) == ["time", "event", "arm", "label"]
    assert (ipd["label"] == "pseudo-data").all()
    assert png.exists()
    code, stdout, _ = _run(
        "reconstruct", "--pseudo", "--at-risk", RISK, "--events", "112", "--median", "NR",
        "--out", out,
    )  # fmt: skip
    assert code == 0
    assert stdout.startswith("PSEUDO-DATA")
    assert "NOT MET" in stdout
    assert "PSEUDO-DATA" in stdout.splitlines()[-1]


def test_bad_curve_value_names_file_column_row_and_value(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("time,surv\n0,1\n5,0.9\n7,abc\n9,0.8\n", encoding="utf-8")
    code, _, err = _run(
        "reconstruct", "--curve", bad, "--at-risk", RISK, "--out", tmp_path / "o.csv"
    )
    assert code == 2
    assert err.strip() == (
        f"error: {bad} column 'surv', row 3: got 'abc'; allowed: a finite number"
    )


def test_bad_at_risk_table_names_file_column_row_and_value(tmp_path: Path) -> None:
    bad = tmp_path / "risk.csv"
    bad.write_text("time,n_risk\n0,100\n6,80\n12,90\n", encoding="utf-8")
    code, _, err = _run(
        "reconstruct", "--curve", CURVE, "--at-risk", bad, "--out", tmp_path / "o.csv"
    )
    assert code == 2
    assert f"error: {bad} column 'n_risk', row 3: got 90.0" in err


def test_several_problems_one_line_each(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("time,surv\n0,1\nx,0.9\n7,\n", encoding="utf-8")
    code, _, err = _run("reconstruct", "--curve", bad, "--n", "10", "--out", tmp_path / "o.csv")
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 2
    assert "column 'time', row 2: got 'x'" in lines[0]
    assert "column 'surv', row 3: got 'missing'" in lines[1]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--curve", "nope.csv", "--n", "5"], "error: --curve: got 'nope.csv'"),
        (["--curve", str(CURVE)], "error: --at-risk/--n: got None"),
        (["--at-risk", str(RISK)], "error: --curve: got None"),
        (["--curve", str(CURVE), "--n", "5", "--pseudo"], "error: --pseudo"),
        (["--pseudo", "--at-risk", str(RISK)], "error: --events: got None"),
        (["--curve", str(CURVE), "--n", "138", "--events", "500"], "total_events: got 500"),
        (["--curve", str(CURVE), "--n", "138", "--median", "3"], "only with --pseudo"),
        (["--pseudo", "--at-risk", str(RISK), "--events", "9", "--median", "x"], "--median"),
        (["--curve", str(RISK), "--n", "5"], "missing: surv"),
    ],
)
def test_errors_exit_2(args: list[str], message: str, tmp_path: Path) -> None:
    code, _, err = _run("reconstruct", *args, "--out", tmp_path / "o.csv")
    assert code == 2
    assert message in err


def test_output_and_plot_suffixes(tmp_path: Path) -> None:
    code, _, err = _run("reconstruct", "--curve", CURVE, "--n", "5", "--out", tmp_path / "o.txt")
    assert code == 2
    assert "error: --out" in err
    code, _, err = _run(
        "reconstruct", "--curve", CURVE, "--n", "5", "--out", tmp_path / "o.csv",
        "--plot", tmp_path / "p.gif",
    )  # fmt: skip
    assert code == 2
    assert "error: --plot" in err
