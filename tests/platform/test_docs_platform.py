"""docs/platform.md stays true: its permission table is the code's."""

from __future__ import annotations

from pathlib import Path

from tacepath.service.permissions import permission_table_markdown

DOC = Path(__file__).resolve().parents[2] / "docs" / "platform.md"


def test_permission_table_in_the_docs_is_the_code() -> None:
    text = DOC.read_text(encoding="utf-8")
    start = text.index("<!-- permission table")
    body = text[text.index("\n", start) + 1 : text.index("<!-- end of permission table")]
    assert body.strip() == permission_table_markdown()


def test_every_loinc_code_in_the_table_is_documented_with_its_source() -> None:
    from tacepath.interop.loinc import ECOG, LABS

    text = DOC.read_text(encoding="utf-8")
    for code in [*LABS.values(), ECOG]:
        assert f"| {code.code} |" in text
