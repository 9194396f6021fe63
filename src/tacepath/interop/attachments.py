"""What an attached file is, judged by its content (the first bytes), never by its name.

A patient's documents (imaging reports, pathology, letters, consents) are PDF, PNG, JPEG or
plain UTF-8 text. Three binary signatures are checked as their specifications define them
(PDF: ``%PDF-``, ISO 32000-1 7.5.2; PNG: the 8-byte signature, RFC 2083 3.1; JPEG: the SOI
marker ``FF D8`` followed by a marker ``FF``, ITU T.81 B.1.1.3); text must decode as UTF-8
with no control character but tab, line feed, form feed and carriage return. Written by hand
because three byte prefixes and a decode do not justify a dependency (libmagic would also
report types tacepath refuses); anything else is refused, naming what was found.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from tacepath.errors import InputError
from tacepath.interop.files import binary_kind, read_bytes, read_json_or_yaml

__all__ = [
    "ACCEPTED",
    "KIND_LABELS",
    "MAX_ATTACHMENT_BYTES",
    "MAX_LISTED_DOCUMENTS",
    "ListedDocument",
    "Sniffed",
    "read_document_list",
    "sniff",
]

#: The largest attachment stored (the upload routes accept bodies of 21 MiB).
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
ACCEPTED = "a PDF, PNG or JPEG file, or UTF-8 text"


@dataclass(frozen=True, slots=True)
class Sniffed:
    """The media type of the content and the file extension it is served with."""

    media_type: str
    extension: str


_SIGNATURES = (
    (b"%PDF-", Sniffed("application/pdf", "pdf")),
    (b"\x89PNG\r\n\x1a\n", Sniffed("image/png", "png")),
    (b"\xff\xd8\xff", Sniffed("image/jpeg", "jpg")),
)
_TEXT_CONTROLS = {"\t", "\n", "\f", "\r"}


def _text(content: bytes) -> bool:
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not any(unicodedata.category(ch) == "Cc" and ch not in _TEXT_CONTROLS for ch in text)


def sniff(content: bytes, *, field: str = "file") -> Sniffed:
    """The type of ``content`` by its first bytes; refused when empty, too large or of
    another type (the error names what was found, never the content)."""
    if not content:
        raise InputError(field, "an empty file", ACCEPTED)
    if len(content) > MAX_ATTACHMENT_BYTES:
        mib = len(content) / 1024 / 1024
        raise InputError(field, f"{mib:.1f} MiB", f"at most {MAX_ATTACHMENT_BYTES // 2**20} MiB")
    for magic, kind in _SIGNATURES:
        if content.startswith(magic):
            return kind
    if _text(content):
        return Sniffed("text/plain; charset=utf-8", "txt")
    found = binary_kind(content[:1024]) or "binary content of another type"
    raise InputError(field, found, ACCEPTED)


#: The kinds of a patient's documents and how pages name them (the database keeps the keys).
KIND_LABELS = {
    "imaging_report": "imaging report",
    "pathology": "pathology",
    "letter": "letter",
    "consent": "consent",
    "other": "other",
}
#: Most documents one list of documents (an MDT pack) takes: a bound, not a clinical number.
MAX_LISTED_DOCUMENTS = 20


@dataclass(frozen=True, slots=True, kw_only=True)
class ListedDocument:
    """A document named in a list of documents (kind, date, title), its content checked."""

    kind: str
    title: str
    date: dt.date
    media_type: str
    sha256: str
    content: bytes


def read_document_list(path: Path, *, field: str = "--documents") -> list[ListedDocument]:
    """The documents of a YAML or JSON list ``[{file, kind, date, title}]``, each file read
    relative to the list's folder, checked by size and judged by its content (:func:`sniff`);
    every problem names the entry."""
    entries = read_json_or_yaml(path, field=field)
    if not isinstance(entries, list) or not 1 <= len(entries) <= MAX_LISTED_DOCUMENTS:
        shown = f"{len(entries)} entries" if isinstance(entries, list) else type(entries).__name__
        raise InputError(field, shown, f"a list of 1 to {MAX_LISTED_DOCUMENTS} documents")
    out: list[ListedDocument] = []
    for i, e in enumerate(entries):
        at = f"{field}[{i}]"
        if not isinstance(e, dict) or set(e) != {"file", "kind", "date", "title"}:
            raise InputError(at, "other keys" if isinstance(e, dict) else type(e).__name__,
                             "an entry with file, kind, date, title")  # fmt: skip
        if e["kind"] not in KIND_LABELS:
            raise InputError(f"{at}.kind", str(e["kind"])[:40], ", ".join(KIND_LABELS))
        title = e["title"].strip() if isinstance(e["title"], str) else ""
        if not 1 <= len(title) <= 200:
            raise InputError(f"{at}.title", f"{len(title)} characters", "1 to 200 characters")
        try:
            day = dt.date.fromisoformat(str(e["date"])[:32])
        except ValueError:
            raise InputError(f"{at}.date", str(e["date"])[:32], "an ISO date") from None
        name = e["file"]
        if not isinstance(name, str) or not name.strip():
            raise InputError(f"{at}.file", str(name)[:40], "a file name")
        content = read_bytes(path.parent / name, field=f"{at}.file", max_bytes=MAX_ATTACHMENT_BYTES)
        kind = sniff(content, field=f"{at}.file")
        out.append(
            ListedDocument(
                kind=e["kind"],
                title=title,
                date=day,
                media_type=kind.media_type.split(";")[0],
                sha256=hashlib.sha256(content).hexdigest(),
                content=content,
            )
        )
    return out
