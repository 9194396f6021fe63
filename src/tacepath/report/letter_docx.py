"""A letter as a Word document (DOCX), written with python-docx from the letter's HTML.

The letter's HTML is the one rendering of the decision (:mod:`tacepath.report.letters`);
this module only carries its text over: headings, paragraphs, line breaks, bold text,
bullet lists and tables, in document order. python-docx (a maintained library) writes the
file; reading the small HTML subset the letter templates produce is done here with the
standard library's :class:`html.parser.HTMLParser`, because no maintained HTML-to-DOCX
library exists (the ones on PyPI are unmaintained wrappers around the same two libraries).
Styles, scripts and the document's title are left out; anything else keeps its text.
"""

from __future__ import annotations

import importlib
import io
from html.parser import HTMLParser
from typing import Any

from tacepath.errors import InputError

__all__ = ["letter_docx"]

_SKIP = {"style", "script", "title", "head"}
_BLOCKS = {"p", "div", "h1", "h2", "h3", "li"}


def _docx() -> Any:
    try:
        return importlib.import_module("docx")
    except ImportError as exc:  # pragma: no cover - a declared extra
        raise InputError(
            "format", "docx", "python-docx installed (pip install tacepath[pdf])"
        ) from exc


class _Writer(HTMLParser):
    """Walks the letter's HTML and adds its text to a python-docx document."""

    def __init__(self, document: Any) -> None:
        super().__init__(convert_charrefs=True)
        self.doc = document
        self.skip = 0
        self.bold = 0
        self.para: Any = None
        self.table: Any = None
        self.row: list[Any] = []
        self.in_cell = False

    def _new(self, tag: str) -> None:
        if self.para is not None and not self.para.text:  # an empty wrapper: drop it
            self.para._element.getparent().remove(self.para._element)
        if tag in ("h1", "h2", "h3"):
            self.para = self.doc.add_heading(level=int(tag[1]))
        elif tag == "li":
            self.para = self.doc.add_paragraph(style="List Bullet")
        else:
            self.para = self.doc.add_paragraph()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip += 1
        elif tag in ("b", "strong", "th"):
            self.bold += 1
        if tag == "table":
            self.table = self.doc.add_table(rows=0, cols=0)
            self.table.style = "Table Grid"
            self.rows: list[list[tuple[list[tuple[str, bool]], bool]]] = []
        elif tag == "tr" and self.table is not None:
            self.rows.append([])
        elif tag in ("td", "th") and self.table is not None and self.rows:
            self.rows[-1].append(([], tag == "th"))
            self.in_cell = True
        elif tag == "br":
            if self.in_cell and self.rows and self.rows[-1]:
                self.rows[-1][-1][0].append(("\n", False))
            elif self.para is not None:
                self.para.add_run().add_break()
        elif tag in _BLOCKS and not self.in_cell:
            self._new(tag)
        elif tag == "li" and self.in_cell and self.rows and self.rows[-1]:
            self.rows[-1][-1][0].append(("\n• ", False))

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag in ("b", "strong", "th"):
            self.bold = max(0, self.bold - 1)
        if tag in ("td", "th"):
            self.in_cell = False
        elif tag == "table" and self.table is not None:
            self._fill_table()
        elif tag in _BLOCKS and not self.in_cell:
            self.para = None

    def _fill_table(self) -> None:
        rows = [r for r in self.rows if r]
        width = max((len(r) for r in rows), default=0)
        table = self.doc.add_table(rows=len(rows), cols=max(width, 1))
        table.style = "Table Grid"
        for i, r in enumerate(rows):
            for j, (runs, _header) in enumerate(r):
                para = table.cell(i, j).paragraphs[0]
                for text, bold in runs:
                    run = para.add_run(text)
                    run.bold = bold or None
        old = self.table._tbl  # the empty placeholder table made at <table>
        old.getparent().remove(old)
        self.table, self.rows = None, []
        self.para = None

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        text = " ".join(data.split())
        if not text:
            return
        if data[:1].isspace():
            text = " " + text
        if data[-1:].isspace():
            text += " "
        if self.in_cell and self.rows and self.rows[-1]:
            self.rows[-1][-1][0].append((text, self.bold > 0))
            return
        if self.table is not None:
            return
        if self.para is None:
            self.para = self.doc.add_paragraph()
        run = self.para.add_run(text)
        run.bold = True if self.bold else None


def letter_docx(html: str, *, title: str) -> bytes:
    """The letter's HTML as DOCX bytes (its text, headings, lists and tables)."""
    docx = _docx()
    document = docx.Document()
    document.core_properties.title = title[:200]
    document.core_properties.author = "tacepath"
    writer = _Writer(document)
    writer.feed(html)
    writer.close()
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
