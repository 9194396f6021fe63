"""`tacepath survival cif`: the JSON contract and R cmprsk::cuminc's numbers."""

from __future__ import annotations

import json
from pathlib import Path

from tests.survival.rfixtures import FIXTURES, close, load
from typer.testing import CliRunner

from tacepath.cli import app

runner = CliRunner()
DATA = FIXTURES / "data"


def _run(*args: str) -> tuple[int, str, str]:
    r = runner.invoke(app, ["survival", "cif", *args])
    return r.exit_code, r.stdout, r.stderr


def test_cif_json_contract_matches_r() -> None:
    code, out, _ = _run(
        str(DATA / "mgus2.csv"), "--time", "etime", "--status", "event", "--group", "sex",
        "--json",
    )  # fmt: skip
    assert code == 0
    got = json.loads(out)
    assert {"curves", "gray_test"} <= set(got)
    r = next(c for c in load("competing")["cuminc"] if c["name"] == "mgus2_sex")
    assert len(got["curves"]) == len(r["curves"])
    for g, w in zip(got["curves"], r["curves"], strict=True):
        assert {"group", "cause", "time", "estimate", "variance"} <= set(g)
        assert f"{g['group']} {g['cause']}" == w["name"]
        for key in ("time", "estimate", "variance"):
            close(g[key], w[key], f"{w['name']} {key}")
    for g, w in zip(got["gray_test"], r["tests"], strict=True):
        assert {"cause", "stat", "df", "p"} <= set(g)
        close(g["stat"], w["stat"], "stat")
        close(g["p"], w["p"], "p")
        assert g["df"] == w["df"]


def test_cif_censor_code_and_text_output(tmp_path: Path) -> None:
    src = (DATA / "competing_sim.csv").read_text(encoding="utf-8")
    lines = src.splitlines()
    head, body = lines[0], lines[1:]
    recoded = [",".join(["9" if i == 1 and v == "0" else v for i, v in enumerate(row.split(","))])
               for row in body]  # fmt: skip
    path = tmp_path / "sim9.csv"
    path.write_text("\n".join([head, *recoded]) + "\n", encoding="utf-8")
    code, out, _ = _run(str(path), "--time", "time", "--status", "status", "--censor-code", "9",
                        "--json")  # fmt: skip
    assert code == 0
    r = next(c for c in load("competing")["cuminc"] if c["name"] == "sim_overall")
    got = json.loads(out)
    assert [c["group"] for c in got["curves"]] == [None, None]
    close(got["curves"][0]["estimate"], r["curves"][0]["estimate"], "estimate")
    assert got["gray_test"] == []
    code, out, _ = _run(str(DATA / "mgus2.csv"), "--time", "etime", "--status", "event",
                        "--group", "sex")  # fmt: skip
    assert code == 0
    assert "Gray's test, cause 2" in out


def test_cif_bad_input_exits_2_naming_the_flag() -> None:
    code, _, err = _run(str(DATA / "mgus2.csv"), "--time", "nope", "--status", "event")
    assert code == 2
    assert "--time" in err


def test_finegray_json_contract_matches_r() -> None:
    r = runner.invoke(
        app,
        ["survival", "finegray", str(DATA / "mgus2.csv"), "--time", "etime", "--status", "event",
         "--cause", "1", "--covariates", "age,sex,mspike", "--categorical", "sex", "--json"],
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    got = json.loads(r.stdout)
    assert {"terms", "coef", "se", "hr", "hr_lower", "hr_upper", "p", "n"} <= set(got)
    want = next(c for c in load("competing")["crr"] if c["name"] == "mgus2_pcm")
    assert got["terms"] == want["terms"]
    assert got["n"] == want["n"]
    for key in ("coef", "se", "hr", "hr_lower", "hr_upper", "p"):
        close(got[key], want[key], key)


def test_finegray_text_and_errors() -> None:
    base = ["survival", "finegray", str(DATA / "mgus2.csv"), "--time", "etime",
            "--status", "event", "--covariates", "age,sex", "--categorical", "sex"]  # fmt: skip
    r = runner.invoke(app, [*base, "--cause", "2", "--reference", "sex=M"])
    assert r.exit_code == 0
    assert "sexF" in r.stdout
    assert "cause 2" in r.stdout
    r = runner.invoke(app, [*base, "--cause", "5"])
    assert r.exit_code == 2
    assert "--cause" in r.stderr
