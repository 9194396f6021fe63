"""Settings of a running server."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["MAX_BODY_BYTES", "MAX_UPLOAD_BYTES", "SESSION_COOKIE", "Settings"]

SESSION_COOKIE = "tacepath_session"
#: The largest request body by default (JSON and forms): 2 MiB.
MAX_BODY_BYTES = 2 * 1024 * 1024
#: The largest body of an upload route by default: a 20 MiB trial file and its multipart
#: envelope.
MAX_UPLOAD_BYTES = 21 * 1024 * 1024


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """``database_url``: SQLAlchemy URL; ``secure_cookies``: the Secure flag on cookies (off
    only for plain-HTTP development on another host than localhost); ``demo``: show the demo
    banner; ``max_body_bytes``: the largest request body (413 over it, refused while it is
    read); ``max_upload_bytes``: the same for the upload routes (trial files, imports,
    reconstruction)."""

    database_url: str
    secure_cookies: bool = True
    demo: bool = False
    migrate: bool = True
    pool_size: int = 10
    max_body_bytes: int = MAX_BODY_BYTES
    max_upload_bytes: int = MAX_UPLOAD_BYTES
