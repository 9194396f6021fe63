"""Reading the packaged data files (registry, regimens, schedules, CTCAE, dose rules).

Every data file is YAML validated by a pydantic model when it is read; a file that does not
validate is refused with one problem per error, naming the file and the field.
"""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from tacepath.errors import InputErrors, Problem

__all__ = ["read_yaml_model"]

M = TypeVar("M", bound=BaseModel)


def read_yaml_model(path: Path, model: type[M]) -> M:
    """Parse ``path`` as YAML and validate it as ``model``, or raise :class:`InputErrors`."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise InputErrors([Problem(path.name, "unparsable YAML", str(exc))]) from exc
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise InputErrors(
            [
                Problem(
                    f"{path.name}: " + (".".join(str(p) for p in e["loc"]) or "(file)"),
                    e.get("input") if not isinstance(e.get("input"), dict | list) else "…",
                    e["msg"],
                )
                for e in exc.errors()
            ]
        ) from exc
