"""The API routers, each for one kind of resource."""

from __future__ import annotations

from fastapi import FastAPI

from tacepath.api.routers import (
    admin,
    auth,
    documents,
    evidence,
    interop,
    jobs,
    letters,
    patients,
    reconstruct,
    tools,
    trials,
    worklist,
)

__all__ = ["register"]


def register(app: FastAPI) -> None:
    """Mount every router under ``/api``."""
    for module in (
        auth, patients, documents, interop, tools, evidence, trials, jobs, reconstruct, admin,
        worklist, letters,
    ):  # fmt: skip
        app.include_router(module.router, prefix="/api")
