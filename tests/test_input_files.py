"""``tacepath.interop.files``: what each check refuses, and what it lets through."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tacepath.errors import InputError
from tacepath.interop import files


def _message(exc: pytest.ExceptionInfo[InputError]) -> str:
    return "\n".join(str(p) for p in exc.value.problems)


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"%PDF-1.7\n", "PDF"),
        (b"\x89PNG\r\n\x1a\n....", "PNG"),
        (b"\xff\xd8\xff\xe0", "JPEG"),
        (b"PK\x03\x04xl/", "ZIP, e.g. XLSX or DOCX"),
        (b"\x1f\x8b\x08", "gzip"),
        (b"PAR1\x15\x04", "Parquet"),
        (b"abc\x00def", "NUL bytes"),
        (b"\xff\xfea\x00b\x00", None),  # UTF-16 with its BOM: text
        (b"id,name\n1,x\n", None),
    ],
)
def test_binary_kind(head: bytes, kind: str | None) -> None:
    assert files.binary_kind(head) == kind


def test_utf8_with_bom_and_other_encodings_on_request(tmp_path: Path) -> None:
    bom = tmp_path / "bom.csv"
    bom.write_bytes("\ufeffid,name\n1,Müller\n".encode())
    assert list(files.read_table(bom).columns) == ["id", "name"]
    latin = tmp_path / "latin.csv"
    latin.write_bytes("id;name\n1;Müller\n".encode("latin-1"))
    with pytest.raises(InputError) as err:
        files.read_table(latin)
    assert "not UTF-8: byte 0xFC at offset 11" in _message(err)
    assert "--encoding" in _message(err)
    assert files.read_table(latin, encoding="latin-1").iloc[0, 0] == "1;Müller"
    utf16 = tmp_path / "u16.csv"
    utf16.write_bytes("id,name\n1,x\n".encode("utf-16"))
    with pytest.raises(InputError, match="looks like utf-16"):
        files.read_table(utf16)
    assert list(files.read_table(utf16, encoding="utf-16").columns) == ["id", "name"]
    with pytest.raises(InputError, match="--encoding: got 'klingon'"):
        files.read_table(latin, encoding="klingon")


def test_json_yaml_and_jsonl_errors_give_line_and_column(tmp_path: Path) -> None:
    cut = tmp_path / "cut.json"
    cut.write_text('{"id": "P1",\n "labs": {"inr": ')
    with pytest.raises(InputError, match=r"line 2, column 18: unexpected end of file"):
        files.read_json_or_yaml(cut)
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: P1\nlabs: [1, 2\n")
    with pytest.raises(InputError, match=r"line 3, column 1: .*valid YAML"):
        files.read_json_or_yaml(bad)
    lines = tmp_path / "many.jsonl"
    lines.write_text('{"id": 1}\n' + "not json\n" * 30 + '{"id": "cut')
    with pytest.raises(InputError) as err:
        files.read_jsonl(lines)
    problems = err.value.problems
    assert len(problems) == 21
    assert "line 2, column 1" in str(problems[0])
    assert "11 more bad lines" in str(problems[-1])
    date = tmp_path / "date.yaml"
    date.write_text("id: P1\ndate: 2020-13-45\n")
    with pytest.raises(
        InputError, match=r"a value YAML cannot read \(ValueError: month must be in 1..12\)"
    ):
        files.read_json_or_yaml(date)
    assert files.parse_jsonl('{"note": "a\u2028b"}\r\n\n[1]', name="x") == [
        {"note": "a\u2028b"},
        [1],
    ]
    with pytest.raises(InputError, match="Exceeds the limit"):
        files.parse_json("1" * 5000, name="x")
    with pytest.raises(InputError, match="nested too deeply"):
        files.parse_jsonl("[" * 100_000, name="x")
    blank = tmp_path / "blank.json"
    blank.write_text("  \n\n")
    with pytest.raises(InputError, match="only white space"):
        files.read_json_or_yaml(blank)


def test_size_limit_points_to_jsonl_or_csv_for_cohorts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(files, "MAX_DOCUMENT_BYTES", 10)
    big = tmp_path / "cohort.json"
    big.write_text('[{"id": "P1"}, {"id": "P2"}]')
    with pytest.raises(InputError, match=r"at most 10 bytes; for a cohort use JSON Lines"):
        files.read_json_or_yaml(big)


def test_tables_check_format_columns_and_magic(tmp_path: Path) -> None:
    frame = pd.DataFrame({"USUBJID": ["A", "B"], "AGE": [61, 70], "SEX": ["M", "F"]})
    csv = tmp_path / "adsl.csv"
    frame.to_csv(csv, index=False)
    parquet = tmp_path / "adsl.parquet"
    frame.to_parquet(parquet, index=False)
    for path in (csv, parquet):
        assert list(files.read_table(path, columns=["SEX", "USUBJID"]).columns) == [
            "SEX",
            "USUBJID",
        ]
        with pytest.raises(InputError, match=r"no column ARM.*the file has USUBJID, AGE, SEX"):
            files.read_table(path, columns=["USUBJID", "ARM"])
    fake = tmp_path / "fake.parquet"
    fake.write_bytes(csv.read_bytes())
    with pytest.raises(InputError, match=r"not a Parquet file \(text\)"):
        files.read_table(fake)
    cut = tmp_path / "cut.parquet"
    cut.write_bytes(parquet.read_bytes()[:40])
    with pytest.raises(InputError, match="not a readable Parquet file"):
        files.read_table(cut)
    with pytest.raises(InputError, match=r"a file ending in \.csv or \.parquet"):
        files.read_table(tmp_path / "adsl.xlsx", formats=("csv", "parquet"))
    assert list(files.read_table_bytes(parquet.read_bytes(), name="upload", fmt="parquet")) == [
        "USUBJID",
        "AGE",
        "SEX",
    ]


def test_xpt_label_is_kept(tmp_path: Path) -> None:
    from tacepath.interop.adam_io import write_dataset

    frame = pd.DataFrame({"USUBJID": ["A"], "AGE": [61.0]})
    path = write_dataset(frame, tmp_path / "adsl.xpt", name="ADSL", label="Subject level")
    assert files.read_table(path).attrs["label"] == "Subject level"
    fake = tmp_path / "fake.xpt"
    fake.write_bytes(b"%PDF-1.4\n")
    with pytest.raises(InputError, match=r"not a SAS XPT file \(looks like PDF\)"):
        files.read_table(fake)


def test_missing_directory_empty_and_long_paths(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="an existing CSV file"):
        files.read_table(tmp_path / "none.csv", field="--curve")
    with pytest.raises(InputError, match="got 'a directory'"):
        files.read_json_or_yaml(tmp_path)
    deep = tmp_path / ("d" * 120)
    deep.mkdir()
    empty = deep / "empty.json"
    empty.write_bytes(b"")
    with pytest.raises(InputError) as err:
        files.read_json_or_yaml(empty)
    field = err.value.problems[0].field
    assert field.startswith("…")
    assert field.endswith("empty.json")
    assert len(field) == 80


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=40), codec=st.sampled_from(["utf-8-sig", "utf-16", "cp1252"]))
def test_offset_of_the_first_bad_byte_across_chunks(data: bytes, codec: str) -> None:
    expected = None
    try:
        data.decode(codec)
    except UnicodeDecodeError as exc:
        expected = exc.start
    original = files._CHUNK
    try:
        files._CHUNK = 3  # many chunk boundaries, inside multi-byte characters too
        assert files._first_bad_byte(data, codec) == expected
    finally:
        files._CHUNK = original


_YAML_TAGS = ["", "!!timestamp ", "!!int ", "!!float ", "!!binary ", "!!set ", "!!omap ", "<<: "]


@settings(max_examples=300, deadline=None)
@given(
    tag=st.sampled_from(_YAML_TAGS),
    text=st.text(alphabet="-:0123456789!abcdefimnoprstxTZ[]{}#&*?|>'\"\n ,.", max_size=60),
)
def test_yaml_text_is_parsed_or_refused(tag: str, text: str) -> None:
    with contextlib.suppress(InputError):  # anything else (ValueError, KeyError...) fails
        files.parse_yaml(tag + text, name="x.yaml")
