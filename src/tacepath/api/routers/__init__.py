"""The API routers, each for one kind of resource."""

from __future__ import annotations

from fastapi import FastAPI

__all__ = ["register"]


def register(app: FastAPI) -> None:
    from tacepath.api.routers import (
        admin,
        auth,
        evidence,
        interop,
        patients,
        reconstruct,
        tools,
        trials,
    )

    for module in (auth, patients, interop, tools, evidence, trials, reconstruct, admin):
        app.include_router(module.router, prefix="/api")
