"""The page routes (HTML), one module per area."""

from __future__ import annotations

import importlib

from fastapi import FastAPI

__all__ = ["AREAS", "register"]

AREAS = (
    "auth",
    "patients",
    "documents",
    "evidence",
    "trials",
    "cohort",
    "tools",
    "account",
    "worklist",
    "meetings",
    "letter_templates",
)


def register(app: FastAPI) -> None:
    for name in AREAS:
        module = importlib.import_module(f"tacepath.web.routes.{name}")
        app.include_router(module.router, include_in_schema=False)
