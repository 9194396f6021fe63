"""Alembic environment: the models' metadata; the URL from the caller or ``-x url=...``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from tacepath.store.audit_chain import unguarded
from tacepath.store.engine import WRITE_OPTION, default_database_url, make_engine
from tacepath.store.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.get_x_argument(as_dictionary=True).get("url") or default_database_url()
    engine = make_engine(url).execution_options(**{WRITE_OPTION: True})
    with engine.connect() as conn, unguarded(conn):
        _run(conn)
        conn.commit()
    engine.dispose()


if context.is_offline_mode():
    context.configure(
        url=context.get_x_argument(as_dictionary=True).get("url") or default_database_url(),
        target_metadata=target_metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
