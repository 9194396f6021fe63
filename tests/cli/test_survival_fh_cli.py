"""`tacepath survival logrank --fh RHO,GAMMA | --maxcombo`: the JSON contracts and R's numbers."""

from __future__ import annotations

import json

from tests.survival.rfixtures import FIXTURES, close, load
from typer.testing import CliRunner

from tacepath.cli import app

runner = CliRunner()
LUNG = str(FIXTURES / "data" / "lung.csv")
BASE = ("survival", "logrank", LUNG, "--time", "time", "--event", "status", "--group", "sex")


def _run(*args: str) -> tuple[int, str, str]:
    r = runner.invoke(app, [*BASE, *args])
    return r.exit_code, r.stdout, r.stderr


def test_fh_json_contract_matches_r() -> None:
    code, out, _ = _run("--fh", "0,1", "--json")
    assert code == 0
    got = json.loads(out)
    assert {"chisq", "df", "p", "z"} <= set(got)
    r = next(c for c in load("fh")["fh"] if c["name"] == "lung_sex_01")
    for key in ("chisq", "p", "z"):
        close(got[key], r[key], key)
    assert got["df"] == r["df"]


def test_fh_text_names_the_test() -> None:
    code, out, _ = _run("--fh", "1,1")
    assert code == 0
    assert "Fleming-Harrington G(1,1)" in out


def test_maxcombo_json_contract_matches_r() -> None:
    code, out, _ = _run("--maxcombo", "--json")
    assert code == 0
    got = json.loads(out)
    assert {"tests", "max_abs_z", "p"} <= set(got)
    r = next(c for c in load("fh")["maxcombo"] if c["name"] == "lung_sex")
    assert [{"rho", "gamma", "z"} <= set(t) for t in got["tests"]] == [True] * 4
    close([t["z"] for t in got["tests"]], r["z"], "z")
    close(got["max_abs_z"], r["max_abs_z"], "max |z|")
    assert abs(got["p"] - r["p"]) <= 2 * (r["p_error"] + got["p_error"])


def test_maxcombo_chosen_set() -> None:
    code, out, _ = _run("--combo", "0,0;0,1;0,2", "--json")
    assert code == 0
    got = json.loads(out)
    r = next(c for c in load("fh")["maxcombo"] if c["name"] == "lung_sex_late")
    close([t["z"] for t in got["tests"]], r["z"], "z")


def test_conflicting_and_malformed_options_exit_2() -> None:
    for args in (("--fh", "0,1", "--rho", "1"), ("--maxcombo", "--fh", "0,1"), ("--fh", "a,b")):
        code, _, err = _run(*args)
        assert code == 2, args
        assert "--fh" in err or "--maxcombo" in err


def test_negative_weights_are_refused_naming_the_flag() -> None:
    for args in (("--fh", "0,-1"), ("--combo", "0,0;-1,1")):
        code, _, err = _run(*args)
        assert code == 2, args
        assert args[0] in err
        assert ">= 0" in err
