"""A registry extract (the cohort CSV of ``tacepath assess COHORT.csv``) as patient contracts.

This module reads the file (CSV syntax, header, row limit, repeated ids); each row becomes one
patient object of the ``tacepath assess`` contract by
:func:`tacepath.clinical.cohort.patient_contract`, which reads the cohort format's columns (the
ones the README lists under "Cohort files") where the vectorised engine reads them too. The
rows are then validated one by one by
``parse_patient`` (the same rules as the command line), and every problem is reported with
its row number and id.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from tacepath.clinical.cohort import COHORT_COLUMNS, patient_contract
from tacepath.domain.patient import PatientSnapshot, parse_patient
from tacepath.errors import InputError, InputErrors, Problem
from tacepath.interop.files import shown

__all__ = ["COHORT_COLUMNS", "cohort_patients"]

MAX_ROWS = 10_000


def _malformed(reader: csv.DictReader[str], exc: csv.Error) -> InputError:
    return InputError("file", shown(f"line {reader.line_num}: {exc}"), "a well-formed CSV file")


def _checked(reader: csv.DictReader[str]) -> Iterator[dict[str, str]]:
    """The rows of ``reader``; a malformed line is an input error."""
    try:
        yield from reader
    except csv.Error as exc:
        raise _malformed(reader, exc) from None


def cohort_patients(text: str) -> list[PatientSnapshot]:
    """Every row of the CSV as a validated snapshot; all problems of all rows at once."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        fieldnames = reader.fieldnames
    except csv.Error as exc:
        raise _malformed(reader, exc) from None
    if fieldnames is None or "id" not in [f.strip() for f in fieldnames]:
        raise InputError(
            "columns", shown(", ".join(fieldnames or ())), "a header row with an id column"
        )
    unknown = [f for f in fieldnames if f.strip() not in COHORT_COLUMNS]
    if unknown:
        raise InputError(
            "columns", shown(", ".join(unknown)), "the cohort columns: " + ", ".join(COHORT_COLUMNS)
        )
    problems: list[Problem] = []
    out: list[PatientSnapshot] = []
    seen: set[str] = set()
    for n, row in enumerate(_checked(reader), start=2):
        if n - 1 > MAX_ROWS:
            raise InputError("rows", f"more than {MAX_ROWS}", f"at most {MAX_ROWS} rows")
        where = f"row {n} (id={(row.get('id') or '').strip()})."
        raw = patient_contract(row, where, problems)
        if raw["id"] in seen:
            problems.append(Problem(where + "id", raw["id"], "an id not repeated in the file"))
        seen.add(raw["id"])
        try:
            out.append(parse_patient(raw, where=where))
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputErrors(problems)
    if not out:
        raise InputError("rows", 0, "at least one patient row")
    return out
