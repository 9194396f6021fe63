"""Cohort files read and written in chunks: the same rows as the in-memory path, bad rows named
across chunks with nothing written, JSON Lines, text encodings and the JSON list limit."""

from __future__ import annotations

import io
import json
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.strategies import cohort_row, full_patients, patients
from typer.testing import CliRunner

from tacepath.cli import app
from tacepath.clinical.cohort import MAX_REPORTED, assess_cohort
from tacepath.errors import InputError
from tacepath.interop import cohort_io
from tacepath.interop.cohort_io import assess_cohort_file

runner = CliRunner()
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
cohorts = st.lists(st.one_of(patients, full_patients), min_size=1, max_size=12)


def _run(*args: str) -> tuple[int, str, str]:
    r = runner.invoke(app, list(args))
    return r.exit_code, r.stdout, r.stderr


def _in_memory(path: Path) -> pd.DataFrame:
    """The former path: the whole file read at once, pandas inferring the column types."""
    if path.suffix == ".parquet":
        return assess_cohort(pd.read_parquet(path))
    text_columns = ("id", "sex", "ascites", "encephalopathy", "tumour_diameters_mm")
    return assess_cohort(pd.read_csv(path, dtype=dict.fromkeys(text_columns, str)))


def _frame(raws: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame([cohort_row(r) for r in raws])
    frame["id"] = [f"R{i}" for i in range(len(raws))]
    return frame


def _missing_as_none(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype(object).where(frame.notna(), None)


@settings(max_examples=40, deadline=None)
@given(cohorts, st.data())
def test_chunked_csv_gives_the_in_memory_rows(raws: list[dict[str, Any]], data: Any) -> None:
    chunk_rows = data.draw(st.integers(1, len(raws)), label="chunk_rows")
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / "cohort.csv", Path(tmp) / "scores.csv"
        _frame(raws).to_csv(src, index=False)
        n = assess_cohort_file(src, out, chunk_rows=chunk_rows)
        assert n == len(raws)
        assert out.read_text(encoding="utf-8") == _in_memory(src).to_csv(index=False)


@settings(max_examples=25, deadline=None)
@given(cohorts, st.data())
def test_chunked_parquet_gives_the_in_memory_rows(raws: list[dict[str, Any]], data: Any) -> None:
    chunk_rows = data.draw(st.integers(1, len(raws)), label="chunk_rows")
    with tempfile.TemporaryDirectory() as tmp:
        src, out, ref = (Path(tmp) / f"{name}.parquet" for name in ("in", "out", "ref"))
        _frame(raws).to_parquet(src, index=False)
        assess_cohort_file(src, out, chunk_rows=chunk_rows)
        expected = _in_memory(src)
        expected.to_parquet(ref, index=False)
        got, want = pd.read_parquet(out), pd.read_parquet(ref)
        assert got.attrs == want.attrs == expected.attrs
        # the one difference: a text column empty in the first chunk is typed text, not null
        pd.testing.assert_frame_equal(_missing_as_none(got), _missing_as_none(want))


def _cohort_csv(path: Path, n: int, bad: dict[int, str] | None = None) -> None:
    """``n`` rows; ``bad`` maps a 0-based row index to a bilirubin text put there."""
    lines = ["id,bilirubin,bilirubin_unit,albumin,albumin_unit,tumour_diameters_mm"]
    for i in range(n):
        bili = (bad or {}).get(i, f"{0.5 + i % 7 / 10:g}")
        tumours = "" if i < 5 else f"{10 + i % 50};{20 + i % 30}"  # none in the first chunk
        lines.append(f"P{i:03d},{bili},mg/dL,3.{i % 9},g/dL,{tumours}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_bad_row_in_last_chunk_named_and_nothing_written(tmp_path: Path, suffix: str) -> None:
    src = tmp_path / "c.csv"
    _cohort_csv(src, 25, bad={23: "-3"})
    out = tmp_path / f"scores{suffix}"
    with pytest.raises(InputError) as info:
        assess_cohort_file(src, out, chunk_rows=10)
    assert [p.field for p in info.value.problems] == ["row 25 (id=P023): bilirubin"]
    assert list(tmp_path.iterdir()) == [src]  # no output, no partial file


def test_an_existing_output_is_kept_when_a_row_is_bad(tmp_path: Path) -> None:
    src, out = tmp_path / "c.csv", tmp_path / "scores.csv"
    out.write_text("earlier scores\n", encoding="utf-8")
    _cohort_csv(src, 12, bad={11: "abc"})
    with pytest.raises(InputError):
        assess_cohort_file(src, out, chunk_rows=5)
    assert out.read_text(encoding="utf-8") == "earlier scores\n"


def test_problems_of_every_chunk_listed_and_counted_as_in_memory(tmp_path: Path) -> None:
    src = tmp_path / "c.csv"
    _cohort_csv(src, 120, bad=dict.fromkeys(range(0, 120, 2), "-1"))
    with pytest.raises(InputError) as chunked:
        assess_cohort_file(src, tmp_path / "o.csv", chunk_rows=7)
    with pytest.raises(InputError) as whole:
        _in_memory(src)
    problems = chunked.value.problems
    assert problems == whole.value.problems
    assert len(problems) == MAX_REPORTED + 1
    assert problems[0].field == "row 2 (id=P000): bilirubin"
    assert problems[-1].value == f"{60 - MAX_REPORTED} more problems"


def test_missing_unit_column_reported_once(tmp_path: Path) -> None:
    src = tmp_path / "c.csv"
    src.write_text("id,albumin\n" + "".join(f"P{i},3.5\n" for i in range(9)), encoding="utf-8")
    with pytest.raises(InputError) as info:
        assess_cohort_file(src, tmp_path / "o.csv", chunk_rows=2)
    assert [str(p) for p in info.value.problems] == [
        "row 2 (id=P0): albumin_unit: got '(no column)'; allowed: a albumin_unit column (g/dL, g/L)"
    ]


def test_cli_bad_row_in_a_later_chunk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cohort_io, "CHUNK_ROWS", 4)
    src = tmp_path / "c.csv"
    _cohort_csv(src, 10, bad={9: "-3"})
    code, out, err = _run("assess", str(src))
    assert code == 2
    assert out == ""
    assert err.strip().splitlines() == [
        "error: c.csv: row 11 (id=P009): bilirubin: got -3.0; allowed: > 0 and "
        "≤ 100 mg/dL (in the canonical unit)"
    ]


def test_cli_stdout_and_out_give_the_same_csv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cohort_io, "CHUNK_ROWS", 2)
    out = tmp_path / "scores.csv"
    code, _, err = _run("assess", str(EXAMPLES / "cohort.csv"), "--out", str(out))
    assert code == 0, err
    assert "6 patients assessed" in err
    code, stdout, _ = _run("assess", str(EXAMPLES / "cohort.csv"))
    assert code == 0
    expected = _in_memory(EXAMPLES / "cohort.csv").to_csv(index=False)
    assert stdout == out.read_text(encoding="utf-8") == expected


def test_header_only_and_empty_files(tmp_path: Path) -> None:
    header_only = tmp_path / "h.csv"
    header_only.write_text("id,ecog\n", encoding="utf-8")
    code, out, _ = _run("assess", str(header_only))
    assert code == 0
    assert out.startswith("id,child_pugh_score,")
    assert out.count("\n") == 1
    empty = tmp_path / "e.csv"
    empty.write_bytes(b"")
    code, _, err = _run("assess", str(empty))
    assert code == 2
    assert "e.csv: got 'an empty file (0 bytes)'" in err


def test_malformed_csv_and_bad_out(tmp_path: Path) -> None:
    src = tmp_path / "m.csv"
    src.write_text("id,ecog\nA,1\nB,2,3\n", encoding="utf-8")
    code, _, err = _run("assess", str(src))
    assert code == 2
    assert "Expected 2 fields in line 3, saw 3" in err
    code, _, err = _run("assess", str(EXAMPLES / "cohort.csv"), "--out", str(tmp_path / "o.xlsx"))
    assert code == 2
    assert "--out" in err
    missing_dir = tmp_path / "no" / "o.csv"
    code, _, err = _run("assess", str(EXAMPLES / "cohort.csv"), "--out", str(missing_dir))
    assert code == 2
    assert "an existing folder" in err


# --- JSON Lines ---------------------------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(cohorts, st.data())
def test_jsonl_gives_the_rows_of_the_same_patients_as_csv(
    raws: list[dict[str, Any]], data: Any
) -> None:
    chunk_rows = data.draw(st.integers(1, len(raws)), label="chunk_rows")
    raws = [r | {"id": f"R{i}"} for i, r in enumerate(raws)]
    with tempfile.TemporaryDirectory() as tmp:
        src, csv, out = Path(tmp) / "p.jsonl", Path(tmp) / "c.csv", Path(tmp) / "o.csv"
        src.write_text("".join(json.dumps(r) + "\n" for r in raws), encoding="utf-8")
        _frame(raws).to_csv(csv, index=False)
        assess_cohort_file(src, out, chunk_rows=chunk_rows)
        assert out.read_text(encoding="utf-8") == _in_memory(csv).to_csv(index=False)


def test_jsonl_bad_lines_named_across_chunks(tmp_path: Path) -> None:
    good = [json.dumps({"id": f"P{i}", "ecog": i % 5}) for i in range(7)]
    lines = [*good[:3], "", *good[3:], "[1]", "{oops", json.dumps({"id": "X", "ecog": 9})]
    src = tmp_path / "p.jsonl"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "o.parquet"
    with pytest.raises(InputError) as info:
        assess_cohort_file(src, out, chunk_rows=3)
    assert [p.field for p in info.value.problems] == ["line 9", "line 10", "line 11 (id=X): ecog"]
    assert not out.exists()
    src.write_text("\n".join(lines[:8]) + "\n\n", encoding="utf-8")
    assert assess_cohort_file(src, out, chunk_rows=3) == 7
    assert pd.read_parquet(out)["id"].tolist() == [f"P{i}" for i in range(7)]


def test_jsonl_of_the_example_patients_via_cli(tmp_path: Path) -> None:
    raws = json.loads((EXAMPLES / "patients.json").read_text(encoding="utf-8"))
    src = tmp_path / "p.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in raws), encoding="utf-8")
    code, out, err = _run("assess", str(src))
    assert code == 0, err
    table = pd.read_csv(io.StringIO(out))
    assert table["id"].tolist() == [r["id"] for r in raws]
    code, json_out, _ = _run("assess", str(EXAMPLES / "patients.json"), "--json")
    per_patient = json.loads(json_out)
    assert table["child_pugh_class"].fillna("").tolist() == [
        r["child_pugh"]["class"] or "" for r in per_patient
    ]


# --- encodings and binary files -----------------------------------------------------------


def test_latin1_csv_needs_encoding(tmp_path: Path) -> None:
    text = (EXAMPLES / "cohort.csv").read_text(encoding="utf-8")
    assert "µmol/L" in text
    src = tmp_path / "latin1.csv"
    src.write_bytes(text.encode("latin-1"))
    code, _, err = _run("assess", str(src), "--out", str(tmp_path / "o.csv"))
    assert code == 2
    assert "Traceback" not in err
    (line,) = err.strip().splitlines()
    assert line.startswith("error: ")
    assert "latin1.csv: got 'not UTF-8: byte 0xB5 at offset" in line
    assert "on line 3 (looks like cp1252; the line then reads" in line
    assert "µmol/L" in line
    assert "pass --encoding cp1252" in line
    assert not (tmp_path / "o.csv").exists()
    for encoding in ("latin-1", "cp1252"):
        code, out, err = _run("assess", str(src), "--encoding", encoding)
        assert code == 0, err
        assert out == _in_memory(EXAMPLES / "cohort.csv").to_csv(index=False)


def test_utf8_bom_accepted(tmp_path: Path) -> None:
    src = tmp_path / "bom.csv"
    src.write_bytes(b"\xef\xbb\xbf" + (EXAMPLES / "cohort.csv").read_bytes())
    code, out, err = _run("assess", str(src))
    assert code == 0, err
    assert out == _in_memory(EXAMPLES / "cohort.csv").to_csv(index=False)


def test_cp1251_guessed(tmp_path: Path) -> None:
    rows = "".join(f"P{i},{i % 5},\n" for i in range(200))
    rows += "P200,1,Петров Иван Сергеевич\nP201,0,Сидорова Анна Петровна\n"
    src = tmp_path / "ru.csv"
    src.write_bytes(("id,ecog,name\n" + rows).encode("cp1251"))
    code, _, err = _run("assess", str(src))
    assert code == 2
    assert "on line 202 (looks like cp1251" in err
    assert "Петров Иван" in err
    assert "pass --encoding cp1251" in err


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"PAR1\x15\x04\x15\x10", "got 'binary file (looks like Parquet)'"),
        (b"PK\x03\x04\x14\x00\x06\x00", "got 'binary file (looks like ZIP, e.g. XLSX or DOCX)'"),
        (bytes(range(256)) * 4, "got 'binary file (NUL bytes in its first KiB)'"),
        ("id,ecog\nA,1\n".encode("utf-16"), "or pass --encoding utf-16"),
    ],
)
def test_binary_file_as_csv(tmp_path: Path, content: bytes, says: str) -> None:
    src = tmp_path / "data.csv"
    src.write_bytes(content)
    code, _, err = _run("assess", str(src))
    assert code == 2
    assert err.startswith("error: ")
    assert "data.csv: got " in err
    assert says in err
    assert "Traceback" not in err


def test_utf16_with_encoding(tmp_path: Path) -> None:
    src = tmp_path / "u16.csv"
    src.write_bytes((EXAMPLES / "cohort.csv").read_text(encoding="utf-8").encode("utf-16"))
    code, out, err = _run("assess", str(src), "--encoding", "utf-16")
    assert code == 0, err
    assert out == _in_memory(EXAMPLES / "cohort.csv").to_csv(index=False)


def test_encoding_option_checked(tmp_path: Path) -> None:
    code, _, err = _run("assess", str(EXAMPLES / "cohort.csv"), "--encoding", "klingon")
    assert code == 2
    assert "--encoding: got 'klingon'" in err
    code, _, err = _run("assess", str(EXAMPLES / "patients.json"), "--encoding", "latin-1")
    assert code == 2
    assert "only for a .csv or .jsonl cohort file" in err


def test_parquet_that_is_not(tmp_path: Path) -> None:
    src = tmp_path / "x.parquet"
    src.write_bytes((EXAMPLES / "cohort.csv").read_bytes())
    code, _, err = _run("assess", str(src))
    assert code == 2
    assert "x.parquet: got 'not a Parquet file (text)'" in err
    assert "allowed: a Parquet file" in err


# --- the JSON list limit ------------------------------------------------------------------


def test_long_json_list_refused_pointing_to_jsonl_or_csv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cohort_io, "MAX_JSON_PATIENTS", 3)
    src = tmp_path / "p.json"
    src.write_text(json.dumps([{"id": f"P{i}"} for i in range(4)]), encoding="utf-8")
    code, out, err = _run("assess", str(src), "--json")
    assert code == 2
    assert out == ""
    assert "p.json: input: got 'a list of 4 patients'; allowed: at most 3 patients" in err
    assert ".jsonl" in err
    assert "CSV" in err
    src.write_text(json.dumps([{"id": f"P{i}"} for i in range(3)]), encoding="utf-8")
    code, out, _ = _run("assess", str(src), "--json")
    assert code == 0
    assert len(json.loads(out)) == 3
