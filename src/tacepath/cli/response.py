"""``tacepath response``: every response criterion and TACE-failure rule, visit by visit."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import typer

from tacepath.cli._app import app
from tacepath.cli._io import exit_with_errors, input_file, output_path, read_json_or_yaml
from tacepath.errors import InputError

if TYPE_CHECKING:
    from rich.console import Console

    from tacepath.domain.timeline import Timeline
    from tacepath.response.course import CourseResult

__all__ = ["load_timelines", "render_course"]

_REFS = ("nadir", "baseline", "previous")


def load_timelines(path: Path, *, field: str | None = None) -> list[Timeline]:
    """Read one timeline (JSON/YAML object), a list of them, or JSON Lines (``.jsonl``);
    ``field`` is the option that gave the file, named in errors."""
    from tacepath.domain.timeline import parse_timeline, parse_timelines

    if path.suffix.lower() == ".jsonl":
        from tacepath.interop.files import read_jsonl

        return parse_timelines(read_jsonl(path, field=field))
    raw = read_json_or_yaml(path, field=field)
    if isinstance(raw, list):
        return parse_timelines(raw)
    return [parse_timeline(raw)]


def _cell(code: str, te: str | None = None) -> str:
    colour = {"CR": "green", "PR": "green", "SD": "yellow", "PD": "red", "NE": "dim"}[code]
    text = f"{te} / {code}" if te else code
    return f"[{colour}]{text}[/{colour}]"


def render_course(console: Console, c: CourseResult, *, why: bool = False) -> None:
    """The per-visit table, best responses and the three TACE-failure results."""
    from rich.table import Table

    table = Table(title=f"Patient {c.id}: response by visit", title_justify="left")
    for col in ("date", "RECIST 1.1", "mRECIST", "EASL", "RECICL", "TACE failure"):
        table.add_column(col, overflow="fold")
    for r, m, e, j in zip(
        c.recist11.assessments,
        c.mrecist.assessments,
        c.easl.assessments,
        c.recicl.assessments,
        strict=True,
    ):
        table.add_row(
            r.date.isoformat(),
            _cell(r.overall),
            _cell(m.overall),
            _cell(e.overall),
            _cell(j.overall, j.te),
            c.tace_failure_status(r.date),
        )
    console.print(table)
    if why:
        for crit in c.criteria:
            console.print(f"[bold]{crit.criterion}[/bold]")
            for v in crit.assessments:
                console.print(f"  {v.date.isoformat()}  {v.why}", highlight=False)
    bor = "  ".join(f"{crit.criterion} {crit.best_overall_response.value}" for crit in c.criteria)
    console.print(f"[bold]Best overall response:[/bold] {bor}", highlight=False)
    for label, res in (
        ("unTACEable progression", c.untaceable_progression),
        ("TACE-specific PFS", c.tace_pfs),
        ("JSH TACE failure", c.jsh_refractoriness),
    ):
        status = (
            f"[red]event[/red] {res.date.isoformat() if res.date else ''} ({res.criterion})"
            if res.event
            else "no event"
        )
        console.print(f"[bold]{label}:[/bold] {status} - {res.why}", highlight=False)
        for cav in res.caveats:
            console.print(f"  [dim]caveat: {cav}[/dim]", highlight=False)


@app.command("response")
def response_command(
    timeline: Path = input_file(
        ..., help="A timeline (JSON or YAML; a list or .jsonl for several patients)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the JSON contract."),
    detail: bool = typer.Option(
        False, "--detail", help="With --json: every sum, reason, rule and citation."
    ),
    why: bool = typer.Option(False, "--why", help="Print each criterion's reason per visit."),
    plot: Path | None = output_path(
        None, "--plot", help="Draw the course to this PNG/PDF/SVG file (needs matplotlib)."
    ),
    confirmation: bool = typer.Option(
        False, "--confirm", help="Require CR/PR confirmation >= 28 days later (non-randomised)."
    ),
    min_sd_days: int | None = typer.Option(
        None, "--min-sd-days", help="Minimum days from start for SD as best response."
    ),
    mrecist_5mm: bool = typer.Option(
        False, "--mrecist-5mm", help="Add the 5 mm absolute minimum to mRECIST PD."
    ),
    easl_reference: str = typer.Option(
        "nadir", "--easl-reference", help="EASL PD reference: nadir | baseline | previous."
    ),
    ehs_min_mm: float | None = typer.Option(
        10.0, "--ehs-min-mm", help="TACTICS: minimum extrahepatic-spread size in mm."
    ),
    no_refractoriness: bool = typer.Option(
        False, "--no-refractoriness", help="TACTICS: do not count JSH refractoriness."
    ),
) -> None:
    """Response by RECIST 1.1, mRECIST, EASL and RECICL at every visit, with TACE failure.

    Example: `tacepath response examples/timelines/P003_untaceable_ehs.json --why`
    """
    from rich.console import Console

    from tacepath.response.course import ResponseOptions, assess_response

    try:
        if easl_reference not in _REFS:
            raise InputError("--easl-reference", easl_reference, " | ".join(_REFS))
        ref: Literal["nadir", "baseline", "previous"] = easl_reference  # type: ignore[assignment]
        options = ResponseOptions(
            confirmation=confirmation,
            min_sd_days=min_sd_days,
            mrecist_require_5mm=mrecist_5mm,
            easl_pd_reference=ref,
            tactics_ehs_min_mm=ehs_min_mm,
            tactics_include_refractoriness=not no_refractoriness,
        )
        timelines = load_timelines(timeline)
        courses = [assess_response(t, options) for t in timelines]
    except InputError as exc:
        exit_with_errors(exc, source=str(timeline))
    if plot is not None:
        from tacepath.report.course_plot import plot_course

        if len(courses) != 1:
            exit_with_errors(InputError("--plot", len(courses), "one patient per plot"))
        plot_course(timelines[0], courses[0], plot)
    if as_json:
        out: list[dict[str, Any]] = [
            c.to_dict() if detail else c.to_contract_dict() for c in courses
        ]
        typer.echo(json.dumps(out[0] if len(out) == 1 else out, indent=2, ensure_ascii=False))
        return
    console = Console()
    for c in courses:
        render_course(console, c, why=why)
    if plot is not None:
        console.print(f"course plot written to {plot}")
