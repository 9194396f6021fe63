"""Monitoring as data: per drug component, a regimen gets the union of its drugs' items,
each with its source; no interval is given where the source states none."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tacepath.cli import app
from tacepath.errors import InputErrors
from tacepath.pathway.dose_rules_data import dose_rules
from tacepath.pathway.model import catalogue
from tacepath.pathway.monitoring import items_of, load_monitoring, monitoring_of
from tacepath.pathway.schedule import schedule

D = dt.date
runner = CliRunner()
REGIMENS = [r.id for r in catalogue().regimens]


@pytest.mark.parametrize("regimen", REGIMENS)
def test_no_regimen_misses_a_monitoring_item_of_a_drug_it_contains(regimen: str) -> None:
    drugs = catalogue().regimen(regimen).drugs
    lines = {m.what for m in monitoring_of(regimen)}
    for item in load_monitoring():
        contains = any(c in drugs for c in item.components)
        assert (item.what in lines) is contains, (regimen, item.id)


@pytest.mark.parametrize("regimen", REGIMENS)
def test_every_drug_is_covered_or_named_as_not_covered(regimen: str) -> None:
    drugs = catalogue().regimen(regimen).drugs
    lines = monitoring_of(regimen)
    labels = {c.id: c.label for c in catalogue().components}
    for d in drugs:
        covered = any(d in it.components for it in items_of((d,)))
        named = any(m.what == f"{labels[d]}: no monitoring item in the sources read" for m in lines)
        assert covered != named, (regimen, d)


def test_no_interval_is_invented() -> None:
    for item in load_monitoring():
        assert item.when is None or not re.search(r"\d|every|daily|weekly|monthly", item.when)
    for regimen in REGIMENS:
        for m in monitoring_of(regimen):
            assert "every" not in m.when
            assert "not stated" in m.when or "the MDT sets it" in m.when


def test_bevacizumab_dipstick_before_and_during_therapy_from_the_smpc() -> None:
    (bev,) = [m for m in monitoring_of("atezolizumab-bevacizumab") if "dipstick" in m.what]
    assert bev.when == (
        "before and during therapy (interval not stated in the Avastin EU SmPC, section 4.4)"
    )
    assert bev.source.startswith("[B2] Avastin (bevacizumab) EU SmPC section 4.4")
    # atezolizumab's own liver-test rows were not read: said so, nothing borrowed
    lines = {m.what: m for m in monitoring_of("atezolizumab-bevacizumab")}
    atezo = lines["atezolizumab: no monitoring item in the sources read"]
    assert atezo.source == ""
    assert "no other drug's monitoring is used" in atezo.when
    assert not any("AST" in w for w in lines)


def test_lenvatinib_items_say_the_timing_is_not_stated() -> None:
    lines = monitoring_of("lenvatinib")
    assert [m.what.split(" (")[0] for m in lines] == [
        "Urine protein",
        "Blood pressure",
        "Liver function",
    ]
    assert all(m.when.startswith("timing not stated in") for m in lines)
    assert all(m.source for m in lines)


def test_a_union_never_repeats_an_item() -> None:
    items = items_of(("durvalumab", "bevacizumab", "durvalumab"))
    assert [i.id for i in items] == ["durvalumab-liver", "bevacizumab-proteinuria"]


def test_tace_alone_has_no_drug_to_monitor() -> None:
    assert monitoring_of("tace-alone") == ()


def test_every_item_cites_a_dosing_reference_source() -> None:
    ids = {s.id for s in dose_rules().sources}
    assert {i.source for i in load_monitoring()} <= ids


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        (("components: [bevacizumab]", "components: [aspirin]"), "components"),
        (("source: b2_avastin_smpc", "source: nowhere"), "source"),
    ],
)
def test_a_bad_monitoring_file_is_refused(
    tmp_path: Path, patch: tuple[str, str], field: str
) -> None:
    from tacepath.pathway.monitoring import MONITORING_FILE

    bad = tmp_path / "monitoring.yaml"
    bad.write_text(MONITORING_FILE.read_text(encoding="utf-8").replace(*patch), encoding="utf-8")
    with pytest.raises(InputErrors, match=field):
        load_monitoring(bad)


def test_schedule_json_keeps_its_keys_and_adds_monitoring() -> None:
    plan = schedule("emerald-1", D(2026, 12, 1), tace_dates=(D(2026, 12, 1),))
    d = plan.to_dict()
    assert list(d) == [
        "regimen", "start", "start_means", "until", "events", "stopped", "monitoring",
    ]  # fmt: skip
    assert {m["what"].split(":")[0] for m in d["monitoring"]} >= {"Proteinuria"}
    assert all(set(m) == {"what", "when", "source"} for m in d["monitoring"])


def test_a_stopped_plan_has_nothing_to_monitor() -> None:
    plan = schedule("leap-012", D(2026, 12, 1), stop_at=(D(2027, 1, 1), "deceased on 2027-01-01"))
    assert plan.monitoring == ()
    assert plan.to_dict()["monitoring"] == []


def test_cli_prints_the_monitoring_below_the_dated_events() -> None:
    r = runner.invoke(
        app,
        ["schedule", "--regimen", "leap-012", "--start", "2026-12-01", "--tace-dates",
         "2026-12-20", "--months", "6"],
        env={"COLUMNS": "250"},
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    out = r.stdout
    assert out.index("Response imaging every 9 weeks") < out.index("monitoring (no source")
    assert "2027-02-02" in out  # 9 weeks after the start
    assert "2027-04-06" in out  # 18 weeks
    assert "Urine protein (the label withholds lenvatinib at 2 g/24 h or more)" in out
    assert "timing not stated in the Keytruda US PI dosing page read: the MDT sets it" in out
    assert "Abstract No. 37: LEAP-012 trial in progress" in out


def test_cli_json_carries_the_monitoring() -> None:
    r = runner.invoke(
        app,
        ["schedule", "--regimen", "emerald-1", "--start", "2026-12-01", "--tace-dates",
         "2026-12-01", "--months", "3", "--json"],
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    d = json.loads(r.stdout)
    whens = [m["when"] for m in d["monitoring"]]
    assert (
        "before and during therapy (interval not stated in the Avastin EU SmPC, section 4.4)"
        in (whens)
    )
    assert not [e for e in d["events"] if e["kind"] == "imaging"]
