"""``tacepath summary pack``: contents, the MDT summary, the listed documents in order; a
list naming a file of another type, an unknown kind or too many documents is refused."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tacepath.cli import app

pypdf = pytest.importorskip("pypdf")
pytest.importorskip("weasyprint")
ROOT = Path(__file__).resolve().parents[2]
PATIENT = ROOT / "examples" / "pathway" / "intermediate_candidate.json"
runner = CliRunner()


def _pages(path: Path) -> int:
    return len(pypdf.PdfReader(path).pages)


def test_pack_from_the_command_line(tmp_path: Path) -> None:
    w = pypdf.PdfWriter()
    for _ in range(3):
        w.add_blank_page(width=595, height=842)
    buf = io.BytesIO()
    w.write(buf)
    (tmp_path / "ct.pdf").write_bytes(buf.getvalue())
    (tmp_path / "note.txt").write_text("Discharged after TACE 1.\n")
    (tmp_path / "docs.yaml").write_text(
        "- {file: note.txt, kind: letter, date: 2026-02-01, title: Discharge letter}\n"
        "- {file: ct.pdf, kind: imaging_report, date: 2026-03-02, title: CT after TACE 1}\n"
    )
    summary = tmp_path / "mdt.html"
    assert runner.invoke(app, ["summary", "mdt", str(PATIENT), "--out", str(summary),
                               "--pdf", str(tmp_path / "mdt.pdf")]).exit_code == 0  # fmt: skip
    out = tmp_path / "pack.pdf"
    r = runner.invoke(
        app,
        ["summary", "pack", str(PATIENT), "--documents", str(tmp_path / "docs.yaml"),
         "--out", str(out)],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    s = _pages(tmp_path / "mdt.pdf")
    assert _pages(out) == 1 + s + 1 + 3
    contents = pypdf.PdfReader(out).pages[0].extract_text()
    sha = hashlib.sha256(buf.getvalue()).hexdigest()[:12]
    assert f"{sha} {1 + s + 2}" in contents  # the CT starts after the letter's page
    assert "Discharge letter" in contents


@pytest.mark.parametrize(
    ("entry", "field", "found"),
    [
        ("{file: x.txt, kind: scan, date: 2026-02-01, title: T}", "--documents[0].kind", "scan"),
        ("{file: x.txt, kind: other, date: '2026-13-01', title: T}", "[0].date", "2026-13-01"),
        ("{file: x.docx, kind: other, date: 2026-02-01, title: T}", "--documents[0].file", "ZIP"),
        ("{file: x.txt, kind: other, date: 2026-02-01, title: ''}", "[0].title", "0 characters"),
        ("{file: x.txt, kind: other, date: 2026-02-01}", "--documents[0]", "other keys"),
    ],
)  # fmt: skip
def test_a_bad_list_is_refused_naming_the_entry(
    tmp_path: Path, entry: str, field: str, found: str
) -> None:
    (tmp_path / "x.txt").write_text("note\n")
    (tmp_path / "x.docx").write_bytes(b"PK\x03\x04" + bytes(30))
    (tmp_path / "docs.yaml").write_text(f"- {entry}\n")
    r = runner.invoke(
        app,
        ["summary", "pack", str(PATIENT), "--documents", str(tmp_path / "docs.yaml"),
         "--out", str(tmp_path / "p.pdf")],
    )  # fmt: skip
    assert r.exit_code == 2
    assert field in r.output
    assert found in r.output
    assert not (tmp_path / "p.pdf").exists()


def test_at_most_twenty_documents(tmp_path: Path) -> None:
    (tmp_path / "x.txt").write_text("note\n")
    entry = "- {file: x.txt, kind: other, date: 2026-02-01, title: T}\n"
    (tmp_path / "docs.yaml").write_text(entry * 21)
    r = runner.invoke(
        app,
        ["summary", "pack", str(PATIENT), "--documents", str(tmp_path / "docs.yaml"),
         "--out", str(tmp_path / "p.pdf")],
    )  # fmt: skip
    assert r.exit_code == 2
    assert "21 entries" in r.output
