"""The request body limit: an ASGI middleware that refuses a body larger than the limit
while it is read, before anything parses it.

* A ``Content-Length`` over the limit is answered 413 at once; the body is never read.
* A body without one (chunked) is counted as it arrives and cut at the limit: the first
  message past it raises :class:`BodyTooLarge` (413) inside the reader, so a JSON, form or
  multipart parser never holds more than the limit.

The limit is :attr:`Settings.max_body_bytes`; the upload routes (:data:`UPLOAD_PATHS`: trial
files, patient documents, FHIR and cohort imports, curve reconstruction) have the larger
:attr:`Settings.max_upload_bytes`, just above their own file limits.
"""

from __future__ import annotations

import json
import re

from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["UPLOAD_PATHS", "BodyLimit", "BodyTooLarge"]

#: The routes that take a file; their bodies may reach ``max_upload_bytes``.
UPLOAD_PATHS = re.compile(
    r"^(/api)?/(trials/[0-9]+/files|patients/[0-9]+/documents|import/(fhir|csv)|reconstruct)/?$"
    r"|^/cohort/?$"
)


class BodyTooLarge(StarletteHTTPException):
    """A request body over its limit (413)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body larger than {limit} bytes")
        self.limit = limit


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return -1
    return None


async def _refuse(send: Send, status: int, message: str) -> None:
    body = json.dumps({"error": "HTTPError", "message": message}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
                (b"cache-control", b"no-store"),
                (b"x-content-type-options", b"nosniff"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """Refuse request bodies over ``limit`` bytes (``upload_limit`` on :data:`UPLOAD_PATHS`)."""

    def __init__(self, app: ASGIApp, *, limit: int, upload_limit: int) -> None:
        self.app, self.limit, self.upload_limit = app, limit, upload_limit

    def limit_of(self, path: str) -> int:
        return self.upload_limit if UPLOAD_PATHS.match(path) else self.limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_of(scope.get("path", ""))
        declared = _content_length(scope)
        if declared is not None and declared < 0:
            await _refuse(send, 400, "Content-Length is not a number")
            return
        if declared is not None and declared > limit:
            await _refuse(send, 413, f"request body larger than {limit} bytes")
            return
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracked(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, tracked)
        except BodyTooLarge as exc:
            if started:
                raise
            await _refuse(send, 413, str(exc.detail))
