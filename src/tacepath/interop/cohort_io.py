"""Cohort files in and out, a chunk at a time, so memory stays bounded whatever the file size.

``tacepath assess COHORT --out scores.csv`` reads CSV in chunks of rows, Parquet by record
batches and JSON Lines line by line; each chunk is assessed by the vectorised cohort engine
(:func:`tacepath.clinical.cohort.assess_cohort`) and its scores are appended to the output
(CSV, or Parquet through one ``ParquetWriter``). The output goes to a temporary file next to
``--out`` and replaces it only when every row was valid: all rows or none, as before.

JSON Lines hold one patient object per line, the contract of ``tacepath assess PATIENT.json``:
each line is validated by :func:`tacepath.domain.patient.parse_patient` (same rules, same
messages, named ``line N (id=…)``), then the valid patients of a chunk are assessed by the
cohort engine, whose scores equal the per-patient engine's (property-tested).

A JSON or YAML patient list is read whole, so it is bounded: more than
:data:`MAX_JSON_PATIENTS` patients, or a file over
:data:`tacepath.interop.files.MAX_DOCUMENT_BYTES`, is refused with a pointer to JSON Lines or
CSV.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO

import pandas as pd

from tacepath.clinical.assessment import AssessOptions
from tacepath.clinical.cohort import RowProblems, assess_cohort, patients_frame
from tacepath.domain.patient import PatientSnapshot, parse_patient
from tacepath.errors import InputError, InputErrors, Problem
from tacepath.interop import files
from tacepath.interop.csv_out import formula_safe

__all__ = [
    "CHUNK_ROWS",
    "COHORT_SUFFIXES",
    "JSONL_CHUNK_ROWS",
    "MAX_JSON_PATIENTS",
    "Chunk",
    "assess_cohort_file",
    "check_patient_count",
    "read_cohort_chunks",
]

#: Rows of a CSV or Parquet file assessed at a time (about 150 MB of working memory).
CHUNK_ROWS = 50_000
#: Lines of a JSON Lines file assessed at a time (validated patient objects are bigger).
JSONL_CHUNK_ROWS = 10_000
#: Input suffixes read as cohort files.
COHORT_SUFFIXES = (".csv", ".parquet", ".pq", ".jsonl")
#: Most patients in a JSON or YAML list (each is validated, assessed and rendered in memory).
MAX_JSON_PATIENTS = 1_000

_PARQUET = (".parquet", ".pq")
_OUT_SUFFIXES = (".csv", *_PARQUET)
_BULK_HINT = (
    "for more patients, one per line in a JSON Lines file (.jsonl) or a cohort CSV: "
    "tacepath assess COHORT.jsonl --out scores.csv"
)


@dataclass(frozen=True, slots=True)
class Chunk:
    """Rows of a cohort file to assess, where they start, and problems found on reading."""

    frame: pd.DataFrame
    first_row: int
    problems: tuple[Problem, ...] = ()


# --- patient lists (JSON/YAML) ------------------------------------------------------------


def check_patient_count(raw: object) -> None:
    """Refuse a list of more than :data:`MAX_JSON_PATIENTS` patients, before any is validated."""
    if isinstance(raw, list) and len(raw) > MAX_JSON_PATIENTS:
        raise InputError(
            "input",
            f"a list of {len(raw)} patients",
            f"at most {MAX_JSON_PATIENTS} patients in a JSON or YAML list; {_BULK_HINT}",
        )


# --- text checks --------------------------------------------------------------------------


def _encoding_error(path: Path, codec: str) -> InputError:
    """Where the text first fails to decode (offset and line), read line by line so a large
    file is not loaded, and what it looks like (:func:`tacepath.interop.files.undecodable`)."""
    offset, sample, first = 0, bytearray(), None
    with path.open("rb") as fh:
        for n, line in enumerate(fh, start=1):
            try:
                line.decode(codec)
            except UnicodeDecodeError as exc:
                first = first or (n, offset + exc.start, line[exc.start], line)
                sample += line
                if len(sample) >= 65536:
                    break
            if first is None:
                offset += len(line)
    if first is None:
        return InputError("--encoding", codec, "the encoding the file was written in")
    n, at, bad, text = first
    return files.undecodable(
        files.file_label(path),
        kind=path.suffix.lstrip(".").upper(),
        codec=codec,
        offset=at,
        bad_byte=bad,
        sample=bytes(sample),
        option="--encoding",
        line=(n, text),
    )


# --- readers ------------------------------------------------------------------------------


def _csv_chunks(path: Path, codec: str, rows: int) -> Iterator[Chunk]:
    """Every column as text: the engine parses numbers, so chunking cannot change a type."""
    first = 2
    try:
        with pd.read_csv(
            path, dtype=str, keep_default_na=True, encoding=codec, chunksize=rows
        ) as reader:
            for frame in reader:
                yield Chunk(frame, first)
                first += len(frame)
    except UnicodeDecodeError:
        raise _encoding_error(path, codec) from None
    except pd.errors.EmptyDataError:
        raise InputError("file", "no header row", "a CSV file with a header row") from None
    except pd.errors.ParserError as exc:
        raise InputError("file", str(exc).strip(), "a well-formed CSV file") from None


def _parquet_chunks(path: Path, rows: int) -> Iterator[Chunk]:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise InputError(
            "file", path.name, "Parquet needs pyarrow: pip install 'tacepath[parquet]'"
        ) from None
    first = 2
    try:
        with pq.ParquetFile(path) as parquet:
            for batch in parquet.iter_batches(batch_size=rows):
                frame = batch.to_pandas()
                yield Chunk(frame, first)
                first += len(frame)
            if first == 2:
                yield Chunk(parquet.schema_arrow.empty_table().to_pandas(), first)
    except (pa.ArrowException, OSError) as exc:
        raise InputError("file", str(exc), "a Parquet file") from None


def _patient_line(line: str, n: int) -> PatientSnapshot | list[Problem]:
    try:
        raw: Any = files.parse_json_line(line, n, name=f"line {n}")
    except InputError as exc:
        return list(exc.problems)
    if not isinstance(raw, dict):
        return [Problem(f"line {n}", type(raw).__name__, "one patient JSON object per line")]
    pid = raw.get("id")
    try:
        return parse_patient(raw, where=f"line {n}" + (f" (id={pid})" if pid else "") + ": ")
    except InputError as exc:
        return list(exc.problems)


def _jsonl_chunks(path: Path, codec: str, rows: int) -> Iterator[Chunk]:
    """Blank lines are skipped; a chunk's frame holds its valid patients only."""
    patients: list[PatientSnapshot] = []
    problems: list[Problem] = []
    first, yielded = 0, False
    try:
        with path.open(encoding=codec) as fh:
            for n, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                first = first or n
                parsed = _patient_line(line, n)
                if isinstance(parsed, list):
                    problems.extend(parsed)
                else:
                    patients.append(parsed)
                if len(patients) + len(problems) >= rows:
                    yield Chunk(patients_frame(patients), first, tuple(problems))
                    patients, problems, first, yielded = [], [], 0, True
    except UnicodeDecodeError:
        raise _encoding_error(path, codec) from None
    if patients or problems or not yielded:
        yield Chunk(patients_frame(patients), first or 1, tuple(problems))


def read_cohort_chunks(
    path: Path, *, encoding: str | None = None, chunk_rows: int | None = None
) -> Iterator[Chunk]:
    """The rows of a cohort file (.csv, .parquet/.pq, .jsonl), ``chunk_rows`` at a time.

    ``chunk_rows`` defaults to :data:`CHUNK_ROWS` (:data:`JSONL_CHUNK_ROWS` for JSON Lines).
    ``encoding`` is for the text formats (default UTF-8; a UTF-8 BOM is accepted). There is
    always at least one chunk (empty for a file with a header only).
    """
    suffix = path.suffix.lower()
    if suffix not in COHORT_SUFFIXES:
        raise InputError("file", path.name, "a cohort file: " + ", ".join(COHORT_SUFFIXES))
    files.check_file(path, what=f"a {suffix} cohort file", max_bytes=files.MAX_TABLE_BYTES)
    files.check_table_head(path, "parquet" if suffix in _PARQUET else "csv")
    if suffix in _PARQUET:
        if encoding is not None:
            raise InputError("--encoding", encoding, "only for a .csv or .jsonl cohort file")
        return _parquet_chunks(path, chunk_rows or CHUNK_ROWS)
    codec = files.text_codec(encoding, option="--encoding")
    if suffix == ".csv":
        return _csv_chunks(path, codec, chunk_rows or CHUNK_ROWS)
    return _jsonl_chunks(path, codec, chunk_rows or JSONL_CHUNK_ROWS)


# --- output -------------------------------------------------------------------------------


class _TableOutput:
    """Scores appended chunk by chunk to a temporary file that replaces ``out`` on commit.

    CSV: one header, then rows. Parquet: one row group per chunk, the schema fixed by the first
    chunk (a text column that is empty there is typed as text, not null), ``attrs`` kept.
    """

    def __init__(self, out: Path) -> None:
        self.out = out
        self.tmp = out.with_name(f".{out.name}.{secrets.token_hex(4)}.partial")
        self._csv: TextIO | None = None
        self._parquet: Any = None
        self._schema: Any = None

    def __enter__(self) -> _TableOutput:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._close()
        if kind is not None:
            self.tmp.unlink(missing_ok=True)

    def write(self, frame: pd.DataFrame) -> None:
        if self.out.suffix.lower() == ".csv":
            if self._csv is None:
                self._csv = self.tmp.open("x", encoding="utf-8", newline="")
                formula_safe(frame).to_csv(self._csv, index=False)
            else:
                formula_safe(frame).to_csv(self._csv, index=False, header=False)
            return
        import pyarrow as pa
        import pyarrow.parquet as pq

        if self._parquet is None:
            schema = pa.Schema.from_pandas(frame, preserve_index=False)
            for i, field in enumerate(schema):
                if pa.types.is_null(field.type):
                    schema = schema.set(i, field.with_type(pa.string()))
            if frame.attrs:
                meta = {**(schema.metadata or {}), b"PANDAS_ATTRS": json.dumps(frame.attrs)}
                schema = schema.with_metadata(meta)
            self._schema = schema
            self._parquet = pq.ParquetWriter(self.tmp, schema)
        table = pa.Table.from_pandas(frame, schema=self._schema, preserve_index=False)
        self._parquet.write_table(table)

    def commit(self) -> None:
        """Close the file and move it to ``out``."""
        self._close()
        os.replace(self.tmp, self.out)

    def _close(self) -> None:
        if self._csv is not None:
            self._csv.close()
            self._csv = None
        if self._parquet is not None:
            self._parquet.close()
            self._parquet = None


def _check_out(out: Path) -> None:
    if out.suffix.lower() not in _OUT_SUFFIXES:
        raise InputError("--out", str(out), "a .csv or .parquet file name")
    if not out.parent.is_dir() or out.is_dir():
        raise InputError("--out", str(out), "a file in an existing folder")
    if not os.access(out.parent, os.W_OK):
        raise InputError("--out", str(out), "a file in a folder you may write to")
    if out.suffix.lower() in _PARQUET:
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise InputError(
                "--out", str(out), "Parquet needs pyarrow: pip install 'tacepath[parquet]'"
            ) from None


def assess_cohort_file(
    path: Path,
    out: Path,
    options: AssessOptions | None = None,
    *,
    encoding: str | None = None,
    chunk_rows: int | None = None,
) -> int:
    """Assess a cohort file into ``out`` (.csv or .parquet) chunk by chunk; the patient count.

    All rows or none: every chunk is checked; if any row is bad, nothing is written (an
    existing ``out`` is left as it was) and :class:`InputErrors` names the rows (the first 50
    listed, the rest counted), numbered across chunks.
    """
    _check_out(out)
    problems = RowProblems()
    n = 0
    with _TableOutput(out) as output:
        for chunk in read_cohort_chunks(path, encoding=encoding, chunk_rows=chunk_rows):
            problems.extend(chunk.problems)
            try:
                scores = assess_cohort(
                    chunk.frame, options, first_row=chunk.first_row, problems=problems
                )
            except InputErrors:
                continue  # the rows are in ``problems``, raised once every chunk is checked
            output.write(scores)
            n += len(scores)
        problems.raise_if_any()
        output.commit()
    return n
