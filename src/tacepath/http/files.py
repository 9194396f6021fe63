"""A stored file sent back to the browser: its type as judged when it was stored, inline or
as a download, and nothing it can run (the API and the pages share it)."""

from __future__ import annotations

from starlette.responses import Response

__all__ = ["DOCUMENT_CSP", "stored_file"]

#: What a served document may do in the browser: nothing but be shown.
DOCUMENT_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


def stored_file(content: bytes, media_type: str, filename: str, *, download: bool) -> Response:
    """``content`` with ``media_type`` (text as UTF-8), ``nosniff``, a sandboxing CSP, no
    caching, and ``filename`` (made by tacepath, never the uploaded name)."""
    media = "text/plain; charset=utf-8" if media_type == "text/plain" else media_type
    how = "attachment" if download else "inline"
    return Response(
        content,
        media_type=media,
        headers={
            "Content-Disposition": f'{how}; filename="{filename}"',
            "Content-Security-Policy": DOCUMENT_CSP,
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        },
    )
