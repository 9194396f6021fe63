"""Reading and writing ADaM data sets (ADSL, ADTTE, ADAE) and synthetic cohorts as files.

Files are CSV (ISO dates), Parquet or SAS transport (XPT version 5, through ``pyreadstat``;
dates stored as SAS dates with format ``DATE9``), chosen by the suffix. The model and its
checks are in :mod:`tacepath.adam`; this adapter only moves data sets between files and
DataFrames (a file is opened and checked by :mod:`tacepath.interop.files`).
"""

from __future__ import annotations

import hashlib
import importlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from tacepath.adam.cohort import SyntheticCohort, cohort_files, cohort_readme
from tacepath.adam.model import SYNTHETIC_LABEL, DatasetKind, DataSource, parse_dates
from tacepath.errors import InputError
from tacepath.interop.csv_out import formula_safe
from tacepath.interop.files import read_table

__all__ = ["file_sha256", "read_dataset", "write_adtte", "write_cohort", "write_dataset"]

_SUFFIXES = (".csv", ".parquet", ".pq", ".xpt")


def file_sha256(path: Path | str) -> str:
    """SHA-256 of a file's bytes (hex)."""
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _format_of(path: Path, option: str) -> str:
    suffix = path.suffix.lower()
    if suffix not in _SUFFIXES:
        raise InputError(option, str(path), "a file ending in .csv, .parquet or .xpt")
    return {".pq": "parquet"}.get(suffix, suffix.lstrip("."))


def read_dataset(
    path: Path | str,
    *,
    kind: DatasetKind,
    option: str | None = None,
    encoding: str | None = None,
) -> tuple[pd.DataFrame, DataSource]:
    """Read one ADaM data set (CSV, Parquet or XPT) and describe its source.

    Parameters
    ----------
    path
        ``.csv`` (ISO dates), ``.parquet`` or ``.xpt`` (SAS transport, via pyreadstat).
    kind
        ``"ADSL"``, ``"ADTTE"`` or ``"ADAE"``: which date columns to parse and how the
        errors are named.
    option
        The command-line option that gave the path (named in errors).
    encoding
        Text encoding of a CSV file (default UTF-8, byte-order mark accepted).

    Returns
    -------
    (DataFrame, DataSource)
        Text columns as text (``USUBJID`` always), dates as ``datetime64``; the source
        holds the file's SHA-256 and, for XPT, its file label.
    """
    p = Path(path)
    opt = option or f"--{kind.lower()}"
    fmt = _format_of(p, opt)
    frame = read_table(p, encoding=encoding, field=opt, what=f"{kind} file", dtype={"USUBJID": str})
    label = str(frame.attrs.pop("label", ""))
    if "USUBJID" in frame.columns:
        frame["USUBJID"] = frame["USUBJID"].astype("string").astype(object)
    frame = parse_dates(frame, kind, kind)
    return frame, DataSource(
        kind=kind, path=str(p), format=fmt, sha256=file_sha256(p), rows=len(frame), label=label
    )


def write_dataset(
    frame: pd.DataFrame,
    path: Path | str,
    *,
    name: str,
    label: str = "",
    column_labels: Mapping[str, str] | None = None,
) -> Path:
    """Write a data set as CSV (ISO dates), Parquet (label in the schema metadata) or XPT v5.

    ``name`` is the SAS member name (XPT, at most 8 characters) and ``label`` the file
    label; ``column_labels`` the variable labels (XPT: at most 40 characters each).
    """
    out = Path(path)
    fmt = _format_of(out, "--out")
    if fmt == "csv":
        formula_safe(frame).to_csv(out, index=False, date_format="%Y-%m-%d")
    elif fmt == "parquet":
        pa: Any = importlib.import_module("pyarrow")
        pq: Any = importlib.import_module("pyarrow.parquet")
        table = pa.Table.from_pandas(frame, preserve_index=False)
        meta = dict(table.schema.metadata or {})
        meta[b"tacepath.label"] = label.encode("utf-8")
        meta[b"tacepath.name"] = name.encode("utf-8")
        pq.write_table(table.replace_schema_metadata(meta), out)
    else:
        _write_xpt(frame, out, name=name, label=label, column_labels=column_labels or {})
    return out


def _write_xpt(
    frame: pd.DataFrame, out: Path, *, name: str, label: str, column_labels: Mapping[str, str]
) -> None:
    too_long = [c for c in frame.columns if len(str(c)) > 8]
    if too_long or len(name) > 8:
        raise InputError(
            "--out", str(out), f"XPT v5 names of at most 8 characters (too long: {too_long})"
        )
    pyreadstat: Any = importlib.import_module("pyreadstat")
    data = frame.copy()
    formats: dict[str, str] = {}
    for col in data.columns:
        if pd.api.types.is_datetime64_any_dtype(data[col]):
            data[col] = [None if pd.isna(v) else v.date() for v in data[col]]
            formats[col] = "DATE9"
    labels = {c: column_labels.get(c, "")[:40] or None for c in data.columns}
    pyreadstat.write_xport(
        data,
        str(out),
        file_label=label[:40],
        column_labels=labels,
        table_name=name,
        file_format_version=5,
        variable_format=formats,
    )


# --------------------------------------------------------------------------- checks


def write_cohort(
    cohort: SyntheticCohort,
    out_dir: Path | str,
    *,
    fmt: Literal["csv", "parquet", "xpt"] = "csv",
    prefix: str = "",
) -> tuple[Path, ...]:
    """Write ``adsl``, ``adtte``, ``adae`` (``prefix`` + name + suffix) and ``README.txt``.

    Every file is labelled synthetic: the ``DATASRC`` column, the XPT file label and the
    Parquet metadata.
    """
    if fmt not in ("csv", "parquet", "xpt"):
        raise InputError("--format", fmt, "csv | parquet | xpt")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    suffix = "." + fmt
    written = []
    for name, frame, labels in cohort_files(cohort):
        path = out / f"{prefix}{name}{suffix}"
        write_dataset(frame, path, name=name.upper(), label=SYNTHETIC_LABEL, column_labels=labels)
        written.append(path)
    readme = out / f"{prefix}README.txt"
    readme.write_text(cohort_readme(cohort, [p.name for p in written]), encoding="utf-8")
    return (*written, readme)


def write_adtte(df: pd.DataFrame, path: Path | str) -> Path:
    """Write ADTTE to ``.csv`` (ISO dates) or ``.parquet`` (needs pyarrow)."""
    out = Path(path)
    suffix = out.suffix.lower()
    if suffix == ".csv":
        formula_safe(df).to_csv(out, index=False, date_format="%Y-%m-%d")
    elif suffix in (".parquet", ".pq"):
        try:
            df.to_parquet(out, index=False)
        except ImportError as exc:
            raise InputError("--out", str(out), "pyarrow installed (tacepath[parquet])") from exc
    else:
        raise InputError("--out", str(out), "a file ending in .csv or .parquet")
    return out
