"""Trial-level surrogacy: Pearson's r (weighted), Fisher-z CIs, the registry's trials and HRs."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import norm, pearsonr

from tacepath.evidence.registry import registry
from tacepath.literature.surrogacy import (
    MAIN_CHOICES,
    fisher_z_interval,
    pearson,
    surrogacy,
    trial_points,
    weighted_line,
)

X = [0.59, 0.61, 0.797, 0.99, 0.858]
Y = [0.861, 0.90, 0.898, 0.91, 1.09]


def test_unweighted_pearson_equals_scipy() -> None:
    assert pearson(X, Y) == pytest.approx(pearsonr(X, Y).statistic, rel=1e-12)
    assert pearson(np.log(X), np.log(Y)) == pytest.approx(
        pearsonr(np.log(X), np.log(Y)).statistic, rel=1e-12
    )


def test_weighted_pearson() -> None:
    # equal weights: the ordinary coefficient
    assert pearson(X, Y, [3.0] * 5) == pytest.approx(pearson(X, Y), rel=1e-12)
    # integer weights: the ordinary coefficient of the data with each pair repeated
    w = [1, 2, 1, 3, 2]
    rx = np.repeat(X, w)
    ry = np.repeat(Y, w)
    assert pearson(X, Y, w) == pytest.approx(pearsonr(rx, ry).statistic, rel=1e-12)
    assert math.isnan(pearson([1, 1, 1], [1, 2, 3]))


def test_fisher_z_interval_by_hand() -> None:
    lo, hi = fisher_z_interval(0.5, 28)
    half = norm.ppf(0.975) / 5
    assert lo == pytest.approx(math.tanh(math.atanh(0.5) - half), rel=1e-12)
    assert hi == pytest.approx(math.tanh(math.atanh(0.5) + half), rel=1e-12)
    assert fisher_z_interval(0.5, 3) == (None, None)


def test_weighted_line_recovers_a_line() -> None:
    x = np.array([0.1, 0.2, 0.5, 0.9])
    slope, intercept = weighted_line(x, 0.3 + 2 * x, [1, 5, 2, 7])
    assert (slope, intercept) == pytest.approx((2.0, 0.3))


def test_trials_hrs_and_sources_come_from_the_registry() -> None:
    points, excluded = trial_points()
    assert [p.trial for p in points] == ["BRISK-TA", "SPACE", "TACE-2", "ORIENTAL", "TACTICS"]
    assert [t for t, _ in excluded] == ["POST-TACE"]
    assert "not stored" in excluded[0][1]
    reg = registry()
    for p, choice in zip(points, [c for c in MAIN_CHOICES if c.trial != "POST-TACE"], strict=True):
        trial = reg.get(p.trial)
        res = next(
            r
            for r in trial.results
            if r.endpoint == choice.endpoint and choice.analysis in r.analysis
        )
        assert res.hr is not None
        assert p.surrogate_hr == res.hr.value
        assert p.surrogate_source == trial.source(res.hr.source).text()
        assert trial.n is not None
        assert p.n == trial.n.value
    tactics = points[-1]
    assert (tactics.surrogate_hr, tactics.os_hr) == (0.59, 0.861)


def test_surrogacy_result() -> None:
    res = surrogacy()
    assert len(res.points) == 5
    x = [p.surrogate_hr for p in res.points]
    y = [p.os_hr for p in res.points]
    w = [p.n for p in res.points]
    u = res.correlation("hr", weighted=False)
    assert u.r == pytest.approx(pearsonr(x, y).statistic, rel=1e-12)
    lw = res.correlation("log-hr", weighted=True)
    assert lw.r == pytest.approx(pearson(np.log(x), np.log(y), w), rel=1e-12)
    assert (lw.lower, lw.upper) == pytest.approx(fisher_z_interval(lw.r, 5))
    assert lw.n_trials == 5
    assert len(res.correlations) == 4
    # leave-one-out: one entry per trial, each on four trials
    assert [x.left_out for x in res.leave_one_out] == [p.trial for p in res.points]
    for loo in res.leave_one_out:
        assert all(c.n_trials == 4 for c in loo.correlations)
    # the paper's value is quoted, never reproduced
    assert res.paper.value == 0.56
    assert "quoted, not reproduced" in res.to_dict()["paper"]["status"]
    assert not any(c.r == pytest.approx(0.56, abs=1e-3) for c in res.correlations)
    assert len(res.variants) == 3
    assert "POST-TACE" in res.notes[0]


def test_variants_swap_the_registry_hrs() -> None:
    res = surrogacy()
    updated = res.variants[0]
    assert next(p for p in updated.points if p.trial == "TACTICS").surrogate_hr == 0.661
    ttdp = res.variants[1]
    assert next(p for p in ttdp.points if p.trial == "BRISK-TA").surrogate_hr == 0.94
