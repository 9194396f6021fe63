"""Who is acting: a user of an organisation, with a role, by session or API token."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from tacepath.service.permissions import allowed, check

__all__ = ["Principal", "system_principal"]


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


def system_principal(
    *, organisation_id: int, organisation: str, role: str, username: str
) -> Principal:
    """tacepath itself acting for an organisation (the command line, the demo loader): no
    user, no session; ``username`` names the actor in the audit trail."""
    return Principal(
        user_id=0,
        username=username,
        full_name="",
        organisation_id=organisation_id,
        organisation=organisation,
        role=role,
        via="system",
    )
