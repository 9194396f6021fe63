"""``tacepath worklist``: what is due or overdue across an organisation's patients."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import typer

from tacepath.cli._app import app
from tacepath.cli._io import exit_with_errors, output_path
from tacepath.errors import InputError

__all__: list[str] = []


def _day(value: str | None, option: str) -> dt.date | None:
    if value is None or not value.strip():
        return None
    try:
        return dt.date.fromisoformat(value.strip()[:32])
    except ValueError as exc:
        raise InputError(option, value[:32], "an ISO date, e.g. 2026-12-01") from exc


@app.command("worklist")
def worklist_command(
    organisation: str = typer.Option(..., "--organisation", help="The organisation's name."),
    start: str | None = typer.Option(
        None, "--from", help="First due date listed (default: overdue items too)."
    ),
    end: str | None = typer.Option(None, "--to", help="Last due date listed (default: in 7 days)."),
    as_of: str | None = typer.Option(None, "--as-of", help="The day the list is made (today)."),
    types: str | None = typer.Option(
        None,
        "--type",
        help="Item kinds d1,d2: imaging, labs, tace, drug, mdt, decision, "
        "missing-input (default: all).",
    ),
    role: str | None = typer.Option(None, "--role", help="clinician | navigator (default: all)."),
    csv_out: Path | None = output_path(None, "--csv", help="Also write the list as CSV."),
    ics: Path | None = output_path(None, "--ics", help="Also write an iCalendar file."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    database_url: str | None = typer.Option(
        None, "--database-url", help="SQLAlchemy URL of the database (see `tacepath serve`)."
    ),
) -> None:
    """Items due or overdue across the organisation's patients: imaging, labs, TACE, drug
    starts and holds, MDT discussions, decisions waiting for data, missing inputs.

    Example: `tacepath worklist --organisation 'City Hospital' --from 2026-12-01 --to 2026-12-07`
    """
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from tacepath.cli.platform import _importer, _url
    from tacepath.service.db import Database
    from tacepath.service.worklist import worklist, worklist_csv, worklist_ics

    db = Database(_url(database_url))
    try:
        wl = worklist(
            db,
            _importer(db, organisation),
            as_of=_day(as_of, "--as-of"),
            start=_day(start, "--from"),
            end=_day(end, "--to"),
            types=tuple((types or "").split(",")),
            role=role,
        )
    except InputError as exc:
        exit_with_errors(exc)
    finally:
        db.dispose()
    if csv_out is not None:
        csv_out.write_text(worklist_csv(wl), encoding="utf-8")
    if ics is not None:
        ics.write_bytes(worklist_ics(wl))
    if as_json:
        typer.echo(json.dumps(wl.to_dict(), indent=2, ensure_ascii=False))
        return
    since = f"from {wl.start}" if wl.start else "overdue and due"
    table = Table(
        title=f"{wl.organisation}: {since} to {wl.end} (as of {wl.as_of}); "
        f"{len(wl.items)} items, {wl.overdue} overdue, {wl.patients} patients",
        title_justify="left",
    )
    for col in ("due", "status", "patient", "type", "role", "what"):
        table.add_column(col, overflow="fold")
    for i in wl.items:
        when = i.due.isoformat() + (f" to {i.window_end}" if i.window_end else "")
        status = "[red]overdue[/red]" if i.status == "overdue" else "due"
        table.add_row(when, status, escape(i.patient), i.type, i.role, escape(i.text))
    Console().print(table)
    if wl.truncated:
        typer.echo("More patients than one list reads: the first by identifier are listed.")
