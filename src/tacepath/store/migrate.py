"""Running the Alembic migrations shipped in the package (also from an installed wheel)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from tacepath.store.audit_chain import unguarded
from tacepath.store.engine import WRITE_OPTION

__all__ = ["ALEMBIC_INI", "alembic_config", "upgrade"]

#: The package's Alembic configuration (its ``script_location`` is the migrations folder).
ALEMBIC_INI = Path(__file__).with_name("alembic.ini")


def alembic_config() -> Config:
    """The Alembic configuration of the package."""
    return Config(str(ALEMBIC_INI))


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database of ``engine`` to ``revision`` (default: the latest)."""
    cfg = alembic_config()
    with engine.execution_options(**{WRITE_OPTION: True}).connect() as conn:
        cfg.attributes["connection"] = conn
        with unguarded(conn):
            command.upgrade(cfg, revision)
            conn.commit()
