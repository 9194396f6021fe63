"""``tacepath survival km | logrank | cox --scheduler local|ADDRESS``: the analyses of a
partitioned Parquet dataset on Dask (:mod:`tacepath.survival.distributed`).

DATA is one Parquet file or a folder of them, read as a Dask DataFrame (a partition per
file or row group); ``local`` starts a local cluster of processes for the command (one
worker per file, at most one per CPU), an address ``tcp://host:port`` uses a running
scheduler whose workers can read the files. The result is the single-process command's,
with the same JSON keys. Options that need the rows in one process are refused with
``--scheduler`` (docs/scaling.md lists them).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tacepath.errors import InputError, InputErrors, Problem

if TYPE_CHECKING:
    from tacepath.survival import CoxResult, KaplanMeierResult, LogrankResult

__all__ = ["SCHEDULER_HELP", "cox_on_dask", "km_on_dask", "logrank_on_dask", "refuse"]

SCHEDULER_HELP = (
    "Run on Dask: local (a local cluster) or a scheduler address tcp://host:port; DATA is a "
    "Parquet file or a folder of them (docs/scaling.md)."
)


def refuse(event: str | None, options: Mapping[str, object]) -> None:
    """Refuse every option given (not None, False or empty) that ``--scheduler`` lacks, and
    a missing ``--event`` (``--censor`` is one of them)."""
    given = [flag for flag, value in options.items() if value not in (None, False, [], ())]
    problems = [Problem(flag, "with --scheduler", "the single-process command") for flag in given]
    if event is None:
        problems.append(Problem("--event", None, "an event column: 1 event, 0 censored"))
    if problems:
        raise InputErrors(problems)


@contextmanager
def _frame(path: Path, scheduler: str) -> Iterator[Any]:
    """The Parquet dataset at ``path`` as a Dask DataFrame, on the cluster asked for."""
    import dask
    import dask.dataframe as dd

    from tacepath.interop.cohort_dask import _check_scheduler, _client, _inputs

    _check_scheduler(scheduler)
    sources = _inputs(path)
    workers = max(1, min(len(sources), os.cpu_count() or 1))
    with (
        dask.config.set({"dataframe.convert-string": False}),
        _client(scheduler, workers, processes=True),
    ):
        try:  # a damaged file shows when its footer is read
            frame = dd.read_parquet([str(p) for p in sources])
        except (OSError, ValueError) as exc:
            raise InputError("DATA", str(exc)[:200], "readable Parquet files") from None
        yield frame


def km_on_dask(
    path: Path, scheduler: str, *, logrank: bool, **options: Any
) -> tuple[KaplanMeierResult, LogrankResult | None]:
    """The Kaplan–Meier fit and, with ``logrank`` and a group, the log-rank test."""
    from tacepath.survival import distributed

    with _frame(path, scheduler) as frame:
        fit = distributed.kaplan_meier(frame, **options)
        test = None
        group = options.get("group")
        if logrank and group is not None and len(fit.curves) > 1:
            test = distributed.logrank_test(
                frame, time=options["time"], event=options["event"], group=group
            )
    return fit, test


def logrank_on_dask(path: Path, scheduler: str, **options: Any) -> LogrankResult:
    from tacepath.survival import distributed

    with _frame(path, scheduler) as frame:
        return distributed.logrank_test(frame, **options)


def cox_on_dask(path: Path, scheduler: str, **options: Any) -> CoxResult:
    from tacepath.survival import distributed

    with _frame(path, scheduler) as frame:
        return distributed.cox_ph(frame, **options)
