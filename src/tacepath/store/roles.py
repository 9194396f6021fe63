"""PostgreSQL: the application's role, which may only add to and read the audit trail.

Two connection roles (docs/security.md, "The audit trail"):

* the **owner** of the schema runs the migrations (``tacepath migrate --database-url
  OWNER_URL --app-role ROLE``); as owner it could disable triggers or truncate, so it is
  not the role the server runs as;
* the **application** role (``tacepath serve`` with ``TACEPATH_DATABASE_URL`` naming it)
  gets :func:`app_role_grants`: read and write on the tables, but on ``audit_records``
  only SELECT and INSERT (no UPDATE, DELETE, TRUNCATE, TRIGGER), and it owns nothing, so
  it cannot ``ALTER TABLE ... DISABLE TRIGGER`` or drop the table.
"""

from __future__ import annotations

import re

from sqlalchemy import Connection, text

__all__ = ["app_role_grants", "grant_app_role"]

_ROLE = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def app_role_grants(role: str) -> list[str]:
    """The statements that give ``role`` what the server needs and no more."""
    if not _ROLE.fullmatch(role):
        raise ValueError(f"{role!r} is not a plain PostgreSQL role name (a-z, 0-9, _)")
    return [
        f"GRANT USAGE ON SCHEMA public TO {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
        f"REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON audit_records FROM {role}",
        f"REVOKE DELETE, TRUNCATE, REFERENCES, TRIGGER ON audit_chain_head FROM {role}",
        f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON alembic_version FROM {role}",
    ]


def grant_app_role(conn: Connection, role: str) -> None:
    """Apply :func:`app_role_grants` (PostgreSQL, as the schema's owner)."""
    if conn.dialect.name != "postgresql":
        raise ValueError("application role grants are for PostgreSQL")
    for sql in app_role_grants(role):
        conn.execute(text(sql))
