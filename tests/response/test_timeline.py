"""The timeline is checked on load: every refusal names patient, date, lesion and field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tacepath.domain.timeline import parse_timeline, parse_timelines_jsonl, timeline_json_schema
from tacepath.errors import InputError
from tests.response.builders import day, les, raw_timeline, visit

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "timelines"


def _fields(raw: dict[str, object]) -> list[str]:
    with pytest.raises(InputError) as exc:
        parse_timeline(raw)
    return [p.field for p in exc.value.problems]


def test_contract_example_loads() -> None:
    raw = {
        "id": "P001",
        "start_date": "2026-01-05",
        "assessments": [
            {
                "date": "2026-01-02",
                "modality": "CT",
                "lesions": [
                    {
                        "id": "L1",
                        "organ": "liver",
                        "target": True,
                        "longest_mm": 52,
                        "perpendicular_mm": 40,
                        "viable_longest_mm": 48,
                        "viable_perpendicular_mm": 35,
                        "typical_hcc": True,
                    }
                ],
                "non_target": [{"id": "N1", "organ": "lung", "status": "present"}],
                "new_lesions": [],
            },
            {
                "date": "2026-03-01",
                "modality": "CT",
                "lesions": [{"id": "L1", "organ": "liver", "target": True, "longest_mm": 50}],
                "new_lesions": [{"organ": "liver", "longest_mm": 12, "typical_hcc": True}],
            },
        ],
        "tace_sessions": [{"date": "2026-01-20", "technique": "cTACE"}],
        "child_pugh": [{"date": "2026-01-21", "score": 10}],
        "events": [{"date": "2026-05-01", "type": "macrovascular_invasion"}],
        "last_contact_date": "2026-09-01",
        "death_date": None,
    }
    tl = parse_timeline(raw)
    assert tl.baseline.lesions[0].viable_longest_mm == 48
    assert tl.last_known_alive.isoformat() == "2026-09-01"


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.json")), ids=lambda p: p.stem)
def test_examples_load(path: Path) -> None:
    parse_timeline(json.loads(path.read_text()))


def test_jsonl_cohort_loads() -> None:
    tls = parse_timelines_jsonl((EXAMPLES / "cohort.jsonl").read_text())
    assert len(tls) == len(list(EXAMPLES.glob("*.json")))


def test_dates_out_of_order() -> None:
    raw = raw_timeline([visit(day(60), [les("L1", 40, 30)]), visit(day(30), [les("L1", 30, 20)])])
    assert _fields(raw) == ["T1.assessments[1](2026-02-01).date"]


def test_lesion_measured_after_death() -> None:
    raw = raw_timeline([[les("L1", 40, 30)], [les("L1", 30, 20)]], death=day(30))
    fields = _fields(raw)
    assert "T1.assessments[1](2026-02-27).lesions[L1]" in fields


def test_target_vanishes_without_declaration() -> None:
    raw = raw_timeline([[les("L1", 40, 30), les("L2", 20, 15)], [les("L1", 30, 20)]])
    with pytest.raises(InputError) as exc:
        parse_timeline(raw)
    (p,) = exc.value.problems
    assert p.field == "T1.assessments[1](2026-02-27).lesions[L2]"
    assert "declare status" in p.allowed


def test_declared_absent_target_is_fine() -> None:
    parse_timeline(raw_timeline([[les("L1", 40, 30)], [les("L1", status="absent")]]))


def test_baseline_without_targets() -> None:
    raw = raw_timeline([[les("L1", 40, 30, target=False)], [les("L1", 30, 20, target=False)]])
    assert _fields(raw) == ["T1.assessments[0](2026-01-02).lesions"]


@pytest.mark.parametrize(
    ("lesion", "field"),
    [
        (les("L1", -4, 3), "longest_mm"),
        (les("L1", 40, 50), "perpendicular_mm"),
        (les("L1", 40, 30, 45, 20), "viable_longest_mm"),
        (les("L1", 40, 30, 20, 25), "viable_perpendicular_mm"),
        (les("L1", 8, 6), "longest_mm"),  # not measurable as a RECIST target
        (les("N", 30, sa=12, organ="lymph_node", typical=None), "short_axis_mm"),
        (les("L1", 1e308, 30), "longest_mm"),  # would overflow the area sums
        (les("L1", 400.5, 30), "longest_mm"),  # above the record's diameter limit (400 mm)
        (les("L1", 400, 401), "perpendicular_mm"),
        (les("L1", 300, 200, float("inf"), 20), "viable_longest_mm"),
        (les("L1", 300, 200, float("nan"), 20), "viable_longest_mm"),
    ],
)
def test_impossible_or_unmeasurable_sizes(lesion: dict[str, object], field: str) -> None:
    raw = raw_timeline([[lesion], [les(str(lesion["id"]), status="not_assessed")]])
    fields = _fields(raw)
    assert any(f.endswith(f"lesions[{lesion['id']}].{field}") for f in fields), fields


def test_diameter_limit_itself_is_accepted() -> None:
    raw = raw_timeline([[les("L1", 400, 400, 400, 400)], [les("L1", 380, 300, 300, 200)]])
    assert parse_timeline(raw).assessments[0].lesions[0].longest_mm == 400


def test_too_many_targets_per_organ() -> None:
    base = [les(f"L{i}", 30, 20) for i in range(3)]
    raw = raw_timeline([base, [les(f"L{i}", status="not_assessed") for i in range(3)]])
    assert any("lesions(liver)" in f for f in _fields(raw))


def test_extrahepatic_event_needs_size() -> None:
    raw = raw_timeline(
        [[les("L1", 40, 30)]], events=[{"date": day(30), "type": "extrahepatic_spread"}]
    )
    assert _fields(raw) == ["T1.events[0](2026-02-01).size_mm"]


def test_unknown_field_and_event_type() -> None:
    raw = raw_timeline([[les("L1", 40, 30)]], events=[{"date": day(30), "type": "explosion"}])
    raw["colour"] = "blue"
    fields = _fields(raw)
    assert "T1.events[0](2026-02-01).type" in fields
    assert "T1.colour" in fields


def test_several_problems_at_once() -> None:
    raw = raw_timeline([[les("L1", 40, 50)], [les("L1", 30, 20)]], death=day(10))
    assert len(_fields(raw)) >= 2


def test_schema_is_json_schema() -> None:
    schema = timeline_json_schema()
    assert schema["$schema"].endswith("2020-12/schema")
    assert {"id", "start_date", "assessments"} <= set(schema["properties"])
    json.dumps(schema)


def test_schema_accepts_the_examples() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = timeline_json_schema()
    for path in sorted(EXAMPLES.glob("*.json")):
        jsonschema.validate(json.loads(path.read_text()), schema)
    bad = json.loads((EXAMPLES / "P002_complete_response.json").read_text())
    bad["assessments"][0]["lesions"][0]["organ"] = "spleen"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)


def test_follow_up_before_start_is_refused() -> None:
    raw = raw_timeline([visit(day(0), [les("A", 40, 30)]), visit(day(1), [les("A", 40, 30)])])
    assert _fields(raw) == ["T1.assessments[1](2026-01-03).date"]
