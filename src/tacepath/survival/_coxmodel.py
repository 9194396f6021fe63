"""The design of a Cox model: covariate columns to a numeric matrix, strata to codes.

Kept apart from the fitting so that a covariate profile (for a predicted survival curve)
is coded exactly as the data were: numeric columns as they are, booleans as
``<name>TRUE``, categorical columns as treatment-coded indicators named ``<name><level>``
(R's ``model.matrix`` names), reference level first as R sorts levels unless chosen.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from tacepath.errors import InputError
from tacepath.survival._data import FloatArray, IntArray, group_codes

__all__ = [
    "CoxModel",
    "TermSpec",
    "design_matrix",
    "encode_profile",
    "model_of",
    "model_terms",
    "strata_codes",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class TermSpec:
    """How one covariate column becomes design columns.

    ``kind`` is ``numeric`` (one column), ``logical`` (one column ``<name>TRUE``) or
    ``factor`` (one indicator per non-reference level, ``levels`` with the reference
    first).
    """

    column: str
    kind: Literal["numeric", "logical", "factor"]
    levels: tuple[Any, ...]
    columns: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class CoxModel:
    """What a fitted model keeps for prediction and diagnostics (rows as fitted).

    ``beta`` has 0 for redundant columns; ``means`` are R's centring values (weighted
    column means for right-censored data, unweighted for counting-process data, 0 for
    columns of -1/0/1); ``lp`` is R's ``linear.predictors``; ``var`` the variance in use.
    """

    x: FloatArray
    time: FloatArray
    start: FloatArray | None
    status: FloatArray
    weights: FloatArray | None
    strata: IntArray | None
    strata_labels: tuple[str, ...]
    strata_columns: tuple[str, ...]
    names: tuple[str, ...]
    specs: tuple[TermSpec, ...]
    beta: FloatArray
    means: FloatArray
    var: FloatArray
    lp: FloatArray
    efron: bool

    def assign(self) -> list[tuple[str, list[int]]]:
        """Each covariate (term) and the indices of its design columns."""
        out: list[tuple[str, list[int]]] = []
        j = 0
        for spec in self.specs:
            k = len(spec.columns)
            out.append((spec.column, list(range(j, j + k))))
            j += k
        return out


def model_of(result: object) -> CoxModel:
    """The fitted model kept by a Cox result; anything else is refused."""
    model = getattr(result, "model", None)
    if not isinstance(model, CoxModel):
        raise InputError("result", type(result).__name__, "a CoxResult from cox_ph or cox_fit")
    return model


def _label(v: Any) -> str:
    if isinstance(v, bool | np.bool_):
        return "TRUE" if v else "FALSE"
    return str(v)


def _is_text(values: npt.NDArray[Any]) -> bool:
    if values.dtype.kind in "OUS":
        return any(isinstance(v, str | bytes) for v in values.tolist())
    return False


def _match_level(levels: Sequence[Any], value: Any, column: str, role: str) -> int:
    for i, lev in enumerate(levels):
        if lev == value or _label(lev) == _label(value):
            return i
    shown = ", ".join(_label(v) for v in levels)
    raise InputError(role, value, f"a level of {column!r} ({shown})")


def model_terms(
    covariates: str | Sequence[str],
    categorical: str | Sequence[str],
    reference: Mapping[str, Any] | None,
) -> tuple[tuple[str, ...], tuple[str, ...], dict[str, Any]]:
    """The covariates, the categorical ones among them and their reference levels, checked:
    at least one covariate, no name twice, categorical ones among the covariates and
    references only for categorical ones (the arguments of ``cox_ph`` and ``fine_gray``)."""
    covs = (covariates,) if isinstance(covariates, str) else tuple(covariates)
    if not covs:
        raise InputError("covariates", "[]", "at least one covariate column")
    if len(set(covs)) != len(covs):
        raise InputError("covariates", list(covs), "distinct column names")
    cats = (categorical,) if isinstance(categorical, str) else tuple(categorical)
    for c in cats:
        if c not in covs:
            raise InputError("categorical", c, f"one of the covariates {list(covs)}")
    refs = dict(reference or {})
    for c in refs:
        if c not in cats:
            raise InputError("reference", c, f"a categorical covariate {list(cats)}")
    return covs, cats, refs


def design_matrix(
    columns: Mapping[str, npt.NDArray[Any]],
    covariates: Sequence[str],
    categorical: Sequence[str],
    reference: Mapping[str, Any],
) -> tuple[FloatArray, tuple[str, ...], tuple[TermSpec, ...]]:
    """The design matrix, its column names (R's) and how each covariate was coded."""
    blocks: list[FloatArray] = []
    names: list[str] = []
    specs: list[TermSpec] = []
    for col in covariates:
        values = columns[col]
        if col in categorical:
            levels, codes = group_codes(values)
            if len(levels) < 2:
                raise InputError("categorical", col, "a column with at least two distinct values")
            ref = 0
            if col in reference:
                ref = _match_level(levels, reference[col], col, f"reference[{col!r}]")
            order = [ref] + [i for i in range(len(levels)) if i != ref]
            ordered = tuple(levels[i] for i in order)
            cols = tuple(f"{col}{_label(lev)}" for lev in ordered[1:])
            block = np.zeros((values.shape[0], len(cols)))
            for k, i in enumerate(order[1:]):
                block[:, k] = codes == i
            blocks.append(block)
            names.extend(cols)
            specs.append(TermSpec(column=col, kind="factor", levels=ordered, columns=cols))
        elif values.dtype.kind == "b":
            blocks.append(values.astype(float)[:, None])
            names.append(f"{col}TRUE")
            specs.append(TermSpec(column=col, kind="logical", levels=(), columns=(f"{col}TRUE",)))
        elif values.dtype.kind in "fiu":
            blocks.append(values.astype(float)[:, None])
            names.append(col)
            specs.append(TermSpec(column=col, kind="numeric", levels=(), columns=(col,)))
        elif _is_text(values):
            raise InputError(
                "covariates", col, "a numeric column, or one listed in categorical (text)"
            )
        else:
            try:
                blocks.append(values.astype(float)[:, None])
            except (TypeError, ValueError):
                raise InputError(
                    "covariates", col, "a numeric column, or one listed in categorical"
                ) from None
            names.append(col)
            specs.append(TermSpec(column=col, kind="numeric", levels=(), columns=(col,)))
    x = np.hstack(blocks) if blocks else np.zeros((0, 0))
    return np.asarray(x, dtype=float), tuple(names), tuple(specs)


def strata_codes(
    columns: Mapping[str, npt.NDArray[Any]], strata: Sequence[str]
) -> tuple[IntArray | None, tuple[str, ...]]:
    """Stratum of each row and the labels (``col=value``, joined by ``, ``) in R's order."""
    if not strata:
        return None, ()
    per = [group_codes(columns[c]) for c in strata]
    n = per[0][1].shape[0]
    if len(per) == 1:
        levels, codes = per[0]
        return codes, tuple(_label(v) for v in levels)
    keys = np.column_stack([codes for _, codes in per])
    combos, codes = np.unique(keys, axis=0, return_inverse=True)
    labels = tuple(
        ", ".join(
            f"{c}={_label(per[j][0][int(k)])}"
            for j, (c, k) in enumerate(zip(strata, row, strict=True))
        )
        for row in combos
    )
    return codes.reshape(n).astype(np.intp), labels


def encode_profile(model: CoxModel, profile: Mapping[str, Any]) -> tuple[FloatArray, int | None]:
    """A covariate profile as a design row, and its stratum (None: all strata)."""
    row: list[float] = []
    for spec in model.specs:
        if spec.column not in profile:
            raise InputError("profile", spec.column, "a value for every covariate")
        value = profile[spec.column]
        if spec.kind == "factor":
            i = _match_level(spec.levels, value, spec.column, f"profile[{spec.column!r}]")
            row.extend(1.0 if k == i else 0.0 for k in range(1, len(spec.levels)))
        else:
            try:
                number = float(value)
            except (TypeError, ValueError):
                number = math.nan
            if not math.isfinite(number):
                raise InputError(f"profile[{spec.column!r}]", value, "a finite number")
            row.append(number)
    stratum: int | None = None
    present = [c for c in model.strata_columns if c in profile]
    if present and len(present) == len(model.strata_columns):
        if len(model.strata_columns) == 1:
            label = _label(_plain(profile[model.strata_columns[0]]))
        else:
            label = ", ".join(f"{c}={_label(_plain(profile[c]))}" for c in model.strata_columns)
        if label not in model.strata_labels:
            raise InputError(
                "profile", label, f"a stratum of the fit ({', '.join(model.strata_labels)})"
            )
        stratum = model.strata_labels.index(label)
    elif present:
        raise InputError("profile", present, f"all strata columns {list(model.strata_columns)}")
    return np.asarray(row, dtype=float), stratum


def _plain(v: Any) -> Any:
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v
