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

import unicodedata
from dataclasses import dataclass

from tacepath.errors import InputError
from tacepath.interop.files import binary_kind

__all__ = ["ACCEPTED", "MAX_ATTACHMENT_BYTES", "Sniffed", "sniff"]

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
