"""`tacepath simulate trial`: the JSON contract, reproducibility, and the error messages."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from tacepath.cli import app
from tacepath.cli.design import simulate_app

runner = CliRunner()
CONTRACT = [
    "simulate", "trial", "--hazard-ratio", "0.71", "--median-control", "13.5",
    "--accrual-months", "60", "--patients", "156", "--events", "125", "--alpha", "0.15",
    "--sides", "1", "--replicates", "2000", "--seed", "1", "--json",
]  # fmt: skip


def _run(*args: str) -> tuple[int, str, str]:
    r = runner.invoke(app, list(args))
    return r.exit_code, r.stdout, r.stderr


def test_contract_keys_and_reproducibility() -> None:
    code, out, _ = _run(*CONTRACT)
    assert code == 0
    got = json.loads(out)
    assert {"power", "replicates", "seconds"} <= set(got)
    assert got["replicates"] == 2000
    assert 0.7 < got["power"] < 0.9
    assert got["closed_form_power"] == pytest.approx(0.8100676565905, rel=1e-9)
    _, again, _ = _run(*CONTRACT)
    assert json.loads(again)["power"] == got["power"]


def test_piecewise_weibull_strata_and_text() -> None:
    code, out, _ = _run(
        "simulate", "trial", "--control-hazards", "0:0.06,6:0.04", "--treatment-hazards",
        "0:0.06,6:0.02", "--accrual-months", "24", "--accrual-intensity", "0:1,6:3",
        "--patients", "200", "--events", "120", "--strata", "a:0.4,b:0.6:1.5",
        "--replicates", "500", "--no-type-one-error",
    )  # fmt: skip
    assert code == 0, out
    assert "Power" in out
    assert "Type I error not simulated" in out  # said, not a number
    assert "Type I error:" not in out
    code, out, _ = _run(
        "simulate", "trial", "--hazard-ratio", "0.7", "--median-control", "12",
        "--weibull-shape", "1.5", "--accrual-months", "24", "--patients", "200",
        "--events", "120", "--entry", "regular", "--replicates", "500", "--json",
    )  # fmt: skip
    assert code == 0
    assert json.loads(out)["scenario"]["control"] == {
        "model": "weibull",
        "shape": 1.5,
        "median": 12.0,
    }


def test_simulate_is_a_sub_app_for_more_commands() -> None:
    assert [c.name for c in simulate_app.registered_commands] == ["trial", "cohort"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--median-control", "12", "--accrual-months", "24", "--patients", "100",
          "--events", "50"],
         ["--hazard-ratio: got None; allowed: a hazard ratio, or a treatment-arm model"]),
        (["--hazard-ratio", "0.7", "--median-control", "-3", "--accrual-months", "24",
          "--patients", "100", "--events", "150", "--sides", "3", "--replicates", "0"],
         ["--events: got 150; allowed: a whole number from 1 to the number of patients (100)",
          "--median-control: got -3.0; allowed: months > 0", "--sides: got 3; allowed: 1 or 2",
          "--replicates: got 0; allowed: a whole number from 1 to 10^9"]),
        (["--hazard-ratio", "0.7", "--median-control", "12", "--accrual-months", "24",
          "--patients", "100", "--events", "50", "--strata", "a:0.5,b:0.6"],
         ["--strata (strata prevalences): got [0.5, 0.6]; allowed: shares summing to 1"]),
        (["--hazard-ratio", "0.7", "--median-control", "12", "--accrual-months", "24",
          "--patients", "100", "--events", "50", "--control-hazards", "0:0.1"],
         ["--control-hazards: got '0:0.1'; allowed: either --control-hazards or a median"]),
        (["--hazard-ratio", "0.7", "--median-control", "12", "--accrual-months", "24",
          "--patients", "100", "--events", "50", "--entry", "poisson",
          "--scheduler", "localhost:8786"],
         ["--entry: got 'poisson'; allowed: random | regular",
          "--scheduler: got 'localhost:8786'; allowed: a Dask address"]),
    ],
)  # fmt: skip
def test_errors_exit_2_one_line_per_problem(args: list[str], expected: list[str]) -> None:
    code, _, err = _run("simulate", "trial", *args)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == len(expected), lines
    for line, want in zip(lines, expected, strict=True):
        assert line.startswith("error: ")
        assert want in line
