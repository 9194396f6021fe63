"""Persistence: SQLAlchemy 2 models, the engine factory and Alembic migrations.

Only :mod:`tacepath.service` opens sessions. The models hold the *input* records as rows
(snapshots with their labs and tumours, imaging assessments with their lesions, TACE
sessions, drug exposures, adverse events, events) in the units they were entered in; every
score and decision is recomputed by the engines from them, and a decision the platform gave
is stored with the engine's own words (:class:`~tacepath.store.models.DecisionRow`).
"""

from tacepath.store.engine import default_database_url, make_engine
from tacepath.store.migrate import upgrade

__all__ = ["default_database_url", "make_engine", "upgrade"]
