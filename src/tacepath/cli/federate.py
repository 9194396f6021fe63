"""``tacepath federate summarise | km | logrank | cox-round | cox-combine``: survival across
sites that share only counts and sums (docs/federated.md)."""

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
        "  tacepath federate logrank site1.json site2.json site3.json --site-stratum --json\n\n"
        "  tacepath federate cox-round site1.csv --time os_days --event death "
        "--covariates age,afp --state state.json --site 'Hospital A' --out a-round.json\n\n"
        "  tacepath federate cox-combine a-round.json b-round.json --state state.json "
        "--out state.json"
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


def _write_json(out: Path, obj: Any) -> None:
    import json

    out.write_text(json.dumps(obj, allow_nan=False) + "\n", encoding="utf-8")


def _round_state(path: Path, spec: Any, site: str) -> dict[str, Any]:
    """The centre's state for this round, checked against the site's options."""
    from tacepath.survival.federated_cox import read_state

    spec_in, current = read_state(read_json_or_yaml(path, field="--state"), path.name)
    if spec_in != spec:
        raise InputError("--state", spec_in.to_dict(), f"the options given: {spec.to_dict()}")
    if current.get("done"):
        raise InputError("--state", "done", "a state still iterating")
    if current.get("sites") and site not in current["sites"]:
        raise InputError("--site", site[:50], f"one of {current['sites']}")
    return current


@federate_app.command("cox-round")
def cox_round(
    data_path: Path = input_file(..., metavar="DATA", help="The site's CSV or Parquet file."),
    time: str = typer.Option(..., "--time", help="Time column (in days with --time-unit)."),
    event: str = typer.Option(..., "--event", help="Event column: 1 event, 0 censored."),
    covariates: str = typer.Option(..., "--covariates", help="Numeric covariates a,b,c."),
    strata: str | None = typer.Option(None, "--strata", help="Stratum columns S1,S2."),
    ties: str = typer.Option("efron", "--ties", help="efron | breslow."),
    time_unit: str | None = typer.Option(
        None, "--time-unit", help="Coarsen the time to whole days, weeks or months (rounded up)."
    ),
    min_count: int = typer.Option(
        5, "--min-count", help="Refuse a time cell or stratum of fewer rows (1-1000)."
    ),
    site: str = typer.Option("site", "--site", help="The site's name in the file."),
    state: Path | None = input_file(
        None, "--state", help="The centre's state (none: the first round, at beta = 0)."
    ),
    out: Path = output_path(..., "--out", help="The site's sums for this round (JSON)."),
    encoding: str | None = encoding_option(),
) -> None:
    """Write a site's sums for one round of the federated Cox fit, at the state's beta;
    refused when a time cell or stratum holds fewer than --min-count rows."""
    from tacepath.cli.survival import read_table
    from tacepath.survival.federated_cox import CoxSpec, new_state, site_round

    try:
        spec = CoxSpec(
            time=time,
            event=event,
            covariates=tuple(c.strip() for c in covariates.split(",") if c.strip()),
            strata=tuple(s.strip() for s in (strata or "").split(",") if s.strip()),
            ties=ties,  # type: ignore[arg-type]
            time_unit=time_unit,  # type: ignore[arg-type]
            min_count=min_count,
        )
        current = new_state(spec) if state is None else _round_state(state, spec, site)
    except InputError as exc:
        exit_with_errors(exc, source=str(state or data_path))
    try:
        data = read_table(data_path, encoding)
        obj = site_round(
            data,
            spec,
            beta=current["beta"],
            centre=current["centre"],
            site=site,
            round_no=int(current["round"]),
        )
    except InputError as exc:
        exit_with_errors(exc, source=str(data_path))
    _write_json(out, obj)
    typer.echo(
        f"round {obj['round']}: {obj['n']} rows in {len(obj['cells'])} cells written to {out}"
    )


@federate_app.command("cox-combine")
def cox_combine(
    sites: list[Path] = typer.Argument(
        ..., metavar="SITES...", help="Every site's file of this round (from `cox-round`)."
    ),
    state: Path | None = input_file(
        None, "--state", help="The current state (none after the first round)."
    ),
    out: Path = output_path(..., "--out", help="The next state (JSON); may be --state."),
    conf_level: float = typer.Option(0.95, "--conf-level", help="Confidence level."),
    as_json: bool = typer.Option(False, "--json", help="Print the fit (or the next step)."),
) -> None:
    """Add the sites' sums, take a Newton-Raphson step on the pooled partial likelihood and
    write the next state: the next round's beta, or the finished fit."""
    from tacepath.survival.federated_cox import CoxSpec, combine, new_state

    try:
        current = None if state is None else read_json_or_yaml(state, field="--state")
    except InputError as exc:
        exit_with_errors(exc, source=str(state))
    try:
        if len(sites) > 1000:
            raise InputError("SITES", len(sites), "at most 1000 site files")
        if not 0.5 <= conf_level < 1:
            raise InputError("--conf-level", conf_level, "a number from 0.5 to below 1")
        files = [(p.name, read_json_or_yaml(p, field="SITES")) for p in sites]
        if current is None:
            first = files[0][1]
            spec = first.get("spec") if isinstance(first, dict) else None
            current = new_state(CoxSpec.from_dict(spec, files[0][0]))
        nxt = combine(current, files, conf_level=conf_level)
    except InputError as exc:
        exit_with_errors(exc)
    _write_json(out, nxt)
    if as_json:
        _echo_json(
            nxt["result"]
            if nxt["done"]
            else {"done": False, "round": nxt["round"], "beta": nxt["beta"]}
        )
    elif nxt["done"]:
        r = nxt["result"]
        for name, coef, se in zip(r["terms"], r["coef"], r["se"], strict=True):
            typer.echo(f"{name}: coef = {coef:.6g}, se = {se:.6g}")
        typer.echo(f"converged after {r['iterations']} iterations, {r['n']} patients")
    else:
        typer.echo(f"round {nxt['round']} next: send {out} to the sites")
