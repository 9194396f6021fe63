"""Loading the trial registry: one YAML file per trial, validated on load.

The registry is read from ``tacepath/evidence/trials/*.yaml`` (or a directory given by the
caller, e.g. for a site's own additions). A file that does not validate is refused with an
error naming the file and the field; no partial registry is returned.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from tacepath.domain.datafile import read_yaml_model
from tacepath.errors import InputErrors, Problem
from tacepath.evidence.model import Conflict, Trial

__all__ = ["TRIALS_DIR", "Registry", "load_registry", "load_trial", "registry"]

TRIALS_DIR = Path(__file__).resolve().parent / "trials"


def load_trial(path: Path) -> Trial:
    """Read and validate one trial file; an invalid file raises :class:`InputErrors`."""
    trial = read_yaml_model(path, Trial)
    if trial.id != path.stem:
        raise InputErrors([Problem(f"{path.name}: id", trial.id, f"the file name {path.stem!r}")])
    return trial


@dataclass(frozen=True, slots=True)
class Registry:
    """The validated trials, by id (look-ups ignore case and accept aliases)."""

    trials: tuple[Trial, ...]

    def __iter__(self) -> Iterator[Trial]:
        return iter(self.trials)

    def __len__(self) -> int:
        return len(self.trials)

    def get(self, name: str) -> Trial:
        """The trial called ``name`` (id, name or alias, any case)."""
        key = name.strip().casefold()
        for t in self.trials:
            if key in {t.id.casefold(), t.name.casefold(), *(a.casefold() for a in t.aliases)}:
                return t
        from tacepath.errors import InputError

        raise InputError("trial", name, ", ".join(t.id for t in self.trials))

    def conflicts(self) -> list[tuple[Trial, Conflict]]:
        """Every seed-vs-source conflict and note, with its trial."""
        return [(t, c) for t in self.trials for c in t.conflicts]


def load_registry(directory: Path | None = None) -> Registry:
    """Load every ``*.yaml`` trial of ``directory`` (default: the packaged registry).

    All files are checked and all problems reported together.
    """
    folder = directory or TRIALS_DIR
    trials: list[Trial] = []
    problems: list[Problem] = []
    for path in sorted(folder.glob("*.yaml")):
        try:
            trials.append(load_trial(path))
        except InputErrors as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputErrors(problems)
    return Registry(trials=tuple(trials))


@cache
def registry() -> Registry:
    """The packaged registry, loaded once (it is immutable data shipped with tacepath)."""
    return load_registry()
