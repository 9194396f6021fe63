"""`tacepath assess`, `schema`, `demo`: the JSON contract and the error messages."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from tacepath import __version__
from tacepath.cli import app

runner = CliRunner()
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

CONTRACT = {
    "child_pugh": {"score", "class", "points"},
    "albi": {"score", "grade"},
    "malbi": {"grade"},
    "meld": {"score"},
    "meld_na": {"score"},
    "meld_3": {"score"},
    "bclc": {"stage", "reasons"},
    "milan": {"within"},
    "up_to_seven": {"score", "within"},
    "six_and_twelve": {"score", "group"},
    "hap": {"score", "class"},
    "mhap2": {"score", "class"},
}


def _run(*args: str) -> tuple[int, str, str]:
    r = runner.invoke(app, list(args))
    return r.exit_code, r.stdout, r.stderr


def test_version_and_help() -> None:
    code, out, _ = _run("--version")
    assert code == 0
    assert __version__ in out
    code, out, _ = _run("assess", "--help")
    assert code == 0
    assert "Examples" in out


def test_json_contract_for_a_list() -> None:
    code, out, _ = _run("assess", str(EXAMPLES / "patients.json"), "--json")
    assert code == 0
    data = json.loads(out)
    ids = [p["id"] for p in json.loads((EXAMPLES / "patients.json").read_text())]
    assert [d["id"] for d in data] == ids
    for d in data:
        for key, fields in CONTRACT.items():
            assert fields | {"rule", "source"} <= set(d[key]), key


def test_json_values_of_the_contract_patient() -> None:
    _code, out, _ = _run("assess", str(EXAMPLES / "patients.json"), "--json")
    p1 = json.loads(out)[0]
    assert p1["child_pugh"]["score"] == 5
    assert p1["child_pugh"]["class"] == "A"
    assert p1["bclc"]["stage"] == "B"
    assert p1["milan"]["within"] is False
    assert p1["up_to_seven"] == p1["up_to_seven"] | {"score": 6.5, "within": True}
    assert p1["hap"]["class"] == "B"
    assert p1["mhap2"]["class"] == "C"


def test_one_object_in_gives_one_object_out(tmp_path: Path) -> None:
    one = json.loads((EXAMPLES / "patients.json").read_text())[3]
    f = tmp_path / "one.yaml"
    import yaml

    f.write_text(yaml.safe_dump(one))
    code, out, _ = _run("assess", str(f), "--json")
    assert code == 0
    d = json.loads(out)
    assert isinstance(d, dict)
    assert d["bclc"]["stage"] is None
    assert d["bclc"]["reasons"]


def test_missing_inputs_are_named_not_guessed() -> None:
    _code, out, _ = _run("assess", str(EXAMPLES / "patients.json"), "--json")
    p6 = json.loads(out)[5]
    assert p6["meld"]["score"] is None
    assert "labs.creatinine" in p6["meld"]["missing"]


def test_bad_input_exits_2_with_one_line_per_problem(tmp_path: Path) -> None:
    f = tmp_path / "bad.json"
    f.write_text(
        json.dumps(
            {
                "id": "X",
                "labs": {"albumin": {"value": 45, "unit": "g/dL"}, "inr": {"value": 0}},
                "ascites": "lots",
            }
        )
    )
    code, _out, err = _run("assess", str(f))
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 3
    assert any("labs.albumin" in line and "45 g/dL" in line for line in lines)
    assert "Traceback" not in err


def test_unparsable_file(tmp_path: Path) -> None:
    f = tmp_path / "bad.json"
    f.write_text("{not json")
    code, _, err = _run("assess", str(f))
    assert code == 2
    assert "file" in err


def test_schema_patient() -> None:
    code, out, _ = _run("schema", "patient")
    schema = json.loads(out)
    assert code == 0
    assert schema["required"] == ["id"]
    assert "labs" in schema["properties"]


def test_demo_runs() -> None:
    code, out, _ = _run("demo")
    assert code == 0
    assert "P001" in out


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_cohort_csv_and_parquet(tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"scores{suffix}"
    code, _, err = _run("assess", str(EXAMPLES / "cohort.csv"), "--out", str(out))
    assert code == 0, err
    table = pd.read_csv(out) if suffix == ".csv" else pd.read_parquet(out)
    assert {"id", "child_pugh_score", "bclc_stage", "meld_na_score"} <= set(table.columns)
    assert len(table) == len(pd.read_csv(EXAMPLES / "cohort.csv"))


def test_cohort_bad_rows_named(tmp_path: Path) -> None:
    f = tmp_path / "c.csv"
    f.write_text("id,bilirubin,bilirubin_unit,ecog\nA,1.0,mg/dL,0\nB,-3,mg/dL,9\n")
    code, _, err = _run("assess", str(f), "--out", str(tmp_path / "o.csv"))
    assert code == 2
    assert "row 3 (id=B): bilirubin" in err
    assert "row 3 (id=B): ecog" in err
