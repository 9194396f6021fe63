"""A registry extract (the cohort CSV of ``tacepath assess COHORT.csv``) as patient contracts.

Each row becomes one patient object of the ``tacepath assess`` contract; the columns are the
ones the README lists under "Cohort files". The rows are then validated one by one by
``parse_patient`` (the same rules as the command line), and every problem is reported with
its row number and id.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from tacepath.clinical.cohort import FALSE_WORDS, FLAGS, TRUE_WORDS, UNIT_LABS
from tacepath.domain.patient import PatientSnapshot, parse_patient
from tacepath.errors import InputError, InputErrors, Problem
from tacepath.interop.files import shown

__all__ = ["COHORT_COLUMNS", "cohort_patients"]

#: Every column the importer reads.
COHORT_COLUMNS = (
    "id",
    "sex",
    "age_years",
    "ecog",
    *UNIT_LABS,
    *(f"{a}_unit" for a in UNIT_LABS),
    "inr",
    "afp_ng_per_iu",
    "pt_prolongation_s",
    *FLAGS,
    "ascites",
    "encephalopathy",
    "tumour_diameters_mm",
)

MAX_ROWS = 10_000


def _number(text: str, field: str, problems: list[Problem]) -> float | None:
    try:
        return float(text)
    except ValueError:
        problems.append(Problem(field, text, "a number"))
        return None


def _row(row: dict[str, str], where: str, problems: list[Problem]) -> dict[str, Any]:
    get = {k.strip(): (v or "").strip() for k, v in row.items() if k is not None}
    out: dict[str, Any] = {"id": get.get("id", "")}
    for name in ("sex", "ascites", "encephalopathy"):
        if get.get(name):
            out[name] = get[name]
    for name in ("age_years", "pt_prolongation_s"):
        if get.get(name):
            out[name] = _number(get[name], where + name, problems)
    if get.get("ecog"):
        v = _number(get["ecog"], where + "ecog", problems)
        out["ecog"] = int(v) if v is not None and v.is_integer() else v
    for name in FLAGS:
        text = get.get(name, "").lower()
        if text in TRUE_WORDS:
            out[name] = True
        elif text in FALSE_WORDS:
            out[name] = False
        elif text:
            problems.append(Problem(where + name, get[name], "true/false, yes/no, 1/0 or empty"))
    labs: dict[str, Any] = {}
    for a in UNIT_LABS:
        if get.get(a):
            value = _number(get[a], where + a, problems)
            if value is not None:
                lab: dict[str, Any] = {"value": value}
                if get.get(f"{a}_unit"):
                    lab["unit"] = get[f"{a}_unit"]
                if a == "afp" and get.get("afp_ng_per_iu"):
                    lab["ng_per_iu"] = _number(
                        get["afp_ng_per_iu"], where + "afp_ng_per_iu", problems
                    )
                labs[a] = lab
    if get.get("inr"):
        value = _number(get["inr"], where + "inr", problems)
        if value is not None:
            labs["inr"] = {"value": value}
    if labs:
        out["labs"] = labs
    if get.get("tumour_diameters_mm"):
        sizes = []
        for part in get["tumour_diameters_mm"].split(";"):
            if part.strip():
                v = _number(part.strip(), where + "tumour_diameters_mm", problems)
                if v is not None:
                    sizes.append({"diameter_mm": v})
        out["tumours"] = sizes
    return out


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
        raw = _row(row, where, problems)
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
