"""``tacepath reconstruct``: individual patient data from a published Kaplan–Meier figure.

With ``--curve`` (digitised points) it runs Guyot et al.'s algorithm; with ``--pseudo``
and no curve it builds summary-constrained pseudo-data from printed numbers, labelled as
such in the output file, the JSON and the figure. Bad input exits 2 with one line per
problem naming the file, column, row and value.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from tacepath.cli._app import app
from tacepath.cli._io import encoding_option, exit_with_errors, input_file, output_path
from tacepath.errors import InputError
from tacepath.jsonsafe import json_safe

if TYPE_CHECKING:
    import pandas as pd

    from tacepath.literature.reconstruct import PseudoIpdResult, ReconstructionResult

__all__: list[str] = []

_HELP = """Reconstruct individual patient data from a published Kaplan-Meier figure.

Guyot et al. (BMC Med Res Methodol 2012;12:9): digitised points (CSV time,surv) plus the
published number-at-risk table (CSV time,n_risk) and, when known, the total number of
events. Digitiser noise (points out of order, rises, values above 1, duplicate times) is
cleaned by documented rules and every change reported.

Without a curve, --pseudo builds pseudo-data consistent with printed numbers (at-risk
table, events, median), labelled pseudo-data everywhere, with each number met or not.

Examples:

  tacepath reconstruct --curve arm.csv --at-risk risk.csv --events 112 --out ipd.csv

  tacepath reconstruct --curve arm.csv --at-risk risk.csv --arm male --out ipd.csv --json

  tacepath reconstruct --pseudo --at-risk risk.csv --events 112 --median 270 --out pseudo.csv
"""


def _read_csv(path: Path, option: str, encoding: str | None) -> pd.DataFrame:
    from tacepath.interop.files import read_table

    return read_table(path, encoding=encoding, field=option, formats=("csv",))


def _check_out(out: Path) -> None:
    if out.suffix.lower() != ".csv":
        raise InputError("--out", str(out), "a file ending in .csv")
    if not out.parent.exists():
        raise InputError("--out", str(out), "a path in an existing directory")


def _median_option(value: str | None) -> float | str | None:
    if value is None:
        return None
    if value.strip().upper() in ("NR", "NOT REACHED"):
        return "NR"
    try:
        return float(value)
    except ValueError as exc:
        raise InputError("--median", value, "a time > 0, or NR (not reached)") from exc


@app.command("reconstruct", help=_HELP)
def reconstruct_command(
    curve: Path | None = input_file(
        None, "--curve", help="Digitised points: CSV with columns time,surv."
    ),
    at_risk: Path | None = input_file(
        None, "--at-risk", help="Published number at risk: CSV with columns time,n_risk."
    ),
    out: Path = output_path(..., "--out", "-o", help="Output CSV: time,event[,arm]."),
    events: int | None = typer.Option(
        None, "--events", help="Published total number of events (when known)."
    ),
    n: int | None = typer.Option(
        None, "--n", help="Number of patients (needed when there is no at-risk table)."
    ),
    arm: str | None = typer.Option(None, "--arm", help="Add a column arm with this value."),
    percent: bool = typer.Option(False, "--percent", help="Survival in the curve is in %."),
    pseudo: bool = typer.Option(
        False, "--pseudo", help="No curve: pseudo-data from --at-risk/--n, --events, --median."
    ),
    median: str | None = typer.Option(
        None, "--median", help="--pseudo: printed median (a time, or NR for not reached)."
    ),
    follow_up_end: float | None = typer.Option(
        None, "--follow-up-end", help="--pseudo: end of follow-up (default: assumed)."
    ),
    plot: Path | None = output_path(
        None, "--plot", help="Draw the reconstructed curve over the points (.png/.svg/.pdf)."
    ),
    encoding: str | None = encoding_option(),
    as_json: bool = typer.Option(
        False, "--json", help="Print the accuracy report and the cleaning log as JSON."
    ),
) -> None:
    try:
        _check_out(out)
        if plot is not None and plot.suffix.lower() not in (".png", ".svg", ".pdf"):
            raise InputError("--plot", str(plot), "a file ending in .png, .svg or .pdf")
        if curve is None and not pseudo:
            raise InputError(
                "--curve",
                None,
                "a digitised curve CSV, or --pseudo for summary-constrained pseudo-data",
            )
        if curve is not None and pseudo:
            raise InputError("--pseudo", True, "without --curve (a curve is reconstructed)")
        table = None if at_risk is None else _read_csv(at_risk, "--at-risk", encoding)
        risk_name = str(at_risk) if at_risk is not None else "--at-risk"
        if curve is not None:
            if median is not None or follow_up_end is not None:
                raise InputError(
                    "--median/--follow-up-end", median or follow_up_end, "only with --pseudo"
                )
            _reconstruct(
                _read_csv(curve, "--curve", encoding),
                table,
                names=(str(curve), risk_name),
                events=events,
                n=n,
                arm=arm,
                percent=percent,
                out=out,
                plot=plot,
                as_json=as_json,
            )
        else:
            if events is None:
                raise InputError("--events", None, "the printed number of events (--pseudo)")
            _pseudo(
                table,
                risk_name=risk_name,
                events=events,
                n=n,
                median=_median_option(median),
                follow_up_end=follow_up_end,
                arm=arm,
                out=out,
                plot=plot,
                as_json=as_json,
            )
    except InputError as exc:
        exit_with_errors(exc)


def _reconstruct(
    curve: pd.DataFrame,
    table: pd.DataFrame | None,
    *,
    names: tuple[str, str],
    events: int | None,
    n: int | None,
    arm: str | None,
    percent: bool,
    out: Path,
    plot: Path | None,
    as_json: bool,
) -> None:
    from tacepath.literature.reconstruct import reconstruct_ipd

    if table is None and n is None:
        raise InputError(
            "--at-risk/--n", None, "the published at-risk table, or --n (number of patients)"
        )
    result = reconstruct_ipd(
        curve, table, total_events=events, arm=arm, percent=percent, n=n, names=names
    )
    from tacepath.interop.csv_out import formula_safe

    formula_safe(result.ipd).to_csv(out, index=False)
    if plot is not None:
        from tacepath.report.reconstruct_plot import plot_reconstruction

        plot_reconstruction(result, plot)
    _report(result, out=out, plot=plot, as_json=as_json, rows=f"{result.n} rows")


def _pseudo(
    table: pd.DataFrame | None,
    *,
    risk_name: str,
    events: int,
    n: int | None,
    median: float | str | None,
    follow_up_end: float | None,
    arm: str | None,
    out: Path,
    plot: Path | None,
    as_json: bool,
) -> None:
    from tacepath.literature.reconstruct import pseudo_ipd_from_summary

    result = pseudo_ipd_from_summary(
        events=events,
        at_risk=table,
        n=n,
        median=median,
        follow_up_end=follow_up_end,
        arm=arm,
        name=risk_name,
    )
    from tacepath.interop.csv_out import formula_safe

    formula_safe(result.ipd).to_csv(out, index=False)
    if plot is not None:
        from tacepath.report.reconstruct_plot import plot_pseudo_ipd

        plot_pseudo_ipd(result, plot)
    _report(
        result,
        out=out,
        plot=plot,
        as_json=as_json,
        rows=f"{len(result.ipd)} rows of PSEUDO-DATA (column label)",
    )


def _report(
    result: ReconstructionResult | PseudoIpdResult,
    *,
    out: Path,
    plot: Path | None,
    as_json: bool,
    rows: str,
) -> None:
    """The result as JSON (with the files written), or its summary and the files."""
    if as_json:
        payload = result.to_dict()
        payload["out"] = str(out)
        payload["plot"] = None if plot is None else str(plot)
        typer.echo(json.dumps(json_safe(payload), indent=2, ensure_ascii=False))
        return
    typer.echo(result.summary())
    typer.echo(f"{rows} written to {out}")
    if plot is not None:
        typer.echo(f"plot written to {plot}")
