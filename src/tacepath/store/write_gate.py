"""The queue of SQLite writers: one write transaction at a time, handed on without sleeping.

SQLite lets one writer in at a time; a second ``BEGIN IMMEDIATE`` waits in SQLite's busy
handler, which sleeps and tries again after 1, 2, 5, 10, … up to 100 ms per try
(``sqliteDefaultBusyCallback`` in SQLite's ``main.c``). Under load a waiting writer keeps
missing the lock between its sleeps, so a write that needs 2 ms may wait a second. The gate
makes writers queue before they begin: the threads of one process on a lock that wakes the
next one at release, the processes sharing the file on an advisory ``flock`` of a file beside
it (``<database>-writegate``), tried again every millisecond. SQLite's own lock is still the
one that guarantees a single writer; the gate only orders the waiting, and a writer that
does not pass through it (another program) is still queued by SQLite's busy handler.

Hand-written because the gate must wake a waiting thread at release and try another
process's lock every millisecond, with the busy timeout: ``filelock`` polls threads and
processes alike (every 50 ms by default), and the standard library has the two parts.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

try:  # POSIX; elsewhere the threads of one process are queued, processes by SQLite
    import fcntl
except ImportError:  # pragma: no cover - not on this platform
    fcntl = None  # type: ignore[assignment]

__all__ = ["GATE_SUFFIX", "GateTimeout", "WriteGate"]

#: The gate file's name is the database file's followed by this.
GATE_SUFFIX = "-writegate"

#: How long a process waits between two tries of another process's gate.
_RETRY_S = 0.001


class GateTimeout(TimeoutError):
    """The gate was not obtained within the timeout (another writer holds it)."""


class WriteGate:
    """Writers of one SQLite database (``database``: its file, ``None`` in memory) pass
    one at a time; waiting longer than ``timeout_s`` raises :class:`GateTimeout`."""

    def __init__(self, database: Path | None, timeout_s: float) -> None:
        self._lock = threading.Lock()
        self._timeout_s = timeout_s
        self._fd: int | None = None
        if database is not None and fcntl is not None:
            gate = database.with_name(database.name + GATE_SUFFIX)
            self._fd = os.open(gate, os.O_RDWR | os.O_CREAT, 0o600)

    @contextmanager
    def passage(self) -> Iterator[None]:
        """Hold the gate for the block (a write transaction)."""
        deadline = time.monotonic() + self._timeout_s
        if not self._lock.acquire(timeout=self._timeout_s):
            raise GateTimeout("another writer of this process holds the database")
        try:
            self._lock_file(deadline)
            try:
                yield
            finally:
                if self._fd is not None:
                    fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._lock.release()

    def _lock_file(self, deadline: float) -> None:
        if self._fd is None:
            return
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise GateTimeout("another process writes to the database") from None
                time.sleep(_RETRY_S)

    def close(self) -> None:
        """Close the gate file (the database is disposed of)."""
        if self._fd is not None:
            with suppress(OSError):
                os.close(self._fd)
            self._fd = None
