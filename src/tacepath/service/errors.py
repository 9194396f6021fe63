"""Errors of the use cases, each mapped to one HTTP status by the API.

::

    TacepathError
    └── ServiceError
        ├── NotAuthenticated      401  no valid session or token
        ├── PermissionDenied      403  the role may not do this (permission table)
        ├── NotFound              404  no such record in the principal's organisation
        ├── StaleVersion          409  the record changed since it was read
        ├── AlreadyExists         409  a unique name or id is taken
        ├── VersionRequired       428  a write did not say which version it was made on
        ├── RateLimited           429  too many failed logins
        │   └── TooManyJobs       429  the organisation's job limit is reached
        └── Busy                  503  the database is busy (locked); try again shortly

Input errors are :class:`tacepath.errors.InputError` (422, field/value/allowed).
"""

from __future__ import annotations

from tacepath.errors import TacepathError

__all__ = [
    "AlreadyExists",
    "Busy",
    "NotAuthenticated",
    "NotFound",
    "PermissionDenied",
    "RateLimited",
    "ServiceError",
    "StaleVersion",
    "TooManyJobs",
    "VersionRequired",
]


class ServiceError(TacepathError):
    """A use case refused the request (see the tree above)."""


class NotAuthenticated(ServiceError):
    """No valid session or API token."""


class PermissionDenied(ServiceError):
    """The principal's role lacks the permission."""

    def __init__(self, permission: str, role: str) -> None:
        self.permission = permission
        self.role = role
        super().__init__(f"role {role!r} lacks permission {permission!r}")


class NotFound(ServiceError):
    """No such record in the principal's organisation (never says whether it exists elsewhere)."""

    def __init__(self, what: str, key: object) -> None:
        self.what = what
        self.key = key
        super().__init__(f"{what} {key!r} not found")


class StaleVersion(ServiceError):
    """An update named a version that is no longer current (a concurrent edit)."""

    def __init__(self, what: str, key: object, given: int | None, current: int | None) -> None:
        self.what = what
        self.key = key
        self.given = given
        self.current = current
        super().__init__(
            f"{what} {key!r} was changed by someone else (version {given} given, "
            f"current is {current}): reload it and enter the change again"
        )


class AlreadyExists(ServiceError):
    """A unique key is taken."""

    def __init__(self, what: str, key: object) -> None:
        self.what = what
        self.key = key
        super().__init__(f"{what} {key!r} already exists")


class RateLimited(ServiceError):
    """Too many failed logins (or ``what``); try again after ``retry_after`` seconds."""

    def __init__(self, retry_after: int, what: str = "failed logins") -> None:
        self.retry_after = retry_after
        super().__init__(f"too many {what}: try again in {retry_after} s")


class TooManyJobs(RateLimited):
    """The organisation already has as many jobs queued or running as it may; try again
    when one has finished (``retry_after`` seconds is a guess)."""

    def __init__(self, limit: int, retry_after: int = 10) -> None:
        self.retry_after = retry_after
        self.limit = limit
        ServiceError.__init__(
            self,
            f"the organisation already has {limit} jobs queued or running (its limit): "
            "start this one when one has finished or cancel one",
        )


class Busy(ServiceError):
    """The database could not take the transaction now (SQLite "database is locked",
    PostgreSQL lock timeout, serialization failure or deadlock); nothing was stored. Try
    again after ``retry_after`` seconds."""

    def __init__(self, retry_after: int = 2) -> None:
        self.retry_after = retry_after
        super().__init__(f"the database is busy: nothing was stored; try again in {retry_after} s")


class VersionRequired(ServiceError):
    """A write to a record that did not name the version it was made on (optimistic
    versioning needs it: without it two writers would overwrite each other unseen)."""

    def __init__(self, what: str, key: object, current: int | None) -> None:
        self.what = what
        self.key = key
        self.current = current
        super().__init__(
            f"{what} {key!r}: a change must name the record version it was made on "
            f"(`version`; the current one is {current}): read the record, then send it"
        )
