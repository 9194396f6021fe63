"""The Dask plumbing of :mod:`tacepath.survival.distributed`: partitions, tree reductions,
and the counts per (labels..., time) cell that Kaplan–Meier and log-rank need.

A reduction runs ``chunk(i, partition_i, *args)`` on every partition and combines the
results pairwise with :meth:`dask.bag.Bag.reduction` (``split_every`` per node of the
tree), on the Dask client in use or, without one, on threads.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd

from tacepath.errors import InputError, InputErrors, Problem
from tacepath.survival._data import FloatArray, aeq_sorted, column
from tacepath.survival._input import SurvivalData

__all__ = [
    "MAX_SPLIT",
    "SPLIT_EVERY",
    "Table",
    "add_tables",
    "check_split",
    "checked_part",
    "count_cells",
    "in_partition",
    "label_keys",
    "partitions",
    "persist",
    "pooled_counts",
    "reduction",
    "timefixed",
]

#: Partial results combined per node of the reduction tree (Dask's ``split_every``).
SPLIT_EVERY = 8

_T = TypeVar("_T")


# ------------------------------------------------------------------ Dask plumbing


def partitions(data: Any, columns: Sequence[tuple[str, str]]) -> list[Any]:
    """The partitions of a Dask DataFrame, as Dask delayed objects, once the columns each
    ``(parameter, column)`` names are known to be among its columns."""
    meta = getattr(data, "_meta", None)
    if not hasattr(data, "to_delayed") or not isinstance(meta, pd.DataFrame):
        raise InputError("data", type(data).__name__, "a Dask DataFrame")
    for param, name in columns:
        column(meta, name, role=param)
    return list(data.to_delayed())


def scheduler() -> str | None:
    """The Dask client in use (None), or threads when there is none (a bag's own default
    would be processes)."""
    import dask

    return None if dask.config.get("scheduler", None) else "threads"


def persist(parts: list[Any]) -> list[Any]:
    """The partitions computed and kept in memory (on the workers when there is a client)."""
    from dask.base import persist as dask_persist

    return list(dask_persist(*parts, scheduler=scheduler()))  # type: ignore[no-untyped-call]


def _item(i: int, part: _T) -> list[tuple[int, _T]]:
    return [(i, part)]


def _chunk(fn: Callable[..., Any], args: tuple[Any, ...], seq: Sequence[Any]) -> Any:
    return fn(*seq[0], *args)


def _fold(combine: Callable[[Any, Any], Any], results: Sequence[Any]) -> Any:
    return functools.reduce(combine, results)


def reduction(
    parts: list[Any],
    chunk: Callable[..., Any],
    combine: Callable[[Any, Any], Any],
    *args: Any,
    split_every: int,
) -> Any:
    """``chunk(i, part_i, *args)`` of every partition, combined pairwise by a Dask tree
    reduction (:meth:`dask.bag.Bag.reduction`, ``split_every`` results per node)."""
    import dask.bag as db
    from dask.base import compute
    from dask.delayed import delayed

    items = [delayed(_item)(i, p) for i, p in enumerate(parts)]
    bag = db.from_delayed(items)  # type: ignore[no-untyped-call]
    out = bag.reduction(
        functools.partial(_chunk, chunk, args),
        functools.partial(_fold, combine),
        split_every=split_every,
    )
    return compute(out, scheduler=scheduler())[0]  # type: ignore[no-untyped-call]


def in_partition(i: int, exc: InputError) -> InputErrors:
    """``exc`` with each problem naming the partition (its rows count from 1 within it)."""
    return InputErrors(
        [Problem(f"partition {i}: {p.field}", p.value, p.allowed) for p in exc.problems]
    )


#: The most results one node of the reduction tree combines.
MAX_SPLIT = 1024


def check_split(split_every: int) -> int:
    if isinstance(split_every, bool) or not isinstance(split_every, int):
        raise InputError("split_every", split_every, f"a whole number from 2 to {MAX_SPLIT}")
    if not 2 <= split_every <= MAX_SPLIT:
        raise InputError("split_every", split_every, f"a whole number from 2 to {MAX_SPLIT}")
    return split_every


def checked_part(
    frame: pd.DataFrame, i: int, time: str, event: str, other: Sequence[tuple[str, str]]
) -> SurvivalData | int:
    """A partition's rows checked as the engine checks them, or (no usable row: none at
    all, or each with a missing value) the number of rows left out."""
    try:
        return SurvivalData.from_frame(frame, time=time, event=event, other=list(other))
    except InputError as exc:
        used = [time, event, *(c for _, c in other)]
        if all(c in frame.columns for c in used) and bool(frame[used].isna().any(axis=1).all()):
            return len(frame)
        raise in_partition(i, exc) from None


# ---------------------------------------------------------- counts per time (KM, log-rank)


@dataclass(frozen=True, slots=True)
class Table:
    """Rows and events per (labels..., time) cell, and the rows left out."""

    cells: pd.DataFrame | None  # index: label columns k0.. and "time"; columns n, d
    n_dropped: int


def label_keys(n_labels: int) -> list[str]:
    return [f"k{i}" for i in range(n_labels)]


def count_cells(
    labels: Sequence[npt.NDArray[Any]], time: FloatArray, event: FloatArray
) -> pd.DataFrame:
    """Rows and events per (labels..., time)."""
    keys = label_keys(len(labels))
    table = pd.DataFrame(dict(zip(keys, labels, strict=True)))
    table["time"] = time
    table["d"] = event
    cells = table.groupby([*keys, "time"], sort=False, dropna=False)["d"].agg(["size", "sum"])
    cells.columns = pd.Index(["n", "d"])
    return cells


def _count(
    i: int, frame: pd.DataFrame, time: str, event: str, other: tuple[tuple[str, str], ...]
) -> Table:
    """One partition's counts."""
    sd = checked_part(frame, i, time, event, other)
    if isinstance(sd, int):
        return Table(None, sd)
    labels = [sd.columns[c] for _, c in other]
    return Table(count_cells(labels, sd.time, sd.event), sd.n_dropped)


def _add_cells(a: pd.DataFrame | None, b: pd.DataFrame | None) -> pd.DataFrame | None:
    if a is None or b is None:
        return b if a is None else a
    both = pd.concat([a, b])
    return both.groupby(level=list(range(both.index.nlevels)), sort=False, dropna=False).sum()


def add_tables(a: Table, b: Table) -> Table:
    return Table(_add_cells(a.cells, b.cells), a.n_dropped + b.n_dropped)


def pooled(table: Table, n_labels: int) -> pd.DataFrame:
    """The pooled cells as columns k0.., time (R's time fix applied), n, d."""
    if table.cells is None:
        raise InputError(
            "data", f"0 usable rows ({table.n_dropped} with a missing value)", "at least one row"
        )
    cells = table.cells.reset_index()
    cells["time"] = timefixed(cells["time"].to_numpy(dtype=float))
    keys = [*label_keys(n_labels), "time"]
    return cells.groupby(keys, sort=True, dropna=False)[["n", "d"]].sum().reset_index()


def pooled_counts(
    data: Any, time: str, event: str, other: list[tuple[str, str]], split_every: int
) -> tuple[pd.DataFrame, int]:
    """The pooled counts of a Dask DataFrame and the rows left out."""
    parts = partitions(data, [("time", time), ("event", event), *other])
    table: Table = reduction(
        parts, _count, add_tables, time, event, tuple(other), split_every=split_every
    )
    return pooled(table, len(other)), table.n_dropped


def timefixed(times: FloatArray) -> FloatArray:
    """R's ``aeqSurv`` merge of the distinct times, applied to ``times``."""
    u = np.unique(times)
    fixed = aeq_sorted(u)
    return np.asarray(fixed[np.searchsorted(u, times)], dtype=float)
