"""``tacepath endpoints``: ADTTE-style time-to-event rows from patient timelines."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from tacepath.cli._app import app
from tacepath.cli._io import exit_with_errors, input_file, output_path
from tacepath.errors import InputError

if TYPE_CHECKING:
    from tacepath.domain.timeline import Timeline

__all__: list[str] = []


@app.command("endpoints")
def endpoints_command(
    timelines: Path = input_file(
        ..., help="Timelines: JSON Lines (.jsonl), or a JSON/YAML list or object."
    ),
    out: Path = output_path(..., "--out", "-o", help="Output file: .csv or .parquet."),
    interval_days: int | None = typer.Option(
        None,
        "--assessment-interval-days",
        help="Protocol assessment interval; enables the missed-assessment censoring rule.",
    ),
    missed: int = typer.Option(
        2, "--missed", help="Missed assessments before an event that lead to censoring."
    ),
    no_new_therapy_censoring: bool = typer.Option(
        False, "--no-new-therapy-censoring", help="Count events after new anticancer therapy."
    ),
    aval: str = typer.Option(
        "plus_one", "--aval", help="AVAL convention: plus_one (ADT-STARTDT+1) | difference."
    ),
    ttp: str = typer.Option("mrecist", "--ttp", help="TTP criterion: mrecist | recist11."),
    tactics_exploratory: bool = typer.Option(
        False,
        "--tactics-exploratory",
        help="Also TTMVIEHS: time to macrovascular invasion or extrahepatic spread >= 10 mm "
        "(TACTICS).",
    ),
    tace_intervals: Path | None = output_path(
        None,
        "--tace-intervals",
        help="Also write the interval between TACE sessions per patient to this .csv, and "
        "print its median (range) in weeks (TACTICS).",
    ),
    adsl: Path | None = input_file(
        None, "--adsl", help="ADSL (.csv/.parquet/.xpt) giving each patient's group."
    ),
    group: str = typer.Option(
        "TRT01P", "--group", help="ADSL column of the group for --tace-intervals."
    ),
) -> None:
    """Derive OS, PFS (RECIST 1.1, mRECIST), TACE-specific PFS, TTP and JSH TACE failure.

    Example: `tacepath endpoints examples/timelines/cohort.jsonl --out adtte.csv`
    """
    from tacepath.adam.endpoints import CENSORING, EndpointOptions, derive_adtte
    from tacepath.adam.model import events_from_cnsr
    from tacepath.cli.response import load_timelines
    from tacepath.interop.adam_io import write_adtte

    try:
        if aval not in ("plus_one", "difference"):
            raise InputError("--aval", aval, "plus_one | difference")
        if ttp not in ("mrecist", "recist11"):
            raise InputError("--ttp", ttp, "mrecist | recist11")
        if out.suffix.lower() not in (".csv", ".parquet", ".pq"):
            raise InputError("--out", str(out), "a file ending in .csv or .parquet")
        if tace_intervals is not None and tace_intervals.suffix.lower() != ".csv":
            raise InputError("--tace-intervals", str(tace_intervals), "a file ending in .csv")
        options = EndpointOptions(
            censor_new_therapy=not no_new_therapy_censoring,
            missed_assessments=missed,
            assessment_interval_days=interval_days,
            aval_convention=aval,  # type: ignore[arg-type]
            ttp_criterion=ttp,  # type: ignore[arg-type]
            tactics_exploratory=tactics_exploratory,
        )
        loaded = load_timelines(timelines)
        df = derive_adtte(loaded, options)
    except InputError as exc:
        exit_with_errors(exc, source=str(timelines))
    summaries: list[str] = []
    if tace_intervals is not None:
        try:  # errors here are the ADSL's (its column, its patients) or the output's
            summaries = _write_intervals(loaded, tace_intervals, adsl=adsl, group=group)
        except InputError as exc:
            exit_with_errors(exc, source=str(adsl or timelines))
    try:
        write_adtte(df, out)
    except InputError as exc:
        exit_with_errors(exc, source=str(timelines))
    n = df["USUBJID"].nunique()
    events = int(events_from_cnsr(df["CNSR"]).sum())
    typer.echo(f"{len(df)} rows ({n} patients, {events} events) written to {out}")
    counts = df.groupby(["PARAMCD", "CNSR"]).size().reset_index(name="n")
    for param, cnsr, k in zip(counts["PARAMCD"], counts["CNSR"], counts["n"], strict=True):
        label = "event" if cnsr == 0 else CENSORING.get(int(cnsr), "")
        if param == "OS" and cnsr == 1:
            label = "last date known alive"
        typer.echo(f"  {param:8s} CNSR={cnsr} {k:6d}  {label}")
    for line in summaries:
        typer.echo(line)


def _weeks(x: float | None) -> str:
    return "-" if x is None else f"{x:.1f}"


def _write_intervals(
    loaded: Sequence[Timeline], path: Path, *, adsl: Path | None, group: str
) -> list[str]:
    """Write the per-patient intervals; return the summary lines to print."""
    import pandas as pd

    from tacepath.adam.tace_intervals import INTERVAL_COLUMNS, interval_summary
    from tacepath.adam.tace_intervals import tace_intervals as intervals_of
    from tacepath.interop.adam_io import read_dataset

    groups: dict[str, str] | None = None
    if adsl is not None:
        frame, _ = read_dataset(adsl, kind="ADSL", option="--adsl")
        if group not in frame.columns:
            raise InputError("--group", group[:64], "a column of the ADSL")
        groups = {str(u): str(g) for u, g in zip(frame["USUBJID"], frame[group], strict=True)}
    rows = [intervals_of(t) for t in loaded]
    pd.DataFrame([r.to_dict() for r in rows], columns=list(INTERVAL_COLUMNS)).to_csv(
        path, index=False
    )
    lines = [f"Interval between TACE sessions (weeks), {len(rows)} patients, written to {path}"]
    for s in interval_summary(rows, groups):
        lines.append(
            f"  {s.group[:40]:20s} {s.basis:11s} median {_weeks(s.median_weeks)} "
            f"(range {_weeks(s.min_weeks)}-{_weeks(s.max_weeks)}); {s.patients} patients "
            f"with >= 2 sessions, {s.without_interval} without, {s.intervals} intervals"
        )
    return lines
