"""Hardening of the platform (issue 17, OWASP ASVS L2): each test makes the attack first."""

from __future__ import annotations

import sys
from typing import Any

from tacepath.service.trials import run_capped
from tests.platform.conftest import login
from tests.security.test_yaml_input import _bomb


def test_an_alias_bomb_plan_is_refused_at_upload(client: Any, orgs: Any) -> None:
    login(client, "a-statistician")
    tid = client.post("/api/trials", json={"name": "T"}).json()["id"]
    r = client.post(
        f"/api/trials/{tid}/files",
        data={"kind": "sap"},
        files={"file": ("sap.yaml", _bomb().encode(), "text/yaml")},
    )
    assert r.status_code == 422
    assert "line 1" in r.text
    assert "anchor" in r.text
    assert len(r.content) < 2000


def test_the_runner_output_is_kept_in_a_capped_buffer() -> None:
    # 50 MB on stdout and on stderr; only the last 4 KiB of each is kept.
    script = (
        "import sys\n"
        "for _ in range(50):\n"
        "    sys.stdout.write('o' * 1_000_000); sys.stderr.write('e' * 1_000_000)\n"
        "sys.stdout.write('END'); sys.stderr.write('LAST')\n"
    )
    code, out, err = run_capped([sys.executable, "-c", script], timeout=60, cap=4096)
    assert code == 0
    assert out.endswith("END")
    assert err.endswith("LAST")
    assert len(out) < 4200
    assert len(err) < 4200
    assert "earlier bytes not kept" in out


def test_a_runner_past_its_time_is_stopped() -> None:
    code, _, err = run_capped([sys.executable, "-c", "import time; time.sleep(30)"], timeout=0.5)
    assert code == -1
    assert "longer than 0.5 s" in err
