"""The same analysis from pandas, polars and a mapping of columns gives the same numbers."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from tacepath.errors import InputError
from tacepath.survival import cox_ph, kaplan_meier, logrank_test
from tests.survival.rfixtures import FIXTURES, dataset


def test_polars_and_mapping_inputs_equal_pandas() -> None:
    pdf = dataset("lung")
    plf = pl.read_csv(FIXTURES / "data" / "lung.csv", null_values="")
    mapping = {c: pdf[c].to_numpy() for c in ("time", "status", "sex", "age")}
    for data in (plf, mapping):
        a = kaplan_meier(pdf, time="time", event="status", group="sex").to_frame()
        b = kaplan_meier(data, time="time", event="status", group="sex").to_frame()
        np.testing.assert_allclose(a["surv"], b["surv"], rtol=1e-15)
        assert logrank_test(data, time="time", event="status", group="sex").chisq == (
            pytest.approx(logrank_test(pdf, time="time", event="status", group="sex").chisq)
        )
        ca = cox_ph(
            pdf, time="time", event="status", covariates=["age", "sex"], categorical=["sex"]
        )
        cb = cox_ph(
            data, time="time", event="status", covariates=["age", "sex"], categorical=["sex"]
        )
        np.testing.assert_allclose(ca.coef, cb.coef, rtol=1e-12)


def test_boolean_events_are_accepted() -> None:
    d = dataset("lung").assign(dead=lambda f: f["status"] == 1)
    a = kaplan_meier(d, time="time", event="dead")
    b = kaplan_meier(d, time="time", event="status")
    np.testing.assert_array_equal(a.curves[0].surv, b.curves[0].surv)


def test_not_a_table_is_refused() -> None:
    with pytest.raises(InputError, match="a pandas or polars DataFrame"):
        kaplan_meier([1, 2, 3], time="t", event="e")
