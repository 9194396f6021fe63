"""The analysis plan: the example validates, errors name the field, the schema is complete."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tacepath.analysis.sap import parse_sap, sap_json_schema
from tacepath.errors import InputError
from tacepath.interop.sap_io import load_sap

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "tactics-like" / "sap.yaml"


def _raw() -> dict[str, Any]:
    raw: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text())
    return raw


def test_example_is_the_tactics_plan() -> None:
    sap, digest = load_sap(EXAMPLE)
    assert len(digest) == 64
    assert sap.sides == 1
    assert sap.alpha == 0.15
    assert sap.direction == "less"
    assert sap.testing is not None
    assert [s.endpoint for s in sap.testing.steps] == ["TACEPFS", "OS"]
    assert sap.testing.steps[0].gate == 0.15
    assert sap.strata == ("MILANGR", "PTACEGR")
    assert sap.treatment.reference == "TACE alone"


def test_schema_lists_every_section() -> None:
    schema = sap_json_schema()
    props = schema["properties"]
    for key in ("populations", "endpoints", "testing", "subgroups", "safety", "categorical"):
        assert key in props
    assert "GateStep" in schema["$defs"]


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (lambda r: r["testing"]["steps"].append({"endpoint": "PFS"}), "testing.steps[2].endpoint"),
        (lambda r: r["testing"]["steps"][0].update(gate=0.2), "testing.steps[0].gate"),
        (lambda r: r["treatment"].update(experimental="TACE alone"), "treatment.experimental"),
        (lambda r: r["endpoints"][0].update(population="PP"), "endpoints[0].population"),
        (lambda r: r.update(colour="red"), "colour"),
        (lambda r: r.pop("treatment"), "treatment"),
        (lambda r: r.update(alpha=1.5), "alpha"),
    ],
)
def test_errors_name_the_field(edit: Any, field: str) -> None:
    raw = _raw()
    edit(raw)
    with pytest.raises(InputError) as err:
        parse_sap(raw)
    assert f"sap.{field}" in str(err.value)


def test_not_a_mapping_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        parse_sap([1, 2])
    with pytest.raises(InputError, match="--sap"):
        load_sap(tmp_path / "none.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: [unclosed\n")
    with pytest.raises(InputError, match="valid YAML"):
        load_sap(bad)
