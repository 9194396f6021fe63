"""Persistence (SQLAlchemy 2, Alembic)."""
