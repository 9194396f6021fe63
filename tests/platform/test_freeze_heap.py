"""``freeze_heap``: the server's start-up objects leave the collector's full scans."""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

from fastapi.testclient import TestClient

from tacepath.app import Settings, create_app

_CHILD = """
import gc, sys
from fastapi.testclient import TestClient
from tacepath.app import Settings, create_app
app = create_app(Settings(database_url=sys.argv[2], freeze_heap=sys.argv[1] == "1"))
with TestClient(app) as c:
    assert c.get("/api/health").status_code == 200
    print(gc.get_freeze_count())
"""


def _frozen(flag: str, folder: Path) -> int:
    url = f"sqlite:///{folder / f'freeze{flag}.db'}"
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, flag, url], capture_output=True, text=True, check=True
    )
    return int(out.stdout.strip().splitlines()[-1])


def test_a_server_started_with_freeze_heap_freezes_its_start_up_objects(tmp_path: Path) -> None:
    # A fresh process each: the freeze is for the whole process and cannot be undone here.
    assert _frozen("0", tmp_path) == 0
    assert _frozen("1", tmp_path) > 50_000  # modules, engines' tables, the application


def test_freeze_heap_is_off_by_default(tmp_path: Path) -> None:
    before = gc.get_freeze_count()
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'default.db'}"))
    with TestClient(app) as c:
        assert c.get("/api/health").status_code == 200
    assert gc.get_freeze_count() == before
