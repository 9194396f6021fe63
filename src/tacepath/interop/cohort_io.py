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
:data:`MAX_JSON_PATIENTS` patients, or a file over :data:`MAX_JSON_BYTES`, is refused with a
pointer to JSON Lines or CSV.
"""

from __future__ import annotations

import codecs
import json
import os
import re
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

__all__ = [
    "CHUNK_ROWS",
    "COHORT_SUFFIXES",
    "JSONL_CHUNK_ROWS",
    "MAX_JSON_BYTES",
    "MAX_JSON_PATIENTS",
    "Chunk",
    "assess_cohort_file",
    "check_patient_count",
    "check_patient_file_size",
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
#: Largest JSON or YAML patient file, refused before it is read.
MAX_JSON_BYTES = 16 * 2**20

_PARQUET = (".parquet", ".pq")
_MICRO_UNIT = re.compile(rb"([\x80-\xff]{1,4})(?:mol|g|kat)/[lL]")
_OUT_SUFFIXES = (".csv", *_PARQUET)
_BULK_HINT = (
    "for more patients, one per line in a JSON Lines file (.jsonl) or a cohort CSV: "
    "tacepath assess COHORT.jsonl --out scores.csv"
)
#: Leading bytes of files that are not text in a byte-oriented encoding, and what they are.
_MAGIC = {
    b"PAR1": "a Parquet file (name it .parquet)",
    b"PK\x03\x04": "a ZIP archive or an Excel workbook (export the sheet as CSV)",
    b"\x1f\x8b": "a gzip archive (decompress it first)",
    b"%PDF": "a PDF document",
    b"\xff\xfe": "UTF-16 text (pass --encoding utf-16)",
    b"\xfe\xff": "UTF-16 text (pass --encoding utf-16)",
}


@dataclass(frozen=True, slots=True)
class Chunk:
    """Rows of a cohort file to assess, where they start, and problems found on reading."""

    frame: pd.DataFrame
    first_row: int
    problems: tuple[Problem, ...] = ()


# --- patient lists (JSON/YAML) ------------------------------------------------------------


def check_patient_file_size(path: Path) -> None:
    """Refuse a JSON/YAML patient file over :data:`MAX_JSON_BYTES` without reading it."""
    size = path.stat().st_size if path.is_file() else 0
    if size > MAX_JSON_BYTES:
        raise InputError(
            "file",
            f"{size:,} bytes",
            f"a JSON or YAML patient file of at most {MAX_JSON_BYTES:,} bytes; {_BULK_HINT}",
        )


def check_patient_count(raw: object) -> None:
    """Refuse a list of more than :data:`MAX_JSON_PATIENTS` patients, before any is validated."""
    if isinstance(raw, list) and len(raw) > MAX_JSON_PATIENTS:
        raise InputError(
            "input",
            f"a list of {len(raw)} patients",
            f"at most {MAX_JSON_PATIENTS} patients in a JSON or YAML list; {_BULK_HINT}",
        )


# --- text checks --------------------------------------------------------------------------


def _codec(encoding: str | None) -> str:
    """The codec to read with: UTF-8 (a BOM accepted) unless ``--encoding`` names another."""
    try:
        name = codecs.lookup(encoding or "utf-8").name
    except LookupError:
        raise InputError(
            "--encoding", encoding, "a text encoding such as utf-8, cp1252, latin-1"
        ) from None
    return "utf-8-sig" if name == "utf-8" else name


def _refuse_binary(path: Path, codec: str) -> None:
    """A file with NUL bytes in its first 8 KB is not text in a byte-oriented encoding."""
    if codec.startswith(("utf-16", "utf-32")):
        return
    with path.open("rb") as fh:
        head = fh.read(8192)
    kind = next((what for magic, what in _MAGIC.items() if head.startswith(magic)), None)
    if kind is not None or b"\x00" in head:
        raise InputError("file", kind or "binary data (NUL bytes)", f"a {path.suffix} text file")


def _undecodable_lines(path: Path, codec: str) -> tuple[int, bytes, bytes]:
    """The first line that does not decode (number, bytes) and up to 64 KB of such lines."""
    first, first_line, sample = 0, b"", bytearray()
    with path.open("rb") as fh:
        for n, line in enumerate(fh, start=1):
            try:
                line.decode(codec)
            except UnicodeDecodeError:
                first, first_line = first or n, first_line or line
                sample += line
                if len(sample) >= 65536:
                    break
    return first, first_line, bytes(sample)


def _reads_micro_sign(sample: bytes, encoding: str) -> bool:
    """Whether the unit prefix of ``µmol/L``, ``µg/L``, ``µkat/L`` decodes to a micro sign."""
    prefixes = set(_MICRO_UNIT.findall(sample))
    return all(p.decode(encoding, errors="replace") in ("µ", "μ") for p in prefixes)


def _guess_encodings(sample: bytes) -> list[str]:
    """Likely encodings of ``sample``, best first (charset-normalizer's order).

    The micro sign of a unit is the non-ASCII text a cohort file is most likely to hold, so
    encodings that misread it come last; cp1252 stands for an encoding that reads the same
    text (Western European exports; it also reads Latin-1).
    """
    from charset_normalizer import from_bytes

    out: list[str] = []
    for match in from_bytes(sample):
        name = "cp1252" if "cp1252" in match.could_be_from_charset else str(match.encoding)
        if name not in out:
            out.append(name)
    return sorted(out, key=lambda e: not _reads_micro_sign(sample, e))


def _encoding_error(path: Path, codec: str) -> InputError:
    """Which line does not decode, the encoding it probably is in, and the option to pass."""
    shown = "utf-8" if codec == "utf-8-sig" else codec
    n, line, sample = _undecodable_lines(path, codec)
    if not n:
        return InputError("--encoding", shown, "the encoding the file was written in")
    guesses = _guess_encodings(sample)
    if not guesses:
        allowed = "text; this line is not text in any known encoding (a binary file?)"
    else:
        guess = guesses[0]
        text = line.decode(guess, errors="replace").strip()[:60]
        allowed = f"the file's encoding: it looks like {guess} (line {n} then reads {text!r}); "
        allowed += f"pass --encoding {guess}"
        if len(guesses) > 1:
            allowed += " (or " + ", ".join(guesses[1:3]) + ")"
    return InputError("--encoding", f"{shown} (line {n} is not {shown})", allowed)


# --- readers ------------------------------------------------------------------------------


def _csv_chunks(path: Path, codec: str, rows: int) -> Iterator[Chunk]:
    """Every column as text: the engine parses numbers, so chunking cannot change a type."""
    _refuse_binary(path, codec)
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
        raw: Any = json.loads(line)
    except json.JSONDecodeError as exc:
        return [Problem(f"line {n}", line.strip()[:40], f"one JSON object per line ({exc.msg})")]
    if not isinstance(raw, dict):
        return [Problem(f"line {n}", type(raw).__name__, "one patient JSON object per line")]
    pid = raw.get("id")
    try:
        return parse_patient(raw, where=f"line {n}" + (f" (id={pid})" if pid else "") + ": ")
    except InputError as exc:
        return list(exc.problems)


def _jsonl_chunks(path: Path, codec: str, rows: int) -> Iterator[Chunk]:
    """Blank lines are skipped; a chunk's frame holds its valid patients only."""
    _refuse_binary(path, codec)
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
    if not path.is_file():
        raise InputError("file", str(path), "an existing " + suffix + " file")
    if suffix in _PARQUET:
        if encoding is not None:
            raise InputError("--encoding", encoding, "only for a .csv or .jsonl cohort file")
        return _parquet_chunks(path, chunk_rows or CHUNK_ROWS)
    codec = _codec(encoding)
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
                frame.to_csv(self._csv, index=False)
            else:
                frame.to_csv(self._csv, index=False, header=False)
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
