"""Settings of a running server."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SESSION_COOKIE", "Settings"]

SESSION_COOKIE = "tacepath_session"


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """``database_url``: SQLAlchemy URL; ``secure_cookies``: the Secure flag on cookies (off
    only for plain-HTTP development on another host than localhost); ``demo``: show the demo
    banner."""

    database_url: str
    secure_cookies: bool = True
    demo: bool = False
    migrate: bool = True
    pool_size: int = 10
