"""`reproduce("tactics")`: pseudo-data meeting the printed numbers, every row's verdict, the
printed numbers taken from the registry and the paper's data file, Fisher and the design."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import fisher_exact

from tacepath.evidence.registry import registry
from tacepath.literature.reproduce import (
    Reproduction,
    ReproductionRow,
    feasible_splits,
    post_trial_fisher,
    reproduce,
)
from tacepath.literature.reproduce._printed import tactics_printed
from tacepath.literature.reproduce._tactics_subgroups import (
    SECTION_EXPLORATORY,
    SECTION_PPS,
    SECTION_SUBGROUPS,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "r" / "out"


@pytest.fixture(scope="module")
def rep() -> Reproduction:
    return reproduce("tactics")


def _row(rep: Reproduction, quantity: str) -> ReproductionRow:
    return next(r for r in rep.rows if r.quantity == quantity)


# --- Fisher's exact test -------------------------------------------------------------------


def test_fisher_p_equals_r_and_scipy() -> None:
    r_case = next(
        c
        for c in json.loads((FIXTURES / "rmst_fisher.json").read_text())["fisher"]
        if c["name"] == "tactics_post_trial"
    )
    assert r_case["table"] == [[47, 33], [58, 18]]
    got = post_trial_fisher((47, 58), (80, 76))
    assert got.p == pytest.approx(r_case["p"], rel=1e-9)
    assert got.p == pytest.approx(0.0261585518, abs=1e-10)
    assert got.p == pytest.approx(fisher_exact([[47, 33], [58, 18]]).pvalue, rel=1e-12)


def test_fisher_against_the_papers_precision(rep: Reproduction) -> None:
    # The paper prints p = 0.014 (Table 2: Fisher's exact test). The two-sided test on the
    # printed table rounds to 0.026, not 0.014: reported as a difference, not forced.
    two = _row(rep, "Fisher's exact test p, two-sided (post-trial therapy)")
    assert two.paper == 0.014
    assert two.reproduced is not None
    assert round(two.reproduced, 3) == 0.026
    assert two.verdict == "differs"
    # The one-sided p (0.0148) is the nearest reading: 0.014 only if truncated.
    one = _row(rep, "Fisher's exact test p, one-sided (the paper's most likely test)")
    assert one.reproduced is not None
    assert one.reproduced == pytest.approx(
        fisher_exact([[47, 33], [58, 18]], alternative="less").pvalue, rel=1e-12
    )
    assert math.floor(one.reproduced * 1000) / 1000 == 0.014
    assert round(one.reproduced, 3) == 0.015
    assert one.verdict == "close"


def test_no_table_with_the_printed_percentages_gives_a_two_sided_0014() -> None:
    # 58.8 % of 80 and 76.3 % of 76 pin the counts to 47 and 58.
    counts = [
        (a, b)
        for a in range(81)
        for b in range(77)
        if round(100 * a / 80, 1) == 58.8 and round(100 * b / 76, 1) == 76.3
    ]
    assert counts == [(47, 58)]


# --- the pseudo-data -----------------------------------------------------------------------


def test_pseudo_data_meet_every_printed_number(rep: Reproduction) -> None:
    assert rep.os is not None
    data = tactics_printed()
    os_result = next(r for r in registry().get("TACTICS").results if r.endpoint == "os")
    for pseudo, arm in zip(rep.os.arms, ("tace-sorafenib", "tace-alone"), strict=True):
        assert pseudo.all_met, pseudo.unmet
        times = pseudo.ipd["time"].to_numpy()
        at_risk = [(times >= t).sum() for t in data.os_at_risk.times]
        assert at_risk == list(data.os_at_risk.n_risk[arm])
        assert len(pseudo.ipd) == data.os_at_risk.n_risk[arm][0]
        median = rep.os.km[pseudo.arm].median
        assert median == pytest.approx(os_result.medians[arm].value, rel=1e-9)
        assert set(pseudo.ipd["label"]) == {"pseudo-data"}
        assert times.max() <= data.observation.maximum.value
    assert int(rep.os.ipd["event"].sum()) == 131
    assert rep.os.ipd.attrs["label"] == "pseudo-data"


def test_deaths_split_is_calibrated_and_its_sensitivity_reported(rep: Reproduction) -> None:
    assert rep.os is not None
    splits = rep.os.sensitivity
    assert [s.deaths for s in splits] == list(feasible_splits(131, (80, 76)))
    assert splits[0].deaths == (55, 76)
    assert splits[-1].deaths == (80, 51)
    usable = [s for s in splits if s.all_met]
    best = min(usable, key=lambda s: abs(math.log(s.hr / 0.861)))
    assert rep.os.split == best
    assert rep.os.split.deaths == (64, 67)
    hrs = [s.hr for s in splits]
    assert hrs == sorted(hrs)  # more deaths with sorafenib, higher HR
    assert min(hrs) < 0.7
    assert max(hrs) > 1.2


def test_the_printed_numbers_come_from_the_registry(rep: Reproduction) -> None:
    trial = registry().get("TACTICS")
    os_result = next(r for r in trial.results if r.endpoint == "os")
    assert os_result.hr is not None
    assert os_result.hr.ci is not None
    assert _row(rep, "OS hazard ratio, TACE + sorafenib vs TACE alone").paper == os_result.hr.value
    assert _row(rep, "OS hazard ratio 95% CI lower limit").paper == os_result.hr.ci[0]
    assert _row(rep, "OS hazard ratio 95% CI upper limit").paper == os_result.hr.ci[1]
    ci = os_result.medians["tace-alone"].ci
    assert ci is not None
    assert _row(rep, "Median OS 95% CI upper limit, TACE alone").paper == ci[1]
    assert _row(rep, "Deaths, both arms").paper == 131
    for r in rep.rows:
        assert r.source, r.quantity
        assert "Kudo" in r.source


EXPECTED_VERDICTS = {
    "Patients, TACE + sorafenib": "by construction",
    "Patients, TACE alone": "by construction",
    "Deaths, both arms": "by construction",
    "Median OS, TACE + sorafenib": "by construction",
    "Median OS, TACE alone": "by construction",
    "OS hazard ratio, TACE + sorafenib vs TACE alone": "by construction",
    "OS hazard ratio 95% CI lower limit": "close",
    "OS hazard ratio 95% CI upper limit": "close",
    "OS p-value (stratified log-rank)": "not reproducible from what is printed",
    "Median OS 95% CI lower limit, TACE + sorafenib": "close",
    "Median OS 95% CI upper limit, TACE + sorafenib": "close",
    "Median OS 95% CI lower limit, TACE alone": "close",
    "Median OS 95% CI upper limit, TACE alone": "close",
    "Median observation period, all patients": "close",
    "Longest observation time": "close",
    "Patients randomised: sum of the arms": "reproduced",
    "OS deaths implied by the width of the HR's CI": "close",
    "Difference in median OS (ΔOS)": "reproduced",
    "Post-trial anticancer therapy, % of TACE + sorafenib": "reproduced",
    "Post-trial anticancer therapy, % of TACE alone": "reproduced",
    "Fisher's exact test p, two-sided (post-trial therapy)": "differs",
    "Fisher's exact test p, one-sided (the paper's most likely test)": "close",
    "Post-trial sorafenib, % of treated patients, TACE + sorafenib": "reproduced",
    "Post-trial sorafenib, % of treated patients, TACE alone": "reproduced",
    "Events for HR 0.71, 80% power, one-sided alpha 0.15": "differs",
    "Design HR that needs exactly 125 events (80%, one-sided 0.15)": "reproduced",
    "Power with 125 events at HR 0.71 (one-sided alpha 0.15)": "close",
}


def test_every_rows_verdict(rep: Reproduction) -> None:
    seen = set()
    for r in rep.rows:
        if r.section in (SECTION_SUBGROUPS, SECTION_PPS, SECTION_EXPLORATORY):
            continue  # test_reproduce_tactics_subgroups.py
        if r.quantity.startswith("Number at risk at "):
            assert r.verdict == "by construction"
            assert r.difference == 0
            continue
        if "p from the printed HR and CI" in r.quantity:
            assert r.verdict == "reproduced", r.quantity
            continue
        assert r.quantity in EXPECTED_VERDICTS, r.quantity
        assert r.verdict == EXPECTED_VERDICTS[r.quantity], (r.quantity, r.verdict)
        assert r.why
        seen.add(r.quantity)
    assert seen == set(EXPECTED_VERDICTS)
    assert sum(r.quantity.startswith("Number at risk at ") for r in rep.rows) == 18
    assert sum("p from the printed HR and CI" in r.quantity for r in rep.rows) == 3


def test_design_row_reports_121_not_125(rep: Reproduction) -> None:
    row = _row(rep, "Events for HR 0.71, 80% power, one-sided alpha 0.15")
    assert (row.paper, row.reproduced, row.difference) == (125, 121, -4)
    assert "120.28" in row.why
    hr_row = _row(rep, "Design HR that needs exactly 125 events (80%, one-sided 0.15)")
    assert hr_row.reproduced == pytest.approx(0.7147, abs=5e-5)


def test_independent_checks_are_close_to_the_paper(rep: Reproduction) -> None:
    # Not constrained by the construction: the CI limits and the observation period.
    for q in (
        "OS hazard ratio 95% CI lower limit",
        "OS hazard ratio 95% CI upper limit",
        "Median OS 95% CI lower limit, TACE alone",
        "Median observation period, all patients",
    ):
        r = _row(rep, q)
        assert r.reproduced is not None
        assert abs(r.reproduced - r.paper) / r.paper < 0.05, q


def test_json_contract(rep: Reproduction) -> None:
    d = json.loads(json.dumps(rep.to_dict()))
    assert set(d) >= {"rows", "notes", "verdicts", "pseudo_data"}
    for row in d["rows"]:
        assert {"quantity", "paper", "reproduced", "difference", "verdict"} <= set(row)
        assert isinstance(row["paper"], float | int)
        if row["reproduced"] is not None:
            assert row["difference"] == pytest.approx(row["reproduced"] - row["paper"])
    assert d["pseudo_data"]["label"] == "pseudo-data"
    assert d["pseudo_data"]["deaths_split"]["tace_sorafenib"] == 64
    assert sum(d["verdicts"].values()) == len(d["rows"])


def test_text_summary_labels_pseudo_data(rep: Reproduction) -> None:
    text = rep.summary()
    assert "PSEUDO-DATA" in text
    assert "not reproducible from what is printed" in text
    assert "Deaths split sensitivity" in text


def test_at_risk_data_file_is_cited_and_consistent() -> None:
    data = tactics_printed()
    assert data.os_at_risk.times == tuple(np.arange(0, 109, 12).astype(float))
    for counts in data.os_at_risk.n_risk.values():
        assert list(counts) == sorted(counts, reverse=True)
    assert data.source(data.os_at_risk.source).doi == "10.1159/000522547"
    assert "386-445" in data.os_at_risk.where
