"""The course plot is drawn once per record version and served again from memory; every
request is still an audited read, and a read that cannot be recorded still fails."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import func, select

import tacepath.report.course_plot as course_plot
from tacepath.service import clinical
from tacepath.service.audit import verify_chain
from tacepath.service.errors import Busy
from tacepath.store.models import AuditRecord
from tests.platform.conftest import example, login


def _patient(client: Any) -> tuple[int, int]:
    r = client.post("/api/patients", json=example("pathway/P003_snapshot.json"))
    assert r.status_code == 201, r.text
    pid: int = r.json()["id"]
    tl = example("timelines/P003_untaceable_intrahepatic.json")
    r = client.put(f"/api/patients/{pid}/timeline?version=1", json=tl)
    assert r.status_code == 200, r.text
    return pid, int(r.json()["version"])


def _plot_reads(db: Any, pid: int) -> int:
    with db.read() as s:
        return int(
            s.scalar(
                select(func.count())
                .select_from(AuditRecord)
                .where(
                    AuditRecord.entity_id == str(pid),
                    AuditRecord.action == "patient.read",
                    AuditRecord.after["view"].as_string() == "course.png",
                )
            )
        )


def test_the_course_plot_is_drawn_once_per_record_version_and_every_read_audited(
    client: Any, db: Any, orgs: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn: list[int] = []
    plot = course_plot.plot_course

    def counting(*args: Any, **kwargs: Any) -> Any:
        drawn.append(1)
        return plot(*args, **kwargs)

    monkeypatch.setattr(course_plot, "plot_course", counting)
    # the plots kept by this process (a test on the other database may have drawn this one)
    monkeypatch.setattr(clinical, "_course_plots", OrderedDict())
    login(client, "a-clinician")
    pid, version = _patient(client)
    first = client.get(f"/api/patients/{pid}/course.png")
    second = client.get(f"/api/patients/{pid}/course.png")
    assert first.status_code == second.status_code == 200
    assert first.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert second.content == first.content
    assert len(drawn) == 1
    assert _plot_reads(db, pid) == 2
    # a new record version (the regimen set) draws the plot again
    r = client.put(
        f"/api/patients/{pid}/course", json={"version": version, "regimen": "tace-sorafenib"}
    )
    assert r.status_code == 200, r.text
    assert client.get(f"/api/patients/{pid}/course.png").status_code == 200
    assert len(drawn) == 2
    assert _plot_reads(db, pid) == 3
    assert verify_chain(db).ok


def test_a_drawn_plot_is_not_served_when_its_read_cannot_be_recorded(
    client: Any, db: Any, orgs: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    login(client, "a-clinician")
    pid, _ = _patient(client)
    assert client.get(f"/api/patients/{pid}/course.png").status_code == 200

    def busy(*args: Any, **kwargs: Any) -> None:
        raise Busy()

    monkeypatch.setattr(clinical, "record_read", busy)
    r = client.get(f"/api/patients/{pid}/course.png")
    assert r.status_code == 503
    assert not r.content.startswith(b"\x89PNG")


def test_requests_missing_the_same_plot_at_once_draw_it_once() -> None:
    key = (-1, clinical.Key(1, "test-inputs", "test-engine", "test-rules"))
    calls: list[int] = []
    started = threading.Event()

    def slow_draw() -> bytes:
        calls.append(1)
        started.set()
        time.sleep(0.2)
        return b"plot"

    with ThreadPoolExecutor(4) as pool:
        first = pool.submit(clinical._kept_plot, key, slow_draw)
        started.wait(5)
        rest = [pool.submit(clinical._kept_plot, key, slow_draw) for _ in range(3)]
        got = [first.result(), *(f.result() for f in rest)]
    assert got == [b"plot"] * 4
    assert calls == [1]
