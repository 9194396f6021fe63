"""Cohort assessment of a partitioned Parquet dataset on Dask: the same rows, many machines.

``tacepath assess COHORT.parquet --partitions N [--scheduler local|tcp://host:port] --out
scores.parquet`` reads the cohort (one Parquet file or a folder of them) as a Dask DataFrame
[1]_ in N partitions; each partition is assessed by the vectorised engine
(:func:`tacepath.clinical.cohort.assess_cohort`, numbered from its first file row, so a
problem names the same row as the single-process path) and written by the worker as one
Parquet file ``part-NNNNN.parquet`` of the output folder (through the same writer as
:func:`tacepath.interop.cohort_io.assess_cohort_file`). The folder, read as one table (pandas
``read_parquet``, pyarrow, Dask), holds the single-process result's rows in order (tested).

All rows or none, as the single-process path: the parts go to a temporary folder beside
``--out``, which becomes ``--out`` only when every partition was valid; otherwise the
problems of every partition are listed (the first 50, the rest counted) and nothing is
written. ``--out`` must be a new name: an existing file or folder is never replaced. On a
real cluster the workers write to that folder: it must be on a file system the workers share
with the client.

.. [1] Dask DataFrame, https://docs.dask.org/en/stable/dataframe.html (partitioned pandas
   frames computed by the Dask scheduler).
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from tacepath.clinical.assessment import AssessOptions
from tacepath.clinical.cohort import RowProblems, assess_cohort
from tacepath.errors import InputError, InputErrors, Problem
from tacepath.interop import files
from tacepath.interop.cohort_io import _TableOutput

__all__ = ["MAX_PARTITIONS", "PART_PREFIX", "assess_cohort_partitioned"]

#: The most partitions (and files of an input folder) one run handles.
MAX_PARTITIONS = 10_000
#: The name of each output file: ``part-00000.parquet``, in row order.
PART_PREFIX = "part-"
_PARQUET = (".parquet", ".pq")


@dataclass(frozen=True, slots=True)
class _Outcome:
    """What a partition's task returns: its row count and its problems (the first 50)."""

    n: int
    problems: tuple[Problem, ...]
    total: int


def _inputs(path: Path) -> list[Path]:
    """The Parquet files of ``path`` (a file or a folder of ``*.parquet`` files), checked."""
    if path.is_dir():
        found = sorted(p for p in path.iterdir() if p.suffix.lower() in _PARQUET)
        if not found or len(found) > MAX_PARTITIONS:
            raise InputError("file", path.name, f"a folder of 1 to {MAX_PARTITIONS} Parquet files")
    elif path.suffix.lower() in _PARQUET:
        found = [path]
    else:
        raise InputError("file", path.name, "a Parquet file or a folder of them (--partitions)")
    for p in found:
        files.check_file(p, what="a Parquet file", max_bytes=files.MAX_TABLE_BYTES)
        files.check_table_head(p, "parquet")
    return found


def _check_out(out: Path) -> None:
    if out.suffix.lower() not in _PARQUET:
        raise InputError("--out", out.name, "a folder name ending .parquet (with --partitions)")
    if not out.parent.is_dir() or not os.access(out.parent, os.W_OK):
        raise InputError("--out", out.name, "a folder in an existing folder you may write to")
    if out.exists() or out.is_symlink():
        raise InputError("--out", out.name, "a new folder name (an existing one is kept)")


def _check_scheduler(scheduler: str) -> None:
    if scheduler != "local" and ("://" not in scheduler or len(scheduler) > 200):
        raise InputError("--scheduler", scheduler[:80], "local or a Dask address tcp://host:port")


@contextmanager
def _client(scheduler: str, workers: int, processes: bool) -> Iterator[Any]:
    from dask.distributed import Client, LocalCluster

    if scheduler != "local":
        with Client(scheduler) as client:  # type: ignore[no-untyped-call]
            yield client
        return
    with (
        LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=workers,
            threads_per_worker=1,
            processes=processes,
            # Dask serves HTTP (status, metrics) on 0.0.0.0:8787 even without a
            # dashboard: keep the scheduler's and workers' on the loopback, any port.
            dashboard_address="127.0.0.1:0",
            worker_dashboard_address="127.0.0.1:0",
            silence_logs=logging.CRITICAL,  # a failed task is reported as an InputError
        ) as cluster,
        Client(cluster) as client,  # type: ignore[no-untyped-call]
    ):
        yield client


def _assess_part(
    frame: pd.DataFrame, first_row: int, out: str, options: AssessOptions, write_empty: bool
) -> _Outcome:
    """Assess one partition and write its scores to ``out`` (nothing if a row is bad)."""
    problems = RowProblems()
    if len(frame) == 0 and not write_empty:
        return _Outcome(0, (), 0)
    try:
        scores = assess_cohort(frame, options, first_row=first_row, problems=problems)
    except InputErrors:
        return _Outcome(0, tuple(problems.items), problems.total)
    except InputError as exc:  # a table-wide problem (no id column)
        return _Outcome(0, exc.problems[:1], 1)
    with _TableOutput(Path(out)) as output:
        output.write(scores)
        output.commit()
    return _Outcome(len(scores), (), 0)


def _merged(outcomes: list[_Outcome]) -> RowProblems:
    """The problems of every partition in row order; a missing column named once."""
    merged, seen = RowProblems(), set()
    for o in outcomes:
        kept = []
        for p in o.problems:
            column = p.field.rsplit(": ", 1)[-1]
            if p.value == "(no column)":
                if column in seen:
                    continue
                seen.add(column)
            kept.append(p)
        merged.extend(kept)
        merged.total += o.total - len(o.problems)
    return merged


def assess_cohort_partitioned(
    path: Path,
    out: Path,
    options: AssessOptions | None = None,
    *,
    partitions: int = 4,
    scheduler: str = "local",
    processes: bool = True,
) -> int:
    """Assess a Parquet cohort (file or folder) in ``partitions`` Dask partitions into the
    folder ``out`` (one Parquet file per partition, rows in order); the patient count.

    ``scheduler``: ``local`` (a local cluster of ``min(partitions, CPUs)`` workers, processes
    or with ``processes=False`` threads) or a Dask scheduler address. All rows or none.
    """
    if isinstance(partitions, bool) or not 1 <= partitions <= MAX_PARTITIONS:
        raise InputError("--partitions", partitions, f"a whole number from 1 to {MAX_PARTITIONS}")
    _check_scheduler(scheduler)
    sources = _inputs(path)
    _check_out(out)
    opts = options or AssessOptions()
    import dask
    import dask.dataframe as dd
    from dask.delayed import delayed

    tmp = out.with_name(f".{out.name}.{secrets.token_hex(4)}.partial")
    tmp.mkdir()
    try:
        workers = max(1, min(partitions, os.cpu_count() or 1))
        with (
            dask.config.set({"dataframe.convert-string": False}),
            _client(scheduler, workers, processes) as client,
        ):
            try:  # a damaged file shows when its footer or its rows are read
                ddf = dd.read_parquet([str(p) for p in sources])
                ddf = client.persist(ddf.repartition(npartitions=partitions))
                lengths = [int(n) for n in client.compute(ddf.map_partitions(len)).result()]
            except (OSError, ValueError) as exc:
                raise InputError("file", str(exc)[:200], "readable Parquet files") from None
            first, tasks = 2, []
            for i, part in enumerate(ddf.to_delayed()):
                target = str(tmp / f"{PART_PREFIX}{i:05d}.parquet")
                empty = i == 0 and sum(lengths) == 0
                tasks.append(delayed(_assess_part)(part, first, target, opts, empty))
                first += lengths[i]
            outcomes: list[_Outcome] = list(client.gather(client.compute(tasks)))
        _merged(outcomes).raise_if_any()
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return sum(o.n for o in outcomes)
