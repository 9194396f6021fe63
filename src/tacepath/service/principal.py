"""Who is acting: a user of an organisation, with a role, by session or API token."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from tacepath.service.permissions import allowed, check

__all__ = ["Principal"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Principal:
    user_id: int
    username: str
    full_name: str
    organisation_id: int
    organisation: str
    role: str
    via: Literal["session", "token", "system"]
    session_id: str | None = None
    csrf_token: str | None = None

    def can(self, permission: str) -> bool:
        return allowed(self.role, permission)

    def require(self, permission: str) -> None:
        check(self.role, permission)

    def to_dict(self) -> dict[str, object]:
        return {
            "username": self.username,
            "full_name": self.full_name,
            "organisation": self.organisation,
            "role": self.role,
            "via": self.via,
        }
