"""Bonferroni, Holm, Hochberg and graphs (Bretz et al. 2009) equal R, and in the plan.

The references are ``tests/fixtures/r/out/multiplicity.json``, written by
``tests/fixtures/r/multiplicity.R``: R ``p.adjust`` and the paper's algorithm written out in
R (itself checked there against ``p.adjust`` for the Holm, Bonferroni and fixed-sequence
graphs).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tacepath.adam.model import AnalysisData
from tacepath.analysis import run_analysis
from tacepath.analysis.multiplicity import (
    GateInput,
    adjusted_bonferroni,
    adjusted_hochberg,
    adjusted_holm,
    family_test,
    graph_adjusted,
)
from tacepath.analysis.sap import Sap, parse_sap
from tacepath.errors import InputError, InputErrors
from tacepath.interop.adam_io import read_dataset
from tacepath.interop.sap_io import load_sap

ROOT = Path(__file__).resolve().parents[2]
R = json.loads((ROOT / "tests" / "fixtures" / "r" / "out" / "multiplicity.json").read_text())
DATA = ROOT / "tests" / "fixtures" / "r" / "data"
SAP = ROOT / "examples" / "tactics-like" / "sap.yaml"
RTOL = 1e-12
P = st.lists(st.floats(0, 1, allow_nan=False), min_size=1, max_size=8)


@pytest.mark.parametrize("case", sorted(R["p_adjust"]))
def test_p_adjust_equals_r(case: str) -> None:
    want = R["p_adjust"][case]
    for name, fn in (
        ("bonferroni", adjusted_bonferroni),
        ("holm", adjusted_holm),
        ("hochberg", adjusted_hochberg),
    ):
        assert fn(want["p"]) == pytest.approx(want[name], rel=RTOL), name


@pytest.mark.parametrize("case", sorted(R["graphs"]))
def test_graph_equals_the_paper_algorithm_in_r(case: str) -> None:
    want = R["graphs"][case]
    steps = graph_adjusted(want["p"], want["weights"], want["transitions"])
    assert [s.index for s in steps] == want["sequence"]
    adjusted = {s.index: s.adjusted_p for s in steps}
    assert [adjusted[i] for i in range(len(want["p"]))] == pytest.approx(want["adjusted"], rel=RTOL)


@given(P)
def test_holm_and_fixed_sequence_are_graphs(p: list[float]) -> None:
    m = len(p)
    holm_g = [[0.0 if i == j else 1 / (m - 1) for j in range(m)] for i in range(m)]
    got = {s.index: s.adjusted_p for s in graph_adjusted(p, [1 / m] * m, holm_g)}
    assert [got[i] for i in range(m)] == pytest.approx(adjusted_holm(p), rel=1e-12, abs=1e-15)
    seq_g = [[1.0 if j == i + 1 else 0.0 for j in range(m)] for i in range(m)]
    got = {s.index: s.adjusted_p for s in graph_adjusted(p, [1.0] + [0.0] * (m - 1), seq_g)}
    assert [got[i] for i in range(m)] == pytest.approx(
        [min(1.0, max(p[: i + 1])) for i in range(m)], rel=1e-12
    )


@given(P)
def test_hochberg_rejects_at_least_what_holm_does(p: list[float]) -> None:
    holm, hoch, bonf = adjusted_holm(p), adjusted_hochberg(p), adjusted_bonferroni(p)
    for raw, a, b, c in zip(p, holm, hoch, bonf, strict=True):
        assert raw <= b + 1e-15
        assert b <= a + 1e-15
        assert a <= c + 1e-15
        assert c <= 1.0


def test_decisions_on_both_sides_of_alpha() -> None:
    # Holm of (0.01, 0.04): adjusted (0.02, 0.04): at alpha 0.04 both, just below it one.
    steps = [
        GateInput(endpoint=e, p=p, alpha=0.05, gate=0.05) for e, p in (("A", 0.01), ("B", 0.04))
    ]
    both = family_test("holm", steps, 0.04)
    assert [d.rejected for d in both] == [True, True]
    assert [d.rejection_step for d in both] == [1, 2]
    one = family_test("holm", steps, math.nextafter(0.04, 0))
    assert [d.rejected for d in one] == [True, False]
    assert one[1].rejection_step is None
    assert one[1].adjusted_p == pytest.approx(0.04)


def test_undefined_p_rejects_nothing() -> None:
    steps = [GateInput(endpoint="A", p=math.nan, alpha=0.05, gate=0.05)]
    (d,) = family_test("hochberg", steps, 0.05)
    assert not d.rejected
    assert d.adjusted_p == 1.0


def test_hostile_inputs_are_refused() -> None:
    with pytest.raises(InputError, match="p-value"):
        adjusted_holm([0.2, 1.5])
    with pytest.raises(InputError, match="1 to 100"):
        adjusted_holm([0.1] * 101)
    with pytest.raises(InputError, match="summing to at most 1"):
        graph_adjusted([0.1, 0.2], [0.8, 0.8], [[0, 1], [1, 0]])
    with pytest.raises(InputError, match="g_jj"):
        graph_adjusted([0.1, 0.2], [0.5, 0.5], [[0.5, 0.5], [1, 0]])
    with pytest.raises(InputError, match="2 x 2"):
        graph_adjusted([0.1, 0.2], [0.5, 0.5], [[0, 1]])


# --------------------------------------------------------------------------- in the plan


def _data() -> AnalysisData:
    adsl, s1 = read_dataset(DATA / "tactics_like_adsl.csv", kind="ADSL")
    adtte, s2 = read_dataset(DATA / "tactics_like_adtte.csv", kind="ADTTE")
    return AnalysisData(adsl=adsl, adtte=adtte, sources=(s1, s2))


def _plan(testing: dict[str, Any]) -> Sap:
    raw = load_sap(SAP)[0].model_dump(mode="json", exclude_none=True)
    raw["subgroups"] = None
    raw["testing"] = testing
    return parse_sap({k: v for k, v in raw.items() if v is not None})


@pytest.mark.parametrize("procedure", ["holm", "hochberg"])
def test_plan_holm_over_two_endpoints_equals_r(procedure: str) -> None:
    plan = _plan({"procedure": procedure, "steps": [{"endpoint": "TACEPFS"}, {"endpoint": "OS"}]})
    res = run_analysis(plan, _data()).to_dict()
    want = R["analysis_holm"]
    steps = res["gatekeeping"]["steps"]
    assert [s["endpoint"] for s in steps] == want["endpoints"]
    assert [s["p"] for s in steps] == pytest.approx(want["p"], rel=1e-6)
    assert [s["adjusted_p"] for s in steps] == pytest.approx(want[procedure], rel=1e-6)
    assert res["gatekeeping"]["procedure"] == procedure
    for s, adj in zip(steps, want[procedure], strict=True):
        assert s["tested"] is True
        assert s["rejected"] is (adj <= plan.alpha)
        assert res["endpoints"][s["endpoint"]]["rejected"] is s["rejected"]


def test_plan_graph_and_the_fixed_sequence_report_adjusted_p() -> None:
    graph = _plan(
        {
            "procedure": "graph",
            "steps": [{"endpoint": "TACEPFS"}, {"endpoint": "OS"}],
            "weights": [1, 0],
            "transitions": [[0, 1], [0, 0]],
        }
    )
    fixed = load_sap(SAP)[0].model_copy(update={"subgroups": None})
    g = run_analysis(graph, _data()).to_dict()["gatekeeping"]["steps"]
    f = run_analysis(fixed, _data()).to_dict()["gatekeeping"]["steps"]
    p = R["analysis_holm"]["p"]
    assert [s["adjusted_p"] for s in g] == pytest.approx([p[0], max(p)], rel=1e-6)
    assert [s["adjusted_p"] for s in f] == pytest.approx([p[0], max(p)], rel=1e-6)
    assert [s["rejected"] for s in g] == [s["rejected"] for s in f]


@pytest.mark.parametrize(
    ("testing", "message"),
    [
        ({"procedure": "holm", "steps": [{"endpoint": "OS", "alpha": 0.1}]}, "fixed sequence"),
        ({"procedure": "holm", "steps": [{"endpoint": "OS"}], "weights": [1]}, "graph only"),
        (
            {"procedure": "graph", "steps": [{"endpoint": "OS"}, {"endpoint": "TACEPFS"}],
             "weights": [0.7, 0.7], "transitions": [[0, 1], [1, 0]]},
            "summing to at most 1",
        ),
        (
            {"procedure": "graph", "steps": [{"endpoint": "OS"}, {"endpoint": "TACEPFS"}],
             "weights": [0.5, 0.5], "transitions": [[0, 1]]},
            "2 x 2",
        ),
        (
            {"procedure": "graph", "steps": [{"endpoint": "OS"}, {"endpoint": "TACEPFS"}],
             "weights": [0.5, 0.5], "transitions": [[1, 0], [1, 0]]},
            "zero diagonal",
        ),
    ],
)  # fmt: skip
def test_plan_refuses_a_wrong_procedure(testing: dict[str, Any], message: str) -> None:
    with pytest.raises(InputErrors, match=message):
        _plan(testing)


def test_report_draws_the_graph_and_shows_adjusted_p(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    from tacepath.report.trial_report import write_trial_report

    plan = _plan(
        {
            "procedure": "graph",
            "steps": [{"endpoint": "TACEPFS"}, {"endpoint": "OS"}],
            "weights": [0.8, 0.2],
            "transitions": [[0, 1], [1, 0]],
        }
    )
    result = run_analysis(plan, _data())
    files = write_trial_report(result, tmp_path, pdf=False)
    assert (tmp_path / "figures" / "testing_graph.png").stat().st_size > 5_000
    html = files.html.read_text(encoding="utf-8")
    assert "2. Multiplicity (graph)" in html
    assert "The testing graph" in html
    p = R["analysis_holm"]["p"]
    want = graph_adjusted(p, [0.8, 0.2], [[0, 1], [1, 0]])
    for s in want:
        assert result.gatekeeping[s.index].adjusted_p == pytest.approx(s.adjusted_p, rel=1e-6)
    assert result.gatekeeping[0].adjusted_p == pytest.approx(p[0] / 0.8, rel=1e-6)
    assert f'<td class="num">{p[0] / 0.8:.4f}</td>' in html
    saved = json.loads(files.results.read_text(encoding="utf-8"))["gatekeeping"]
    assert saved["weights"] == [0.8, 0.2]
    assert saved["transitions"] == [[0, 1], [1, 0]]
