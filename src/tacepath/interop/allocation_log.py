"""The randomisation allocation file (JSON Lines, a hash chain): made, read and appended to.

The randomisation itself (schemes, the drawn list, minimisation, the chain's sealing and
its verification) is in :mod:`tacepath.design.randomise`; this adapter owns the file: it is
never overwritten, it is read through :mod:`tacepath.interop.files` (binary, encoding, size),
and a subject is appended under an exclusive lock after the file has been verified.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator, Mapping
from pathlib import Path

from tacepath.design.randomise import (
    AllocationState,
    Assignment,
    Scheme,
    allocation_lines,
    next_assignment_line,
    read_allocation,
)
from tacepath.errors import InputError
from tacepath.interop import files

__all__ = ["assign_next", "create_allocation", "load_allocation"]


def create_allocation(
    path: Path | str, scheme: Scheme, *, created: str | None = None
) -> AllocationState:
    """Write a new allocation file (refused if the file exists) and return its state."""
    p = Path(path)
    lines = allocation_lines(scheme, created=created)
    try:
        with p.open("x", encoding="utf-8") as fh:
            fh.write("\n".join(lines) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
    except FileExistsError as exc:
        raise InputError(
            "--out", str(p), "a new file (an allocation list is never overwritten)"
        ) from exc
    return load_allocation(p)


def load_allocation(path: Path | str) -> AllocationState:
    """Read and verify an allocation file (chain, list re-drawn from the seed, replay)."""
    p = Path(path)
    # The limit is read when called (it is a setting of interop.files, not fixed at import).
    text = files.read_text(
        p,
        field="--list",
        kind="JSON Lines",
        what="allocation file",
        max_bytes=files.MAX_TABLE_BYTES,
    )
    return read_allocation(p, text)


@contextlib.contextmanager
def _locked(p: Path) -> Iterator[None]:
    with p.open("a", encoding="utf-8") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def assign_next(
    path: Path | str, subject: str, strata: Mapping[str, str], *, time: str | None = None
) -> tuple[Assignment, AllocationState]:
    """Allocate ``subject`` (with its stratum levels) and append the record to the file.

    The file is verified first (any tampering is refused), under an exclusive lock; a
    subject that already has an allocation is refused. Returns the assignment and the new
    state (whose ``head`` is the new chain head).
    """
    p = Path(path)
    subject = subject.strip()
    if not subject:
        raise InputError("--subject", subject, "a subject identifier")
    # Checked before the lock, which opens the file for appending (and would create it).
    files.check_file(p, field="--list", what="allocation file", max_bytes=files.MAX_TABLE_BYTES)
    with _locked(p):
        line = next_assignment_line(load_allocation(p), subject, strata, time=time)
        fd = os.open(p, os.O_WRONLY | os.O_APPEND)
        try:
            os.write(fd, (line + "\n").encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
        new_state = load_allocation(p)
    return new_state.assignments[-1], new_state
