"""`tacepath survival km | logrank`: the JSON contract, R's numbers, and the error messages."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from tests.survival.rfixtures import FIXTURES, close, load
from typer.testing import CliRunner

from tacepath.cli import app

runner = CliRunner()
DATA = FIXTURES / "data"
ROOT = Path(__file__).resolve().parents[2]

KM_GROUP_KEYS = {
    "group", "time", "n_risk", "n_event", "n_censor", "surv", "std_err", "lower", "upper",
    "median", "median_lower", "median_upper", "rmean", "rmean_se", "tau",
}  # fmt: skip


def _run(*args: str) -> tuple[int, str, str]:
    r = runner.invoke(app, list(args))
    return r.exit_code, r.stdout, r.stderr


def _r_case(topic: str, name: str) -> dict[str, object]:
    return next(c for c in load(topic)["cases"] if c["name"] == name)


def test_km_json_contract_and_r_numbers() -> None:
    code, out, _ = _run(
        "survival", "km", str(DATA / "lung.csv"), "--time", "time", "--event", "status",
        "--group", "sex", "--times", "0,90,180,365,500,730,1022", "--json",
    )  # fmt: skip
    assert code == 0
    got = json.loads(out)
    r = _r_case("km", "lung_sex_log")
    assert [g["group"] for g in got["groups"]] == ["female", "male"]
    for g, rg in zip(got["groups"], r["groups"], strict=True):  # type: ignore[call-overload]
        assert set(g) >= KM_GROUP_KEYS
        for key in ("time", "n_risk", "surv", "std_err", "lower", "upper"):
            close(g[key], rg[key], key)
        for key in ("median", "median_lower", "median_upper", "rmean", "rmean_se", "tau"):
            close(g[key], rg[key], key)
        close(g["at_times"]["n_risk"], rg["at_extend"]["n_risk"], "at-risk table")


def test_km_median_not_reached_is_null() -> None:
    code, out, _ = _run(
        "survival", "km", str(DATA / "edge_group_no_events.csv"), "--time", "time",
        "--event", "status", "--group", "grp", "--json",
    )  # fmt: skip
    assert code == 0
    b = json.loads(out)["groups"][1]
    assert b["group"] == "b"
    assert b["median"] is None
    assert b["n_event"] == [0, 0, 0, 0]


def test_km_reports_dropped_rows(tmp_path: Path) -> None:
    code, out, _ = _run(
        "survival", "km", str(DATA / "pbc.csv"), "--time", "time", "--event", "death",
        "--group", "trt", "--json",
    )  # fmt: skip
    assert code == 0
    assert json.loads(out)["n_dropped"] == 106  # pbc: 106 patients not randomised (trt NA)


def test_km_table_and_plot(tmp_path: Path) -> None:
    png = tmp_path / "km.png"
    code, out, _ = _run(
        "survival", "km", str(DATA / "veteran.csv"), "--time", "time", "--event", "status",
        "--group", "trt", "--plot", str(png), "--times", "0,100",
    )  # fmt: skip
    assert code == 0, out
    assert "trt=standard" in out
    assert "Log-rank" in out
    assert png.stat().st_size > 10_000


def test_logrank_json_contract_matches_r() -> None:
    code, out, _ = _run(
        "survival", "logrank", str(DATA / "veteran.csv"), "--time", "time", "--event", "status",
        "--group", "trt", "--strata", "celltype,prior", "--json",
    )  # fmt: skip
    assert code == 0
    got = json.loads(out)
    assert {"chisq", "df", "p", "groups", "observed", "expected"} <= set(got)
    r = _r_case("logrank", "veteran_trt_strata")
    close(got["chisq"], r["chisq"], "chisq")
    close(got["p"], r["p"], "p")
    close(got["observed"], r["observed"], "observed")
    close(got["expected"], r["expected"], "expected")
    assert got["groups"] == ["standard", "test"]


def test_logrank_text_output() -> None:
    code, out, _ = _run(
        "survival", "logrank", str(DATA / "lung.csv"), "--time", "time", "--event", "status",
        "--group", "sex", "--rho", "1",
    )  # fmt: skip
    assert code == 0
    assert "Peto-Peto" in out
    assert "sex=female" in out


def test_adtte_from_endpoints_feeds_straight_in(tmp_path: Path) -> None:
    adtte = tmp_path / "adtte.csv"
    code, _, err = _run(
        "endpoints", str(ROOT / "examples" / "timelines" / "cohort.jsonl"), "--out", str(adtte)
    )
    assert code == 0, err
    code, out, err = _run(
        "survival", "km", str(adtte), "--time", "AVAL", "--censor", "CNSR",
        "--where", "PARAMCD=TACEPFS", "--json",
    )  # fmt: skip
    assert code == 0, err
    got = json.loads(out)["groups"][0]
    df = pd.read_csv(adtte)
    tpfs = df[df["PARAMCD"] == "TACEPFS"]
    assert got["n"] == len(tpfs)
    assert sum(got["n_event"]) == int((tpfs["CNSR"] == 0).sum())


def _bad(tmp_path: Path, frame: pd.DataFrame, *extra: str) -> str:
    path = tmp_path / "d.csv"
    frame.to_csv(path, index=False)
    code, _, err = _run("survival", *extra[:1], str(path), *extra[1:])
    assert code == 2
    assert "Traceback" not in err
    return err


@pytest.mark.parametrize(
    ("frame", "args", "message"),
    [
        (
            pd.DataFrame({"t": [1, -2, 3], "e": [1, 0, 1]}),
            ("km", "--time", "t", "--event", "e"),
            "--time 't', row 2: got -2; allowed: a finite time ≥ 0",
        ),
        (
            pd.DataFrame({"t": [1, 2, 3], "e": [1, 2, 1]}),
            ("km", "--time", "t", "--event", "e"),
            "--event 'e', row 2: got 2; allowed: 1 = event, 0 = censored",
        ),
        (
            pd.DataFrame({"s": [0, 5, 1], "t": [1, 5, 3], "e": [1, 0, 1]}),
            ("km", "--time", "t", "--event", "e", "--start", "s"),
            "--time 't', row 2: got 5.0; allowed: a stop time > the start time 5",
        ),
        (
            pd.DataFrame({"t": [1, 2, 3], "e": [1, 0, 1]}),
            ("km", "--time", "time", "--event", "e"),
            "--time: got 'time'; allowed: a column of the data (t, e)",
        ),
        (
            pd.DataFrame({"t": [1, 2, 3], "e": [1, 0, 1], "g": ["a", "a", "a"]}),
            ("logrank", "--time", "t", "--event", "e", "--group", "g"),
            "--group 'g': got 'a'; allowed: a column with at least 2 levels",
        ),
        (
            pd.DataFrame({"t": [1, 2, 3], "e": [1, 0, 1]}),
            ("km", "--time", "t", "--event", "e", "--conf-type", "loglog"),
            "conf_type: got 'loglog'; allowed: log | log-log | plain | logit | arcsin | none",
        ),
        (
            pd.DataFrame({"t": [1, 2, 3], "e": [1, 0, 1]}),
            ("km", "--time", "t"),
            "exactly one: --event",
        ),
        (
            pd.DataFrame({"t": [1, 2, 3], "w": [1, -1, 1], "e": [1, 0, 1]}),
            ("km", "--time", "t", "--event", "e", "--weights", "w"),
            "--weights 'w', row 2: got -1; allowed: finite case weights > 0",
        ),
    ],
)
def test_bad_input_exits_2_naming_column_row_value(
    tmp_path: Path, frame: pd.DataFrame, args: tuple[str, ...], message: str
) -> None:
    assert message in _bad(tmp_path, frame, *args)


def test_unreadable_file_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "d.txt"
    path.write_text("x")
    code, _, err = _run("survival", "km", str(path), "--time", "t", "--event", "e")
    assert code == 2
    assert "a file ending in .csv or .parquet" in err


COX_KEYS = {
    "terms", "coef", "se", "robust_se", "hr", "hr_lower", "hr_upper", "loglik", "wald", "lr",
    "score", "concordance", "n", "n_event",
}  # fmt: skip


@pytest.mark.parametrize("name", ["lung_efron", "colon_cluster", "heart", "cgd_strata_cluster"])
def test_cox_json_contract_matches_r(name: str) -> None:
    case = _r_case("cox", name)
    a = case["args"]
    args = [
        "survival", "cox", str(DATA / f"{a['data']}.csv"), "--time", a["time"],
        "--event", a["event"], "--covariates", ",".join(a["covariates"]), "--ties", a["ties"],
        "--json",
    ]  # fmt: skip
    if a["categorical"]:
        args += ["--categorical", ",".join(a["categorical"])]
    for opt in ("start", "cluster", "weights"):
        if a[opt]:
            args += [f"--{opt}", a[opt]]
    if a["strata"]:
        strata = a["strata"] if isinstance(a["strata"], str) else ",".join(a["strata"])
        args += ["--strata", strata]
    code, out, err = _run(*args)
    assert code == 0, err
    got = json.loads(out)
    assert set(got) >= COX_KEYS
    r = case["fit"]
    assert got["terms"] == r["terms"]
    for key in ("coef", "se", "hr", "hr_lower", "hr_upper", "loglik", "concordance"):
        close(got[key], r[key], f"{name} {key}")
    if r["robust_se"] is None:
        assert got["robust_se"] is None
    else:
        close(got["robust_se"], r["robust_se"], f"{name} robust_se")
    for test in ("wald", "lr", "score"):
        close(got[test]["chisq"], r[test]["chisq"], f"{name} {test}")
        assert got[test]["df"] == r[test]["df"]
        close(got[test]["p"], r[test]["p"], f"{name} {test} p", atol=1e-14)
    assert got["n"] == r["n"]
    assert got["n_event"] == r["n_event"]


def test_cox_reference_level_and_text_output() -> None:
    code, out, _ = _run(
        "survival", "cox", str(DATA / "veteran.csv"), "--time", "time", "--event", "status",
        "--covariates", "trt,celltype,karno", "--categorical", "trt,celltype",
        "--reference", "celltype=squamous",
    )  # fmt: skip
    assert code == 0
    assert "celltypeadeno" in out
    assert "Concordance=" in out


def test_cox_text_covariate_not_declared_categorical_exits_2(tmp_path: Path) -> None:
    err = _bad(
        tmp_path,
        pd.DataFrame({"t": [1, 2, 3, 4], "e": [1, 0, 1, 1], "arm": ["a", "b", "a", "b"]}),
        "cox", "--time", "t", "--event", "e", "--covariates", "arm",
    )  # fmt: skip
    assert "arm" in err
    assert "categorical" in err


def test_cox_zph_option_matches_r() -> None:
    code, out, _ = _run(
        "survival", "cox", str(DATA / "veteran.csv"), "--time", "time", "--event", "status",
        "--covariates", "trt,celltype,karno", "--categorical", "trt,celltype", "--zph", "--json",
    )  # fmt: skip
    assert code == 0
    got = json.loads(out)["zph"]
    r = _r_case("cox", "veteran")["zph"][0]  # type: ignore[index]
    assert got["rows"] == r["rows"]
    close(got["chisq"], r["chisq"], "zph chisq")
    close(got["p"], r["p"], "zph p")


def test_km_plot_hazard_ratio_is_the_cox_hr() -> None:
    from tacepath.cli.survival import _two_arm_hazard_ratio
    from tacepath.survival import kaplan_meier

    d = pd.read_csv(DATA / "lung.csv")
    fit = kaplan_meier(d, time="time", event="status", group="sex")
    hr = _two_arm_hazard_ratio(
        d, fit, time="time", event="status", group="sex", start=None, weights=None
    )
    assert hr is not None
    assert hr.label == "HR male vs female"
    # R: coxph(Surv(time, status) ~ sex, lung) prints exp(coef) 0.588 for female vs male.
    assert round(1 / hr.estimate, 3) == 0.588


def test_km_plot_without_a_finite_hr_still_draws(tmp_path: Path) -> None:
    png = tmp_path / "km.png"
    code, _, err = _run(
        "survival", "km", str(DATA / "edge_group_no_events.csv"), "--time", "time",
        "--event", "status", "--group", "grp", "--plot", str(png),
    )  # fmt: skip
    assert code == 0, err
    assert png.exists()
