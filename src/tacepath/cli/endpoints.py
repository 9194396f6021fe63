"""``tacepath endpoints``: ADTTE-style time-to-event rows from patient timelines."""

from __future__ import annotations

from pathlib import Path

import typer

from tacepath.cli._app import app
from tacepath.cli._io import exit_with_errors, input_file, output_path
from tacepath.errors import InputError

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
        options = EndpointOptions(
            censor_new_therapy=not no_new_therapy_censoring,
            missed_assessments=missed,
            assessment_interval_days=interval_days,
            aval_convention=aval,  # type: ignore[arg-type]
            ttp_criterion=ttp,  # type: ignore[arg-type]
            tactics_exploratory=tactics_exploratory,
        )
        df = derive_adtte(load_timelines(timelines), options)
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
