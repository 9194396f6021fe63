"""`tacepath analyze`, `simulate cohort`, `schema sap` and `randomise`: end to end."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tacepath import __version__
from tacepath.cli import app
from tacepath.interop.adam_io import file_sha256

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]
SAP = ROOT / "examples" / "tactics-like" / "sap.yaml"


def _run(*args: str) -> tuple[int, str, str]:
    r = runner.invoke(app, list(args))
    return r.exit_code, r.stdout, r.stderr


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tactics")
    code, out, err = _run("simulate", "cohort", "--like", "tactics", "--out", str(root / "data"))
    assert code == 0, err
    assert "SYNTHETIC — not trial data" in err
    code, out, err = _run(
        "analyze", "--sap", str(SAP), "--adsl", str(root / "data" / "adsl.csv"),
        "--adtte", str(root / "data" / "adtte.csv"), "--adae", str(root / "data" / "adae.csv"),
        "--out", str(root / "report"),
    )  # fmt: skip
    assert code == 0, err
    assert "1. TACEPFS" in out
    assert "2. OS" in out
    return root


def test_results_json_contract(report: Path) -> None:
    res = json.loads((report / "report" / "results.json").read_text())
    for code in ("TACEPFS", "OS"):
        e = res["endpoints"][code]
        for key in ("n", "events", "median", "hr", "hr_lower", "hr_upper", "logrank_p",
                    "tested", "rejected"):  # fmt: skip
            assert key in e
        assert set(e["events"]) == {"TACE plus sorafenib", "TACE alone"}
        assert set(e["median"]["TACE alone"]) == {"estimate", "lower", "upper"}
        assert e["hr_lower"] < e["hr"] < e["hr_upper"]
    assert res["synthetic"] is True
    assert res["software"] == f"tacepath {__version__}"
    assert res["sap_sha256"] == file_sha256(SAP)
    shas = {Path(d["path"]).name: d["sha256"] for d in res["data"]}
    assert shas["adsl.csv"] == file_sha256(report / "data" / "adsl.csv")


def test_report_html_shows_provenance_and_every_headline_number(report: Path) -> None:
    html = (report / "report" / "index.html").read_text()
    res = json.loads((report / "report" / "results.json").read_text())
    assert html.count("SYNTHETIC — not trial data") >= 2
    assert f"tacepath {__version__}" in html
    assert res["sap_sha256"] in html
    for d in res["data"]:
        assert d["sha256"] in html
    for code, e in res["endpoints"].items():
        assert f"{e['hr']:.3f} ({e['hr_lower']:.3f}–{e['hr_upper']:.3f})" in html, code
        med = e["median"]["TACE alone"]
        assert f"{med['estimate']:.1f} ({med['lower']:.1f}–{med['upper']:.1f})" in html
    assert (report / "report" / "report.pdf").read_bytes().startswith(b"%PDF")
    figures = sorted(p.name for p in (report / "report" / "figures").iterdir())
    assert figures == ["forest_OS.png", "forest_TACEPFS.png", "km_OS.png", "km_TACEPFS.png"]
    assert len(re.findall(r"data:image/png;base64,", html)) == 4


def test_analyze_errors_name_subject_and_column(report: Path, tmp_path: Path) -> None:
    adtte = (report / "data" / "adtte.csv").read_text().splitlines()
    fields = adtte[1].split(",")
    subject = fields[0]
    fields[7] = "X"  # CNSR
    adtte[1] = ",".join(fields)
    bad = tmp_path / "adtte.csv"
    bad.write_text("\n".join(adtte) + "\n")
    code, _, err = _run(
        "analyze", "--sap", str(SAP), "--adsl", str(report / "data" / "adsl.csv"),
        "--adtte", str(bad), "--adae", str(report / "data" / "adae.csv"),
        "--out", str(tmp_path / "r"),
    )  # fmt: skip
    assert code == 2
    assert f"ADTTE.CNSR (USUBJID '{subject}', PARAMCD 'TACEPFS')" in err
    assert not (tmp_path / "r").exists()


def test_analyze_needs_adae_for_safety(report: Path, tmp_path: Path) -> None:
    code, _, err = _run(
        "analyze", "--sap", str(SAP), "--adsl", str(report / "data" / "adsl.csv"),
        "--adtte", str(report / "data" / "adtte.csv"), "--out", str(tmp_path / "r"),
        "--no-pdf",
    )  # fmt: skip
    assert code == 2
    assert "--adae" in err


def test_schema_sap() -> None:
    code, out, _ = _run("schema", "sap")
    assert code == 0
    assert json.loads(out)["title"] == "tacepath statistical analysis plan"


def test_cohort_formats(tmp_path: Path) -> None:
    code, out, _ = _run("simulate", "cohort", "--out", str(tmp_path), "--format", "xpt")
    assert code == 0
    assert "adsl.xpt" in out
    code, _, err = _run("simulate", "cohort", "--out", str(tmp_path), "--like", "orient")
    assert code == 2
    assert "--like" in err


def test_randomise_list_next_verify(tmp_path: Path) -> None:
    alloc = tmp_path / "alloc.jsonl"
    code, out, err = _run(
        "randomise", "list", "--strata", "site=A|B,milan=within|beyond,prior_tace=0|1-2",
        "--n", "8", "--block-sizes", "2,4", "--seed", "7", "--out", str(alloc), "--json",
    )  # fmt: skip
    assert code == 0, err
    info = json.loads(out)
    assert info["strata"] == 8
    assert info["slots"] >= 64
    code, out, _ = _run(
        "randomise", "next", "--list", str(alloc), "--subject", "P001",
        "--strata", "site=A,milan=within,prior_tace=0", "--json",
    )  # fmt: skip
    assert code == 0
    first = json.loads(out)
    assert first["arm"] in ("TACE plus sorafenib", "TACE alone")
    assert first["slot"] == 1
    code, _, err = _run(
        "randomise", "next", "--list", str(alloc), "--subject", "P001",
        "--strata", "site=A,milan=within,prior_tace=0",
    )  # fmt: skip
    assert code == 2
    assert "already" not in err
    assert "not yet randomised" in err
    code, out, _ = _run("randomise", "verify", "--list", str(alloc))
    assert code == 0
    assert "verified" in out
    assert first["head"] in out
    lines = alloc.read_text().splitlines()
    last = json.loads(lines[-1])
    last["arm"] = "X"
    alloc.write_text("\n".join([*lines[:-1], json.dumps(last)]) + "\n")
    code, _, err = _run("randomise", "verify", "--list", str(alloc))
    assert code == 2
    assert "line" in err
    code, _, err = _run("randomise", "list", "--seed", "1", "--out", str(tmp_path / "m.jsonl"),
                        "--method", "minimisation", "--strata", "")  # fmt: skip
    assert code == 2
    assert "at least one factor" in err
