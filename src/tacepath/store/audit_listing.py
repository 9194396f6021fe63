"""What an audit listing shows of a record, computed by the database: the names of the
top-level fields a change touched, and the view a read used — so a listing without values
(the admin's) never loads the before and after images, which can be a whole timeline each.

The rule is :func:`tacepath.service.audit._changed_fields`'s: a field is changed when it is
new, or its value before differs from its value after (a missing value counting as null).
PostgreSQL compares the values as ``jsonb`` (by meaning); SQLite compares scalars by value
and nested objects and arrays by their stored JSON text (the images of one record are
written by the same code, so their keys come in the same order). Hand-written SQL: the
JSON functions differ between the two and SQLAlchemy has no portable form of them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import literal_column

__all__ = ["FIELD_SEPARATOR", "changed_fields_column", "view_column"]

#: Separates the field names in :func:`changed_fields_column`'s text (unit separator).
FIELD_SEPARATOR = "\x1f"

_PG_OBJECT = (
    "(CASE WHEN json_typeof(audit_records.{col}) = 'object' "
    "THEN audit_records.{col}::jsonb ELSE '{{}}'::jsonb END)"
)
_PG_FIELDS = """(SELECT string_agg(k, chr(31) ORDER BY k) FROM (
  SELECT key AS k FROM jsonb_each({b}) UNION SELECT key FROM jsonb_each({a})) AS keys
  WHERE coalesce({b} -> k, 'null'::jsonb) IS DISTINCT FROM coalesce({a} -> k, 'null'::jsonb)
     OR NOT jsonb_exists({b}, k))"""

_SQLITE_OBJECT = (
    "(CASE WHEN json_type(audit_records.{col}) = 'object' THEN audit_records.{col} ELSE '{{}}' END)"
)
_SQLITE_FIELDS = """(SELECT group_concat(k, char(31)) FROM (
  SELECT a.key AS k FROM json_each({a}) AS a LEFT JOIN json_each({b}) AS b ON b.key = a.key
   WHERE b.key IS NULL OR b.value IS NOT a.value
  UNION
  SELECT b.key FROM json_each({b}) AS b WHERE b.type != 'null'
   AND NOT EXISTS (SELECT 1 FROM json_each({a}) AS a WHERE a.key = b.key)))"""


def changed_fields_column(dialect: str) -> Any:
    """A column of the names of the fields each record's change touched, joined by
    :data:`FIELD_SEPARATOR` (NULL when none), for ``dialect`` (``sqlite``, ``postgresql``)."""
    if dialect == "postgresql":
        sql = _PG_FIELDS.format(b=_PG_OBJECT.format(col="before"), a=_PG_OBJECT.format(col="after"))
    else:
        sql = _SQLITE_FIELDS.format(
            b=_SQLITE_OBJECT.format(col="before"), a=_SQLITE_OBJECT.format(col="after")
        )
    return literal_column(sql).label("fields")


def view_column(dialect: str) -> Any:
    """A column of each record's ``after.view`` as text (a read's view), else NULL."""
    if dialect == "postgresql":
        sql = (
            "(CASE WHEN json_typeof(audit_records.after) = 'object' "
            "THEN audit_records.after ->> 'view' END)"
        )
    else:
        sql = (
            "(CASE WHEN json_type(audit_records.after) = 'object' "
            "THEN json_extract(audit_records.after, '$.view') END)"
        )
    return literal_column(sql).label("view")
