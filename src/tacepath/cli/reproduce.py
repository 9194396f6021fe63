"""``tacepath reproduce`` and ``tacepath surrogacy``: published numbers next to tacepath's.

``tacepath reproduce tactics`` rebuilds the TACTICS overall-survival data as pseudo-data from
the numbers the final paper prints, re-analyses them, checks the printed numbers against each
other, Fisher's test and the design, and prints paper vs reproduced vs difference with a
verdict per number. ``tacepath reproduce --list`` says what each registry trial allows.
``tacepath surrogacy`` correlates progression and OS hazard ratios across TACE-combination
trials. Everything runs offline from packaged data.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from tacepath.cli._app import app
from tacepath.cli._io import exit_with_errors, output_path
from tacepath.errors import InputError
from tacepath.jsonsafe import json_safe

__all__: list[str] = []

_REPRODUCE_HELP = """Reproduce a published trial from the numbers it prints.

Each printed number is put next to tacepath's recomputation, with the difference and a
verdict: reproduced, close, differs, not reproducible from what is printed, or by
construction (the pseudo-data were built to meet it). Overall survival of TACTICS is
re-analysed on PSEUDO-DATA rebuilt from the printed at-risk table, deaths and medians.

Examples:

  tacepath reproduce --list

  tacepath reproduce tactics

  tacepath reproduce tactics --json

  tacepath reproduce tactics --html tactics.html --plot km.png
"""

_SURROGACY_HELP = """Correlate progression HRs with OS HRs across TACE-combination trials.

The TACTICS final paper reports r = 0.56 over six trials (weighted); tacepath computes
Pearson's r from the evidence registry's verified HRs (five trials), on the HR and log-HR
scales, unweighted and weighted by trial size, with Fisher-z CIs and leave-one-out.

Examples:

  tacepath surrogacy

  tacepath surrogacy --json --plot surrogacy.png
"""


def _check_suffix(path: Path | None, option: str, suffixes: tuple[str, ...]) -> None:
    if path is None:
        return
    if path.suffix.lower() not in suffixes:
        raise InputError(option, str(path), "a file ending in " + " or ".join(suffixes))
    if not path.parent.exists():
        raise InputError(option, str(path), "a path in an existing directory")


@app.command("reproduce", help=_REPRODUCE_HELP)
def reproduce_command(
    trial: str | None = typer.Argument(
        None, help="Trial to reproduce (tactics; see --list for the others)."
    ),
    list_: bool = typer.Option(
        False, "--list", help="Show what each registry trial allows, and what is missing."
    ),
    as_json: bool = typer.Option(
        False, "--json", help='Print {"rows": [{quantity, paper, reproduced, ...}]} as JSON.'
    ),
    html: Path | None = output_path(None, "--html", help="Write a one-page HTML report."),
    plot: Path | None = output_path(
        None,
        "--plot",
        help="Draw the pseudo-data's KM curves with the risk table (.png/.svg/.pdf).",
    ),
) -> None:
    try:
        if list_:
            _list(as_json=as_json)
            return
        if trial is None:
            raise InputError("TRIAL", None, "a trial to reproduce (e.g. tactics), or --list")
        _check_suffix(html, "--html", (".html",))
        _check_suffix(plot, "--plot", (".png", ".svg", ".pdf"))
        _reproduce(trial, as_json=as_json, html=html, plot=plot)
    except InputError as exc:
        exit_with_errors(exc)


def _list(*, as_json: bool) -> None:
    from tacepath.literature.reproduce import catalogue
    from tacepath.literature.reproduce.text import catalogue_text

    items = catalogue()
    if as_json:
        typer.echo(
            json.dumps({"trials": [i.to_dict() for i in items]}, indent=2, ensure_ascii=False)
        )
        return
    typer.echo(catalogue_text(items))


def _reproduce(trial: str, *, as_json: bool, html: Path | None, plot: Path | None) -> None:
    from tacepath.literature.reproduce import reproduce

    rep = reproduce(trial)
    if plot is not None:
        from tacepath.report.reproduce_report import plot_reproduction_km

        plot_reproduction_km(rep, plot)
    if html is not None:
        from tacepath.report.reproduce_report import reproduction_html

        html.write_text(reproduction_html(rep), encoding="utf-8")
    if as_json:
        payload = rep.to_dict()
        payload["html"] = None if html is None else str(html)
        payload["plot"] = None if plot is None else str(plot)
        typer.echo(json.dumps(json_safe(payload), indent=2, ensure_ascii=False))
        return
    typer.echo(rep.summary())
    for what, path in (("HTML report", html), ("KM figure (pseudo-data)", plot)):
        if path is not None:
            typer.echo(f"{what} written to {path}")


@app.command("surrogacy", help=_SURROGACY_HELP)
def surrogacy_command(
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
    plot: Path | None = output_path(
        None, "--plot", help="Scatter plot of the HRs with the weighted line (.png/.svg/.pdf)."
    ),
) -> None:
    from tacepath.literature.surrogacy import surrogacy

    try:
        _check_suffix(plot, "--plot", (".png", ".svg", ".pdf"))
        result = surrogacy()
        if plot is not None:
            from tacepath.report.surrogacy_plot import plot_surrogacy

            plot_surrogacy(result, plot)
        if as_json:
            payload = result.to_dict()
            payload["plot"] = None if plot is None else str(plot)
            typer.echo(json.dumps(json_safe(payload), indent=2, ensure_ascii=False))
            return
        typer.echo(result.summary())
        if plot is not None:
            typer.echo(f"plot written to {plot}")
    except InputError as exc:
        exit_with_errors(exc)
