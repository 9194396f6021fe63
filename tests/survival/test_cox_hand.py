"""Cox model: closed-form cases worked by hand, the result contract, and clear errors."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

from tacepath.errors import InputError, StatisticalWarning
from tacepath.survival._cox import CoxControl, cox_fit, cox_ph
from tacepath.survival._coxfit import ldl, ldl_inverse, ldl_solve, wald_test
from tacepath.survival._zph import cox_zph

# --------------------------------------------------------------- closed-form cases


def test_three_deaths_no_ties_closed_form() -> None:
    # times 1, 2, 3, all events, x = 0, 1, 0:
    # log L(b) = -log(2 + e^b) + b - log(1 + e^b); U(0) = 1/6, I(0) = 17/36;
    # U(b) = 0 at e^b = sqrt(2).
    fit = cox_fit([1, 2, 3], [1, 1, 1], [[0], [1], [0]])
    assert fit.coef[0] == pytest.approx(math.log(2) / 2, rel=1e-9)
    assert fit.score.chisq == pytest.approx((1 / 6) ** 2 / (17 / 36), rel=1e-12)
    assert fit.loglik[0] == pytest.approx(-math.log(3) - math.log(2), rel=1e-12)
    r2 = math.sqrt(2)
    best = -math.log(2 + r2) + math.log(r2) - math.log(1 + r2)
    assert fit.loglik[1] == pytest.approx(best, rel=1e-12)
    info = 2 * r2 / (2 + r2) ** 2 + r2 / (1 + r2) ** 2
    assert fit.se[0] == pytest.approx(1 / math.sqrt(info), rel=1e-9)


def test_tied_deaths_efron_and_breslow_closed_form() -> None:
    # times 1, 1, 2 (all events), x = 1, 0, 0.
    # Breslow: log L = b - 2 log(e^b + 2), maximum at e^b = 2.
    # Efron:   log L = b - log(e^b + 2) - log((e^b + 3) / 2), maximum at e^b = sqrt(6).
    t, e, x = [1, 1, 2], [1, 1, 1], [[1], [0], [0]]
    breslow = cox_fit(t, e, x, ties="breslow")
    efron = cox_fit(t, e, x, ties="efron")
    assert breslow.coef[0] == pytest.approx(math.log(2), rel=1e-9)
    assert efron.coef[0] == pytest.approx(math.log(6) / 2, rel=1e-9)
    # Breslow at 0: U = 1 - 2/3, I = 2 * var{1,0,0} = 4/9
    assert breslow.score.chisq == pytest.approx((1 / 3) ** 2 / (4 / 9), rel=1e-12)
    # Efron at 0: the second term weighs the two deaths by 1/2 (set {1/2 x 1, 1/2 x 0, 0}:
    # total 2, mean 1/4, variance 1/4 - 1/16), so U = 1 - 1/3 - 1/4, I = 2/9 + 3/16
    u0 = 1 - 1 / 3 - 1 / 4
    i0 = 2 / 9 + 3 / 16
    assert efron.score.chisq == pytest.approx(u0**2 / i0, rel=1e-12)


def test_integer_weights_equal_replicated_rows() -> None:
    # Exactly so for Breslow's ties; Efron's correction counts tied rows, not weights (R too).
    rng = np.random.default_rng(11)
    n = 40
    df = pd.DataFrame(
        {
            "time": rng.integers(1, 12, n).astype(float),
            "status": (rng.random(n) < 0.7).astype(int),
            "x": rng.normal(size=n),
            "w": rng.integers(1, 4, n),
        }
    )
    kw = {"time": "time", "event": "status", "covariates": ["x"], "ties": "breslow"}
    weighted = cox_ph(df, weights="w", **kw)  # type: ignore[arg-type]
    rep = df.loc[df.index.repeat(df["w"])].reset_index(drop=True)
    replicated = cox_ph(rep, **kw)  # type: ignore[arg-type]
    np.testing.assert_allclose(weighted.coef, replicated.coef, rtol=1e-9)
    np.testing.assert_allclose(weighted.se, replicated.se, rtol=1e-9)
    np.testing.assert_allclose(weighted.loglik, replicated.loglik, rtol=1e-12)
    assert weighted.concordance == pytest.approx(replicated.concordance, rel=1e-12)
    assert weighted.robust_se is None  # integer weights: R keeps the naive variance


def test_non_integer_weights_use_robust_variance() -> None:
    df = pd.DataFrame(
        {
            "time": [1.0, 2, 3, 4, 5, 6, 7, 8],
            "status": [1, 1, 0, 1, 1, 0, 1, 1],
            "x": [0.5, 1.0, -0.2, 0.3, 2.0, 1.1, -1.0, 0.0],
            "w": [1.5, 1, 1, 2, 0.5, 1, 1, 1],
        }
    )
    fit = cox_ph(df, time="time", event="status", covariates=["x"], weights="w")
    assert fit.robust_se is not None
    assert fit.robust_score is not None
    assert fit.z[0] == pytest.approx(fit.coef[0] / fit.robust_se[0])


# ------------------------------------------------------------------ LDL helpers


def test_ldl_matches_numpy_on_positive_definite() -> None:
    rng = np.random.default_rng(3)
    a = rng.normal(size=(5, 5))
    m = a @ a.T + 5 * np.eye(5)
    fact, rank = ldl(m, 1e-12)
    assert rank == 5
    np.testing.assert_allclose(ldl_inverse(fact), np.linalg.inv(m), rtol=1e-10)
    y = rng.normal(size=5)
    np.testing.assert_allclose(ldl_solve(fact, y), np.linalg.solve(m, y), rtol=1e-10)


def test_ldl_drops_redundant_column() -> None:
    x = np.array([[1.0, 2.0, 3.0], [2.0, 1.0, 3.0], [0.5, 0.5, 1.0], [1.0, 0.0, 1.0]])
    m = x.T @ x  # third column = first + second
    fact, rank = ldl(m, 1e-9)
    assert rank == 2
    inv = ldl_inverse(fact)
    assert np.all(inv[2] == 0)
    assert np.all(inv[:, 2] == 0)
    np.testing.assert_allclose(inv[:2, :2], np.linalg.inv(m[:2, :2]), rtol=1e-10)
    stat, df = wald_test(m, np.array([1.0, 1.0, 0.0]), 1e-9)
    assert df == 2
    b = np.array([1.0, 1.0])
    assert stat == pytest.approx(b @ np.linalg.solve(m[:2, :2], b), rel=1e-10)


# --------------------------------------------------------------- result contract


@pytest.fixture(scope="module")
def small() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    n = 60
    x = rng.normal(size=n)
    arm = rng.choice(["a", "b", "c"], n)
    t = rng.exponential(np.exp(-0.5 * x - 0.4 * (arm == "b")))
    c = rng.exponential(1.5, n)
    return pd.DataFrame(
        {
            "time": np.round(np.minimum(t, c), 2) + 0.01,
            "status": (t <= c).astype(int),
            "x": x,
            "arm": arm,
            "site": rng.integers(0, 3, n),
            "id": np.arange(n) // 2,
        }
    )


def test_to_dict_has_the_contract_keys(small: pd.DataFrame) -> None:
    fit = cox_ph(small, time="time", event="status", covariates=["x", "arm"], categorical=["arm"])
    d = fit.to_dict()
    required = {
        "terms",
        "coef",
        "se",
        "robust_se",
        "hr",
        "hr_lower",
        "hr_upper",
        "loglik",
        "wald",
        "lr",
        "score",
        "concordance",
        "n",
        "n_event",
    }
    assert required <= set(d)
    assert d["terms"] == ["x", "armb", "armc"]
    assert d["robust_se"] is None
    assert len(d["loglik"]) == 2
    assert set(d["wald"]) == {"chisq", "df", "p"}
    assert d["n"] == 60
    assert d["n_event"] == int(small["status"].sum())
    frame = fit.to_frame()
    assert list(frame.columns) == [
        "term",
        "coef",
        "hr",
        "se",
        "robust_se",
        "z",
        "p",
        "hr_lower",
        "hr_upper",
    ]
    assert list(frame["term"]) == ["x", "armb", "armc"]
    text = fit.summary()
    assert "Likelihood ratio test" in text
    assert "armb" in text
    assert "Concordance=" in text
    assert "exp(-coef)" in text


def test_cluster_gives_robust_and_naive_se(small: pd.DataFrame) -> None:
    plain = cox_ph(small, time="time", event="status", covariates=["x"])
    clustered = cox_ph(small, time="time", event="status", covariates=["x"], cluster="id")
    np.testing.assert_allclose(plain.coef, clustered.coef)
    np.testing.assert_allclose(plain.se, clustered.se)
    assert clustered.robust_se is not None
    assert clustered.robust_se[0] != pytest.approx(clustered.se[0])
    lower = math.exp(clustered.coef[0] - 1.959963984540054 * clustered.robust_se[0])
    assert clustered.hr_lower[0] == pytest.approx(lower)
    assert "robust se" in clustered.summary()


def test_conf_level_changes_only_the_interval(small: pd.DataFrame) -> None:
    a = cox_ph(small, time="time", event="status", covariates=["x"])
    b = cox_ph(small, time="time", event="status", covariates=["x"], conf_level=0.9)
    assert a.coef[0] == b.coef[0]
    assert b.hr_lower[0] > a.hr_lower[0]
    assert b.hr_upper[0] < a.hr_upper[0]


def test_strata_profile_selects_one_curve(small: pd.DataFrame) -> None:
    fit = cox_ph(small, time="time", event="status", covariates=["x"], strata="site")
    one = fit.predict_survival({"x": 0.0, "site": 1})
    assert one.strata is None
    every = fit.predict_survival({"x": 0.0})
    assert every.strata is not None
    assert set(every.strata) == {"0", "1", "2"}
    mask = np.array([s == "1" for s in every.strata])
    np.testing.assert_allclose(every.surv[mask], one.surv)
    assert np.all(np.diff(one.surv) <= 0)
    assert np.all((one.lower <= one.surv + 1e-15) & (one.surv <= one.upper + 1e-15))


def test_polars_and_mapping_inputs_agree(small: pd.DataFrame) -> None:
    pl = pytest.importorskip("polars")
    base = cox_ph(small, time="time", event="status", covariates=["x"])
    from_polars = cox_ph(pl.from_pandas(small), time="time", event="status", covariates=["x"])
    as_mapping = {k: small[k].to_numpy() for k in small.columns}
    from_mapping = cox_ph(as_mapping, time="time", event="status", covariates=["x"])
    np.testing.assert_allclose(from_polars.coef, base.coef, rtol=1e-12)
    np.testing.assert_allclose(from_mapping.coef, base.coef, rtol=1e-12)


def test_zph_terms_false_tests_each_column(small: pd.DataFrame) -> None:
    fit = cox_ph(small, time="time", event="status", covariates=["x", "arm"], categorical=["arm"])
    by_term = cox_zph(fit)
    by_column = cox_zph(fit, terms=False)
    assert by_term.rows == ("x", "arm", "GLOBAL")
    assert by_term.df == (1, 2, 3)
    assert by_column.rows == ("x", "armb", "armc", "GLOBAL")
    assert by_column.chisq[-1] == pytest.approx(by_term.chisq[-1], rel=1e-10)
    assert by_term.chisq[0] == pytest.approx(by_column.chisq[0], rel=1e-10)


# ------------------------------------------------------------------ warnings


def test_separation_warns_and_records() -> None:
    df = pd.DataFrame(
        {"time": [1.0, 2, 3, 4, 5, 6], "status": [1, 1, 1, 1, 1, 1], "x": [1, 1, 1, 0, 0, 0]}
    )
    with pytest.warns(StatisticalWarning, match="coefficient may be infinite"):
        fit = cox_ph(df, time="time", event="status", covariates=["x"])
    assert fit.coef[0] > 10
    assert fit.converged
    assert any("infinite" in w for w in fit.to_dict()["warnings"])


def test_iteration_limit_warns(small: pd.DataFrame) -> None:
    with pytest.warns(StatisticalWarning, match="Ran out of iterations"):
        fit = cox_ph(
            small, time="time", event="status", covariates=["x"], control=CoxControl(iter_max=2)
        )
    assert not fit.converged
    assert fit.iterations == 3


def test_aliased_column_gets_nan(small: pd.DataFrame) -> None:
    df = small.assign(x2=2 * small["x"])
    fit = cox_ph(df, time="time", event="status", covariates=["x", "x2"])
    assert math.isnan(fit.coef[1])
    assert not math.isnan(fit.coef[0])
    assert fit.to_dict()["coef"][1] is None
    assert fit.lr.df == 1
    ref = cox_ph(small, time="time", event="status", covariates=["x"])
    assert fit.coef[0] == pytest.approx(ref.coef[0], rel=1e-9)


# --------------------------------------------------------------------- errors


def test_missing_column_is_named(small: pd.DataFrame) -> None:
    with pytest.raises(InputError, match="nope"):
        cox_ph(small, time="time", event="status", covariates=["nope"])


def test_text_column_must_be_categorical(small: pd.DataFrame) -> None:
    with pytest.raises(InputError, match="arm") as err:
        cox_ph(small, time="time", event="status", covariates=["arm"])
    assert err.value.problem.field == "covariates"


def test_categorical_with_one_level(small: pd.DataFrame) -> None:
    df = small.assign(one="same")
    with pytest.raises(InputError, match="two distinct values"):
        cox_ph(df, time="time", event="status", covariates=["one"], categorical=["one"])


def test_bad_ties_names_the_allowed_set(small: pd.DataFrame) -> None:
    with pytest.raises(InputError, match="'efron', 'breslow'"):
        cox_ph(small, time="time", event="status", covariates=["x"], ties="exact")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"categorical": ["arm"]}, "categorical"),
        ({"reference": {"x": 1}}, "reference"),
        (
            {"covariates": ["x", "arm"], "categorical": ["arm"], "reference": {"arm": "z"}},
            "reference['arm']",
        ),
        ({"conf_level": 1.5}, "conf_level"),
        ({"covariates": []}, "covariates"),
        ({"covariates": ["x", "x"]}, "covariates"),
        ({"strata": "nowhere"}, "strata"),
    ],
)
def test_invalid_arguments(small: pd.DataFrame, kwargs: dict[str, object], field: str) -> None:
    args: dict[str, object] = {"time": "time", "event": "status", "covariates": ["x"]}
    args.update(kwargs)
    with pytest.raises(InputError) as err:
        cox_ph(small, **args)  # type: ignore[arg-type]
    assert err.value.problem.field == field


def test_zero_weight_and_no_events_are_refused(small: pd.DataFrame) -> None:
    with pytest.raises(InputError, match="weights > 0"):
        cox_ph(small.assign(w=0.0), time="time", event="status", covariates=["x"], weights="w")
    with pytest.raises(InputError, match="at least one event"):
        cox_ph(small.assign(status=0), time="time", event="status", covariates=["x"])


def test_control_is_validated() -> None:
    assert CoxControl().inf_tolerance == pytest.approx(math.sqrt(1e-9))
    assert CoxControl(eps=1e-6).toler_inf == pytest.approx(1e-3)
    with pytest.raises(InputError, match="iter_max"):
        CoxControl(iter_max=-1)
    with pytest.raises(InputError, match="eps"):
        CoxControl(eps=0.0)


def test_profile_errors(small: pd.DataFrame) -> None:
    fit = cox_ph(small, time="time", event="status", covariates=["x", "arm"], categorical=["arm"])
    with pytest.raises(InputError, match="arm"):
        fit.predict_survival({"x": 0.0})
    with pytest.raises(InputError, match="level"):
        fit.predict_survival({"x": 0.0, "arm": "zzz"})


def test_cox_fit_checks_shapes() -> None:
    with pytest.raises(InputError, match="rows"):
        cox_fit([1, 2, 3], [1, 0, 1], [[1.0], [2.0]])
    with pytest.raises(InputError, match="0/1"):
        cox_fit([1, 2, 3], [1, 2, 1], [[1.0], [2.0], [0.0]])
    with pytest.raises(InputError, match="names"):
        cox_fit([1, 2, 3], [1, 0, 1], [[1.0], [2.0], [0.0]], names=["a", "b"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit = cox_fit([1, 2, 3, 4], [1, 0, 1, 1], [[1.0], [2.0], [0.0], [1.5]], names=["dose"])
    assert fit.terms == ("dose",)


def test_many_strata_use_the_global_sums(monkeypatch: pytest.MonkeyPatch) -> None:
    import tacepath.survival._coxfit as core

    rng = np.random.default_rng(8)
    n = 900
    df = pd.DataFrame(
        {
            "time": rng.integers(1, 30, n).astype(float),
            "status": (rng.random(n) < 0.7).astype(int),
            "x": rng.normal(size=n),
            "s": rng.integers(0, 300, n),
            "start": 0.0,
        }
    )
    args = {"time": "time", "event": "status", "covariates": ["x"], "strata": "s"}
    looped = cox_ph(df, **args)  # type: ignore[arg-type]
    looped_cp = cox_ph(df, start="start", **args)  # type: ignore[arg-type]
    monkeypatch.setattr(core, "_LOOP_STRATA", 0)
    global_sums = cox_ph(df, **args)  # type: ignore[arg-type]
    global_cp = cox_ph(df, start="start", **args)  # type: ignore[arg-type]
    for a, b in ((looped, global_sums), (looped_cp, global_cp), (looped, looped_cp)):
        np.testing.assert_allclose(a.coef, b.coef, rtol=1e-9)
        np.testing.assert_allclose(a.se, b.se, rtol=1e-9)
        np.testing.assert_allclose(a.loglik, b.loglik, rtol=1e-12)


def test_constant_covariate_is_redundant(small: pd.DataFrame) -> None:
    fit = cox_ph(small.assign(k=3.0), time="time", event="status", covariates=["x", "k"])
    assert math.isnan(fit.coef[1])
    assert not math.isnan(fit.coef[0])


def test_iter_max_zero_keeps_the_start(small: pd.DataFrame) -> None:
    fit = cox_ph(
        small, time="time", event="status", covariates=["x"], control=CoxControl(iter_max=0)
    )
    assert fit.coef[0] == 0.0
    assert fit.iterations == 0
    assert fit.loglik[0] == fit.loglik[1]
