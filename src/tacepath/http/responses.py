"""JSON responses that never fail: a non-finite number (``NaN``/``inf``) becomes ``null``,
and text that is not valid Unicode (a lone surrogate such as ``"\ud800"`` decoded from a
JSON escape) is written as a JSON escape instead of failing to encode."""

from __future__ import annotations

import json
import math
from typing import Any

from fastapi.encoders import jsonable_encoder
from fastapi.responses import HTMLResponse, JSONResponse, Response

__all__ = ["SUMMARY_CSP", "SafeJSONResponse", "attachment", "plain", "summary_html"]

#: Summaries, packs and letters carry their own inline stylesheet (they are also files).
SUMMARY_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'none'"
)


def attachment(content: str | bytes, media_type: str, filename: str) -> Response:
    """``content`` as a download named ``filename`` (a name tacepath made, never one typed
    by a user: a worklist, a letter, a report, a calendar)."""
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def summary_html(html: str) -> HTMLResponse:
    """A summary, pack or letter as a page, under :data:`SUMMARY_CSP`."""
    return HTMLResponse(html, headers={"Content-Security-Policy": SUMMARY_CSP})


def plain(obj: Any) -> Any:
    """JSON-safe data: dates as ISO text, non-finite floats as None."""
    if isinstance(obj, dict):
        return {str(k): plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [plain(v) for v in obj]
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, str | int | float | bool) or obj is None:
        return obj
    try:
        return plain(jsonable_encoder(obj))
    except (TypeError, ValueError):
        return str(obj)


class SafeJSONResponse(JSONResponse):
    def render(self, content: Any) -> bytes:
        data = plain(content)
        text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        try:
            return text.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: every non-ASCII character escaped
            return json.dumps(data, allow_nan=False, separators=(",", ":")).encode("ascii")
