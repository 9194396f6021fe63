"""``tacepath federate summarise | km | logrank``: survival across sites that share only
counts (docs/federated.md)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from tacepath.cli._app import app
from tacepath.cli._io import (
    encoding_option,
    exit_with_errors,
    input_file,
    output_path,
    read_json_or_yaml,
)
from tacepath.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

    from tacepath.survival.federated import SiteSummary

__all__: list[str] = []

federate_app = typer.Typer(
    help=(
        "Survival across sites that share counts per time, never a patient's row.\n\n"
        "Examples:\n\n"
        "  tacepath federate summarise site1.csv --time os_days --event death --group arm "
        "--time-unit month --min-count 5 --site 'Hospital A' --out site1.json\n\n"
        "  tacepath federate km site1.json site2.json site3.json --json\n\n"
        "  tacepath federate logrank site1.json site2.json site3.json --site-stratum --json"
    ),
    no_args_is_help=True,
)
app.add_typer(federate_app, name="federate")


@federate_app.command("summarise")
def summarise(
    data_path: Path = input_file(..., metavar="DATA", help="The site's CSV or Parquet file."),
    time: str = typer.Option(..., "--time", help="Time column (in days with --time-unit)."),
    event: str = typer.Option(..., "--event", help="Event column: 1 event, 0 censored."),
    group: str | None = typer.Option(None, "--group", help="Group column (e.g. the arm)."),
    strata: str | None = typer.Option(None, "--strata", help="Stratum columns S1,S2."),
    time_unit: str | None = typer.Option(
        None, "--time-unit", help="Coarsen the time to whole days, weeks or months (rounded up)."
    ),
    min_count: int = typer.Option(
        5, "--min-count", help="Refuse a cell or group of fewer patients (1-1000)."
    ),
    site: str = typer.Option("site", "--site", help="The site's name in the file."),
    out: Path = output_path(..., "--out", help="The site's summary (JSON)."),
    encoding: str | None = encoding_option(),
) -> None:
    """Write a site's aggregates: numbers at risk, events and censorings per group, stratum
    and time; refused when a cell describes fewer than --min-count patients."""
    import json

    from tacepath.cli.survival import read_table
    from tacepath.survival.federated import site_summary

    try:
        if time_unit is not None and time_unit not in ("day", "week", "month"):
            raise InputError("--time-unit", time_unit, "day, week or month")
        data = read_table(data_path, encoding)
        summary = site_summary(
            data,
            time=time,
            event=event,
            group=group,
            strata=[s.strip() for s in (strata or "").split(",") if s.strip()],
            time_unit=time_unit,  # type: ignore[arg-type]
            min_count=min_count,
            site=site,
        )
    except InputError as exc:
        exit_with_errors(exc, source=str(data_path))
    out.write_text(json.dumps(summary.to_dict(), allow_nan=False) + "\n", encoding="utf-8")
    typer.echo(
        f"{summary.n} patients in {len(summary.cells)} cells written to {out}"
        + (f" ({summary.n_dropped} rows left out for a missing value)" if summary.n_dropped else "")
    )


def _pooled(paths: list[Path]) -> tuple[list[SiteSummary], pd.DataFrame]:
    from tacepath.survival.federated import SiteSummary, pooled_rows

    if len(paths) > 1000:
        raise InputError("SITES", len(paths), "at most 1000 site files")
    summaries = [
        SiteSummary.from_dict(read_json_or_yaml(p, field="SITES"), name=p.name) for p in paths
    ]
    names = [s.site for s in summaries]
    if len(set(names)) != len(names):
        raise InputError("SITES", ", ".join(names)[:200], "a different --site name per file")
    return summaries, pooled_rows(summaries)


def _echo_json(obj: Any) -> None:
    import json

    from tacepath.jsonsafe import json_safe

    typer.echo(json.dumps(json_safe(obj), indent=2, ensure_ascii=False))


def _sites() -> list[Path]:
    return typer.Argument(  # type: ignore[no-any-return]
        ..., metavar="SITES...", help="The sites' summaries (from `federate summarise`)."
    )


@federate_app.command("km")
def km(
    sites: list[Path] = _sites(),
    as_json: bool = typer.Option(False, "--json", help="Print the JSON contract."),
    conf_type: str = typer.Option("log", "--conf-type", help="log | log-log | plain | none."),
    conf_level: float = typer.Option(0.95, "--conf-level", help="Confidence level."),
) -> None:
    """Pooled Kaplan-Meier curves: the same numbers as `tacepath survival km` on the pooled
    rows (equally coarsened)."""
    from tacepath.survival import kaplan_meier

    try:
        summaries, rows = _pooled(sites)
        first = summaries[0]
        fit = kaplan_meier(
            rows,
            time=first.time,
            event=first.event,
            group=first.group,
            conf_type=conf_type,  # type: ignore[arg-type]
            conf_level=conf_level,
        )
    except InputError as exc:
        exit_with_errors(exc)
    out = fit.to_dict()
    out["sites"] = [{"site": s.site, "n": s.n, "n_dropped": s.n_dropped} for s in summaries]
    out["time_unit"] = first.time_unit
    if as_json:
        _echo_json(out)
        return
    for c in fit.curves:
        label = "all" if first.group is None else f"{first.group}={c.group}"
        typer.echo(f"{label}: n = {c.n}, events = {c.n_events:g}, median = {c.median}")
    typer.echo(f"{len(summaries)} sites, {sum(s.n for s in summaries)} patients")


@federate_app.command("logrank")
def logrank(
    sites: list[Path] = _sites(),
    site_stratum: bool = typer.Option(
        False, "--site-stratum", help="Stratify by site too (with the files' own strata)."
    ),
    rho: float = typer.Option(0.0, "--rho", help="0 log-rank, 1 Peto-Peto (weight S(t-)^rho)."),
    as_json: bool = typer.Option(False, "--json", help="Print the JSON contract."),
) -> None:
    """Pooled (stratified) log-rank test: the same numbers as `tacepath survival logrank`
    on the pooled rows, with the site as a further stratum if asked."""
    from tacepath.survival import logrank_test
    from tacepath.survival.federated import SITE_COLUMN

    try:
        summaries, rows = _pooled(sites)
        first = summaries[0]
        if first.group is None:
            raise InputError("SITES", "no --group", "summaries made with --group")
        strata = [*first.strata, *([SITE_COLUMN] if site_stratum else [])]
        res = logrank_test(
            rows,
            time=first.time,
            event=first.event,
            group=first.group,
            strata=strata or None,
            rho=rho,
        )
    except InputError as exc:
        exit_with_errors(exc)
    if as_json:
        _echo_json(res.to_dict())
        return
    typer.echo(res.summary())
