"""The shared decision cases are what tests/cases.py says: each patient once, each timeline
with its own snapshot."""

from __future__ import annotations

from tests.cases import decision_cases, example_patients, example_timelines


def test_each_example_patient_is_one_case() -> None:
    ids = [p.id for p in example_patients()]
    assert len(ids) == len(set(ids)) == 21
    # The pathway example keeps P003; the cohort file's different P003 is renamed.
    assert "P003" in ids
    assert "P003-2" in ids


def test_each_timeline_meets_its_own_snapshot() -> None:
    cases = decision_cases()
    assert len(cases) == 21 + len(example_timelines()) == 31
    keys = [(p.id, tl.id if tl else None) for p, tl in cases]
    assert len(keys) == len(set(keys))
    p003 = next(p for p, tl in cases if tl is not None and tl.id == "P003")
    # examples/pathway/P003_snapshot.json: female, 71, assessed 2026-06-29.
    assert (p003.sex, p003.age_years, str(p003.assessment_date)) == ("female", 71, "2026-06-29")
