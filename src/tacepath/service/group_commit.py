"""Group commit: rows written at once by many requests share one write transaction.

Each caller of :meth:`GroupCommit.submit` waits until the transaction holding its row has
committed, and gets that transaction's failure if it failed: nothing returns before its row
is stored. The first caller to find no transaction under way leads: it writes every row
queued so far (at most :data:`MAX_BATCH`) in one transaction; callers arriving meanwhile
queue, and when the transaction ends the first of them leads the next one. Under load one
transaction (one ``BEGIN IMMEDIATE``, one head of the audit chain, one sync to disk) stores
many rows instead of one; alone, a caller writes its row at once, as before.

Hand-written because it is a few lines over :mod:`threading` with the write as a callable;
a database driver's batching does not make callers wait for their own commit.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

__all__ = ["MAX_BATCH", "GroupCommit"]

#: Most rows written by one transaction.
MAX_BATCH = 64

T = TypeVar("T")


@dataclass(slots=True, eq=False)
class _Waiting(Generic[T]):
    item: T
    woken: threading.Event = field(default_factory=threading.Event)
    lead: bool = False
    error: BaseException | None = None


class GroupCommit(Generic[T]):
    """Rows of type ``T`` written ``MAX_BATCH`` at most per call of ``write``."""

    def __init__(self, write: Callable[[Sequence[T]], None]) -> None:
        self._write = write
        self._lock = threading.Lock()
        self._queue: list[_Waiting[T]] = []
        self._busy = False  # a transaction is under way (False: the queue is empty)

    def submit(self, item: T) -> None:
        """Write ``item`` and return once its transaction has committed; its failure is
        raised here (the same exception object for every row of the transaction)."""
        me = _Waiting(item)
        with self._lock:
            self._queue.append(me)
            lead = not self._busy
            self._busy = True
        if not lead:
            me.woken.wait()
            lead = me.lead
        if lead:
            self._lead()
        if me.error is not None:
            raise me.error

    def _lead(self) -> None:
        with self._lock:
            batch = self._queue[:MAX_BATCH]
            del self._queue[:MAX_BATCH]
        error: BaseException | None = None
        try:
            self._write([w.item for w in batch])
        except BaseException as exc:  # every row of the batch fails with it
            error = exc
        with self._lock:
            after = self._queue[0] if self._queue else None
            if after is None:
                self._busy = False
            else:
                after.lead = True
        for w in batch:
            w.error = error
            w.woken.set()
        if after is not None:
            after.woken.set()
