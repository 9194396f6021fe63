"""The regimen catalogue is checked against the registry; `tacepath pathway` CLI contract."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from tacepath.cli import app
from tacepath.errors import InputErrors
from tacepath.pathway.eligibility import CHECK_FUNCTIONS
from tacepath.pathway.model import CATALOGUE_FILE, CHECKS, catalogue, load_catalogue

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "pathway"
runner = CliRunner()


def test_every_check_of_the_vocabulary_is_implemented() -> None:
    assert set(CHECKS) == set(CHECK_FUNCTIONS)
    cat = catalogue()
    used = {c.check for p in cat.populations for c in p.criteria}
    used |= {r.check for r in cat.rules}
    used |= {c.check for m in cat.trial_matching for c in m.criteria}
    assert used <= set(CHECKS)


def _broken(tmp_path: Path, edit) -> Path:  # type: ignore[no-untyped-def]
    raw = yaml.safe_load(CATALOGUE_FILE.read_text())
    edit(raw)
    path = tmp_path / "regimens.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


def test_a_source_that_does_not_resolve_is_refused(tmp_path: Path) -> None:
    def edit(raw: dict) -> None:  # type: ignore[type-arg]
        tactics = next(p for p in raw["populations"] if p["id"] == "TACTICS")
        tactics["criteria"][0]["source"] = {"trial": "TACTICS", "source": "nope"}

    with pytest.raises(InputErrors, match=r"source: got 'nope'; allowed: a source of TACTICS"):
        load_catalogue(_broken(tmp_path, edit))


def test_an_unknown_check_is_refused(tmp_path: Path) -> None:
    def edit(raw: dict) -> None:  # type: ignore[type-arg]
        raw["populations"][0]["criteria"][0]["check"] = "looks_fine"

    with pytest.raises(InputErrors, match="check"):
        load_catalogue(_broken(tmp_path, edit))


def test_an_evidence_arm_must_exist(tmp_path: Path) -> None:
    def edit(raw: dict) -> None:  # type: ignore[type-arg]
        raw["regimens"][1]["evidence"][0]["arm"] = "tace-magic"

    with pytest.raises(InputErrors, match="tace-magic"):
        load_catalogue(_broken(tmp_path, edit))


def test_cli_json_and_table() -> None:
    r = runner.invoke(app, ["pathway", str(EXAMPLES / "intermediate_candidate.json"), "--json"])
    assert r.exit_code == 0
    d = json.loads(r.stdout)
    assert d["id"] == "PW01"
    r = runner.invoke(app, ["pathway", str(EXAMPLES / "untreated_varices.json")])
    assert r.exit_code == 0
    assert "not eligible" in r.stdout
    assert "high-risk varices, untreated" in r.stdout


def test_cli_bad_history_value_exits_2(tmp_path: Path) -> None:
    p = json.loads((EXAMPLES / "intermediate_candidate.json").read_text())
    p["history"]["varices"] = "big"
    f = tmp_path / "p.json"
    f.write_text(json.dumps(p))
    r = runner.invoke(app, ["pathway", str(f)])
    assert r.exit_code == 2
    assert "history.varices: got 'big'" in r.stderr
