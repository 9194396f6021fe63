"""`tacepath design`: the JSON contract, rpact's numbers, and the error messages."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from tacepath.cli import app
from tests.survival.rfixtures import close, load

runner = CliRunner()
TACTICS = ["design", "--hazard-ratio", "0.71", "--power", "0.8", "--alpha", "0.15", "--sides", "1"]


def _run(*args: str) -> tuple[int, str, str]:
    r = runner.invoke(app, list(args))
    return r.exit_code, r.stdout, r.stderr


def _case(name: str) -> dict[str, object]:
    return next(c for c in load("rpact")["design"] if c["name"] == name)


def test_contract_events_and_method() -> None:
    code, out, _ = _run(*TACTICS, "--json")
    assert code == 0
    got = json.loads(out)
    assert got["events"] == 121
    assert got["method"] == "schoenfeld"
    assert "sample_size" in got
    assert got["sample_size"] is None
    close(got["events_exact"], _case("tactics_schoenfeld")["max_events"], "events")


def test_contract_with_accrual_gives_sample_size() -> None:
    code, out, _ = _run(
        *TACTICS, "--allocation", "1", "--method", "schoenfeld", "--accrual-months", "60",
        "--follow-up-months", "12", "--median-control", "13.5", "--dropout", "0.05", "--json",
    )  # fmt: skip
    assert code == 0
    got = json.loads(out)
    assert isinstance(got["sample_size"], int)
    assert got["sample_size"] == sum(got["sample_size_per_arm"])
    close(got["sample_size_exact"], _case("tactics_accrual")["sample_size"], "sample size")


def test_freedman_and_group_sequential() -> None:
    code, out, _ = _run(*TACTICS, "--method", "freedman", "--json")
    assert json.loads(out)["events"] == 123
    code, out, _ = _run(
        "design", "--hazard-ratio", "0.71", "--alpha", "0.025", "--spending", "obrien-fleming",
        "--looks", "3", "--accrual-months", "60", "--follow-up-months", "12",
        "--median-control", "13.5", "--dropout", "0.05", "--json",
    )  # fmt: skip
    assert code == 0
    got = json.loads(out)
    r = _case("of3")
    close(got["events_exact"], r["max_events"], "max events")
    close([s["critical_value"] for s in got["stages"]], r["critical_values"], "bounds")
    close([s["analysis_month"] for s in got["stages"]], r["analysis_time"], "analysis times")


def test_power_for_events_and_text_output() -> None:
    code, out, _ = _run("design", "--hazard-ratio", "0.71", "--events", "125", "--alpha", "0.15")
    assert code == 0
    assert "125 events give power 0.8101" in out
    code, out, _ = _run(*TACTICS)
    assert "rounded up to 121" in out
    assert "doi:10.2307/2531021" in out


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--hazard-ratio", "1"], ["--hazard-ratio: got 1.0; allowed: a number > 0 other than 1"]),
        (["--hazard-ratio", "0.7", "--sides", "3", "--method", "exact"],
         ["--sides: got 3; allowed: 1 or 2",
          "--method: got 'exact'; allowed: schoenfeld | freedman"]),
        (["--hazard-ratio", "0.7", "--power", "0.8", "--events", "100"], ["--power/--events"]),
        (["--hazard-ratio", "0.7", "--accrual-months", "12"],
         ["--follow-up-months: got None", "--median-control: got None"]),
        (["--hazard-ratio", "0.7", "--spending", "pocock", "--information-rates", "0.5,x"],
         ["--information-rates: got '0.5,x'; allowed: numbers separated by commas"]),
        (["--hazard-ratio", "0.7", "--spending", "pocock", "--information-rates", "0.7,0.3,1"],
         ["--information-rates: got [0.7, 0.3, 1.0]; allowed: 1 to 20 increasing rates"]),
        (["--hazard-ratio", "0.7", "--dropout", "0.1"], ["--dropout: got 0.1; allowed: 0 unless"]),
    ],
)  # fmt: skip
def test_errors_exit_2_one_line_per_problem(args: list[str], expected: list[str]) -> None:
    code, _, err = _run("design", *args)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == len(expected)
    for line, want in zip(lines, expected, strict=True):
        assert line.startswith("error: ")
        assert want in line
