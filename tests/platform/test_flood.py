"""A flood of 10 MB bodies from four clients: the server's memory stays under its documented
bound and another user's writes all succeed (``benchmarks/flood.py``, docs/security.md).

Before the body limit, one 100 MB login body was read whole and four at once took 1.9 GB.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest

#: The bounds documented in docs/security.md (V12): the server process's peak resident
#: memory (start-up included), and its growth over the flood (sampled every 50 ms), MiB.
RSS_BOUND_MIB = 400
GROWTH_BOUND_MIB = 64

FLOOD = Path(__file__).resolve().parents[2] / "benchmarks" / "flood.py"


def _flood() -> Any:
    spec = importlib.util.spec_from_file_location("tacepath_flood_bench", FLOOD)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc (Linux)")
def test_four_clients_of_10_mb_bodies_leave_memory_bounded_and_writes_working() -> None:
    result = _flood().run(clients=4, body_mib=10, seconds=5)
    answers = result["flood_answers"]
    assert result["flood_requests"] >= 20
    # every flooding request is refused for its size (413), declared or chunked
    assert all(key.endswith(" 413") for key in answers), answers
    assert {k.rsplit(" ", 1)[0] for k in answers} == {
        "/api/auth/login declared",
        "/api/auth/login chunked",
        "/api/patients declared",
        "/api/patients chunked",
    }
    assert result["other_writes"] >= 5
    assert result["other_writes_ok"] == result["other_writes"], result["other_write_codes"]
    assert result["rss_peak_mib"] < RSS_BOUND_MIB, result
    assert result["rss_sampled_max_mib"] - result["rss_start_mib"] < GROWTH_BOUND_MIB, result


def test_the_documented_bound_is_the_tested_one() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "security.md").read_text("utf-8")
    assert f"under **{RSS_BOUND_MIB} MiB**" in doc
    assert f"by less than **{GROWTH_BOUND_MIB} MiB**" in doc


def test_the_flood_refuses_unbounded_settings() -> None:
    run = _flood().run
    for kwargs in ({"clients": 0}, {"clients": 17}, {"body_mib": 101}, {"seconds": 601}):
        with pytest.raises(ValueError, match="bounded"):
            run(**kwargs)
