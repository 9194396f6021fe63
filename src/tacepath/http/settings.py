"""Settings of a running server."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from tacepath.service.trials import RUN_MEMORY_MIB, RUN_TIMEOUT, RunLimits

__all__ = ["MAX_BODY_BYTES", "MAX_UPLOAD_BYTES", "SESSION_COOKIE", "Settings"]

SESSION_COOKIE = "tacepath_session"
_SCHEDULER = re.compile(
    r"(tcp|tls)://[A-Za-z0-9.\-]{1,200}(:[0-9]{1,5})?|(tcp|tls)://\[[0-9a-fA-F:]{2,45}\](:[0-9]{1,5})?"
)
#: The largest request body by default (JSON and forms): 2 MiB.
MAX_BODY_BYTES = 2 * 1024 * 1024
#: The largest body of an upload route by default: a 20 MiB trial file and its multipart
#: envelope.
MAX_UPLOAD_BYTES = 21 * 1024 * 1024


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """``database_url``: SQLAlchemy URL; ``secure_cookies``: the Secure flag on cookies (off
    only for plain-HTTP development on another host than localhost); ``demo``: show the demo
    banner; ``max_body_bytes``: the largest request body (413 over it, refused while it is
    read); ``max_upload_bytes``: the same for the upload routes (trial files, imports,
    reconstruction); ``trusted_proxies``: addresses or networks (``10.0.0.0/8``) of reverse
    proxies whose ``X-Forwarded-For`` is believed — only a request arriving from one of them
    has its client address taken from that header (the right-most address not itself a
    trusted proxy); by default none, and the header is ignored; ``job_scheduler``: the
    address of a Dask scheduler running the background jobs (default: an in-process
    cluster); ``max_jobs_per_organisation``: how many jobs an organisation may have queued
    or running at once; ``analysis_timeout_s`` and ``analysis_memory_mib``: the wall time
    and the memory (address space of the runner's child process) one analysis run may
    take, past which it ends as failed; ``freeze_heap``: at start-up, keep the objects made
    so far out of the garbage collector's full collections (``tacepath serve`` sets it; see
    :func:`tacepath.app.freeze_heap`)."""

    database_url: str
    secure_cookies: bool = True
    demo: bool = False
    migrate: bool = True
    pool_size: int = 10
    max_body_bytes: int = MAX_BODY_BYTES
    max_upload_bytes: int = MAX_UPLOAD_BYTES
    trusted_proxies: tuple[str, ...] = ()
    job_scheduler: str | None = None
    max_jobs_per_organisation: int = 2
    analysis_timeout_s: float = RUN_TIMEOUT
    analysis_memory_mib: int = RUN_MEMORY_MIB
    freeze_heap: bool = False

    @property
    def run_limits(self) -> RunLimits:
        """The time and memory limits of one analysis run."""
        return RunLimits(self.analysis_timeout_s, self.analysis_memory_mib)

    def __post_init__(self) -> None:
        if self.job_scheduler is not None and not _SCHEDULER.fullmatch(self.job_scheduler):
            raise ValueError(
                f"job_scheduler: {self.job_scheduler[:80]!r} is not a Dask scheduler address "
                "(tcp://host:port or tls://host:port)"
            )
        if not 1 <= self.max_jobs_per_organisation <= 1000:
            raise ValueError("max_jobs_per_organisation: 1 to 1000")
        self.run_limits  # noqa: B018 -- out-of-range limits fail at start-up
        for net in self.trusted_proxies:
            ipaddress.ip_network(net, strict=False)  # a wrong entry fails at start-up
