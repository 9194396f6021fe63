"""`tacepath response`: JSON contract, table, plot, errors (exit 2, no traceback)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tacepath.cli import app

runner = CliRunner()
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "timelines"
CODES = {"CR", "PR", "SD", "PD", "NE"}
SUMMARY = {"event", "date", "criterion"}


def _check_contract(d: dict[str, object]) -> None:
    assert set(d) == {
        "id",
        "assessments",
        "best_overall_response",
        "untaceable_progression",
        "tace_pfs",
        "jsh_refractoriness",
    }
    for a in d["assessments"]:  # type: ignore[attr-defined]
        assert set(a) == {"date", "recist11", "mrecist", "easl", "recicl"}
        for crit in ("recist11", "mrecist"):
            assert set(a[crit]) == {"target", "non_target", "new_lesions", "overall"}
            assert a[crit]["overall"] in CODES
            assert a[crit]["target"] in CODES
            assert isinstance(a[crit]["new_lesions"], bool)
        assert set(a["easl"]) == {"overall"}
        assert a["easl"]["overall"] in CODES
        assert set(a["recicl"]) == {"te", "overall"}
        assert a["recicl"]["te"] in {"TE1", "TE2", "TE3", "TE4", "NE"}
    assert set(d["best_overall_response"]) == {"recist11", "mrecist", "easl", "recicl"}  # type: ignore[arg-type]
    for key in ("untaceable_progression", "tace_pfs", "jsh_refractoriness"):
        s = d[key]
        assert set(s) == SUMMARY  # type: ignore[arg-type]
        if not s["event"]:  # type: ignore[index]
            assert s == {"event": False, "date": None, "criterion": None}


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.json")), ids=lambda p: p.stem)
def test_json_contract_for_every_example(path: Path) -> None:
    res = runner.invoke(app, ["response", str(path), "--json"])
    assert res.exit_code == 0, res.output
    _check_contract(json.loads(res.stdout))


def test_expected_outcomes_of_the_examples() -> None:
    expected = {
        "P001": (False, None),
        "P002": (False, None),
        "P003": (True, "intrahepatic_progression"),
        "P004": (True, "child_pugh_c"),
        "P005": (True, "macrovascular_invasion"),
        "P006": (True, "extrahepatic_spread"),
        "P007": (True, "tace_refractoriness"),
        "P008": (False, None),
        "P009": (False, None),
        "P010": (False, None),
    }
    res = runner.invoke(app, ["response", str(EXAMPLES / "cohort.jsonl"), "--json"])
    assert res.exit_code == 0, res.output
    got = {
        d["id"]: (d["untaceable_progression"]["event"], d["untaceable_progression"]["criterion"])
        for d in json.loads(res.stdout)
    }
    assert got == expected
    pfs = {d["id"]: d["tace_pfs"]["criterion"] for d in json.loads(res.stdout)}
    assert pfs["P008"] == "death"


def test_detail_has_reasons_and_citations() -> None:
    res = runner.invoke(
        app, ["response", str(EXAMPLES / "P003_untaceable_intrahepatic.json"), "--json", "--detail"]
    )
    d = json.loads(res.stdout)
    assert d["recist11"]["citation"]["doi"] == "10.1016/j.ejca.2008.10.026"
    assert "BASELINE" in d["untaceable_progression"]["rule"]


def test_table_and_why() -> None:
    res = runner.invoke(
        app, ["response", str(EXAMPLES / "P003_untaceable_intrahepatic.json"), "--why"]
    )
    assert res.exit_code == 0
    assert "RECIST 1.1" in res.stdout
    assert "unTACEable progression" in res.stdout
    assert "from nadir" in res.stdout


def test_plot(tmp_path: Path) -> None:
    out = tmp_path / "course.png"
    res = runner.invoke(
        app, ["response", str(EXAMPLES / "P003_untaceable_intrahepatic.json"), "--plot", str(out)]
    )
    assert res.exit_code == 0, res.output
    assert out.stat().st_size > 10_000


def test_bad_input_exit_2_one_line_per_problem(tmp_path: Path) -> None:
    raw = json.loads((EXAMPLES / "P003_untaceable_intrahepatic.json").read_text())
    raw["assessments"][1]["lesions"][0]["longest_mm"] = -3
    raw["assessments"][2]["lesions"][0]["organ"] = "spleen"
    p = tmp_path / "bad.json"
    p.write_text(json.dumps(raw))
    res = runner.invoke(app, ["response", str(p)])
    assert res.exit_code == 2
    lines = [ln for ln in res.stderr.splitlines() if ln]
    assert len(lines) >= 2
    assert all(ln.startswith("error: ") and "allowed:" in ln for ln in lines)
    assert any("P003.assessments[1](2026-03-09).lesions[L1].longest_mm" in ln for ln in lines)
    assert "Traceback" not in res.output


def test_missing_file_and_bad_option(tmp_path: Path) -> None:
    res = runner.invoke(app, ["response", str(tmp_path / "nope.json")])
    assert res.exit_code == 2
    assert "file" in res.stderr
    res = runner.invoke(
        app,
        ["response", str(EXAMPLES / "P001_new_liver_lesion_only.json"), "--easl-reference", "max"],
    )
    assert res.exit_code == 2
    assert "--easl-reference" in res.stderr


def test_schema_timeline_command_prints_the_json_schema() -> None:
    from tacepath.domain.timeline import timeline_json_schema

    r = CliRunner().invoke(app, ["schema", "timeline"])
    assert r.exit_code == 0
    assert json.loads(r.stdout) == timeline_json_schema()
