"""`tacepath evidence list | show | conflicts`: every number with its source, conflicts shown."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from tacepath.cli import app

runner = CliRunner()


def _run(*args: str) -> tuple[int, str, str]:
    r = runner.invoke(app, list(args))
    return r.exit_code, r.stdout, r.stderr


def _numbers(obj: object) -> list[dict[str, object]]:
    """Every resolved number in a JSON view (dicts that carry a value and a unit key)."""
    out: list[dict[str, object]] = []
    if isinstance(obj, dict):
        if "value" in obj and "ci" in obj:
            out.append(obj)
        for v in obj.values():
            out.extend(_numbers(v))
    elif isinstance(obj, list):
        for v in obj:
            out.extend(_numbers(v))
    return out


def test_show_json_every_number_has_its_citation() -> None:
    code, out, _ = _run("evidence", "show", "tactics", "--json")
    assert code == 0
    d = json.loads(out)
    nums = _numbers(d)
    assert len(nums) > 30
    for n in nums:
        assert n["source"]
        assert n["citation"]
    os_final = next(r for r in d["results"] if r["endpoint"] == "os")
    assert os_final["hr"]["value"] == 0.861
    assert os_final["hr"]["ci"] == [0.607, 1.223]
    assert os_final["p"]["text"] == "0.40"


def test_show_displays_the_timing_conflict_next_to_the_timing() -> None:
    code, out, _ = _run("evidence", "show", "TACTICS")
    assert code == 0
    assert "BEFORE the first TACE" in out
    assert "⚠ C1" in out
    assert "2-3 weeks after" in out  # what the seed page says, shown beside it


def test_conflicts_lists_seed_and_source() -> None:
    code, out, _ = _run("evidence", "conflicts", "--json")
    assert code == 0
    rows = json.loads(out)["conflicts"]
    c1 = next(r for r in rows if r["trial"] == "TACTICS" and r["id"] == "C1")
    assert c1["seed"]["source"] == "seed_cf"
    assert "BEFORE" in c1["source_says"]["text"]


def test_list_has_status_and_headline() -> None:
    code, out, _ = _run("evidence", "list", "--json")
    assert code == 0
    tactics = next(t for t in json.loads(out)["trials"] if t["id"] == "TACTICS")
    assert tactics["status"] == "positive"
    assert tactics["headline"]["hr"]["value"] == 0.59


def test_unknown_trial_exits_2_with_the_known_ids() -> None:
    code, _, err = _run("evidence", "show", "NOPE")
    assert code == 2
    assert "trial: got 'NOPE'; allowed:" in err
    assert "TACTICS" in err


def test_seed_only_trials_are_listed_as_not_verified_with_their_note() -> None:
    code, out, _ = _run("evidence", "list", "--json")
    assert code == 0
    rows = {t["id"]: t for t in json.loads(out)["trials"]}
    for tid in ("HEPATIC", "CISL-22-01"):
        assert rows[tid]["status"] == "not-verified"
        assert rows[tid]["headline"] is None
        assert rows[tid]["conflicts"] == ["C14"]
    code, out, _ = _run("evidence", "show", "CISL 22-01")
    assert code == 0
    assert "not-verified" in out
    assert "C14" in out
    code, out, _ = _run("evidence", "conflicts", "--json")
    c14 = {r["trial"]: r for r in json.loads(out)["conflicts"] if r["id"] == "C14"}
    assert set(c14) == {"HEPATIC", "CISL-22-01"}
    assert c14["HEPATIC"]["kind"] == "note"
    assert "ongoing" in c14["HEPATIC"]["seed"]["text"]
