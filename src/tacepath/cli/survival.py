"""``tacepath survival km | logrank | cox | cif | finegray``: survival analyses of a CSV or
Parquet file.

Every command reads the data once, leaves out rows with a missing value in a column it
uses (R's ``na.omit``; the count is reported), and exits 2 with a message naming the
column, the row and the value for any other bad input. ADaM ADTTE files (from
``tacepath endpoints``) feed in directly: ``--censor CNSR`` instead of ``--event`` and
``--where PARAMCD=OS`` to pick one parameter.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import typer

from tacepath.cli._app import app
from tacepath.cli._io import encoding_option, exit_with_errors, input_file, output_path
from tacepath.cli._survival_dask import (
    SCHEDULER_HELP,
    cox_on_dask,
    km_on_dask,
    logrank_on_dask,
    refuse,
)
from tacepath.errors import InputError
from tacepath.jsonsafe import json_safe

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["read_table"]

survival_app = typer.Typer(
    help=(
        "Kaplan-Meier, log-rank and Cox analyses whose numbers agree with R survival.\n\n"
        "Examples:\n\n"
        "  tacepath survival km data.csv --time time --event status --group arm --plot km.png\n\n"
        "  tacepath survival logrank data.csv --time time --event status --group arm "
        "--strata site\n\n"
        "  tacepath survival cox data.csv --time time --event status --covariates arm,age "
        "--categorical arm\n\n"
        "  tacepath survival km adtte.csv --time AVAL --censor CNSR --where PARAMCD=OS\n\n"
        "  tacepath survival cif data.csv --time time --status cause --group arm"
    ),
    no_args_is_help=True,
    rich_markup_mode="markdown",
)
app.add_typer(survival_app, name="survival")

_EVENT_COLUMN = "__tacepath_event__"


_R = TypeVar("_R")


def read_table(path: Path, encoding: str | None = None) -> pd.DataFrame:
    """Read a CSV (``encoding``; UTF-8 by default) or Parquet file, checked by
    :func:`tacepath.interop.files.read_table`; anything else is an input error."""
    from tacepath.interop import files

    return files.read_table(path, encoding=encoding, field="DATA", formats=("csv", "parquet"))


def _split(value: str | None) -> list[str]:
    return [] if not value else [v.strip() for v in value.split(",") if v.strip()]


def _apply_where(data: pd.DataFrame, where: list[str]) -> pd.DataFrame:
    """Keep rows where each ``COLUMN=VALUE`` holds (compared as text)."""
    for cond in where:
        if "=" not in cond:
            raise InputError("--where", cond, "COLUMN=VALUE, e.g. PARAMCD=OS")
        col, value = cond.split("=", 1)
        if col not in data.columns:
            raise InputError("--where", col, f"a column of the data ({', '.join(data.columns)})")
        keep = data[col].astype(str) == value
        if not keep.any():
            shown = ", ".join(sorted(data[col].astype(str).unique())[:20])
            raise InputError("--where", cond, f"a value present in column {col!r} ({shown})")
        data = data.loc[keep].reset_index(drop=True)
    return data


def _event_column(data: pd.DataFrame, event: str | None, censor: str | None) -> str:
    """The event column to use: ``--event`` as is, or 1 − (``--censor`` > 0) for ADaM."""
    import numpy as np

    from tacepath.adam.model import events_from_cnsr, invalid_cnsr

    if (event is None) == (censor is None):
        raise InputError(
            "--event/--censor",
            f"{event!r}/{censor!r}",
            "exactly one: --event (1 = event, 0 = censored) or --censor (ADaM CNSR: 0 = event)",
        )
    if event is not None:
        return event
    assert censor is not None
    if censor not in data.columns:
        raise InputError("--censor", censor, f"a column of the data ({', '.join(data.columns)})")
    bad = invalid_cnsr(data[censor])
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"--censor {censor!r}, row {row + 1}",
            data[censor].iloc[row],
            "0 = event, 1, 2, ... = censored (reason code)",
        )
    data[_EVENT_COLUMN] = events_from_cnsr(data[censor]).to_numpy()
    return _EVENT_COLUMN


#: The survival functions name their parameters in errors; the commands name their flags.
_FLAGS = {
    "time": "--time",
    "event": "--event",
    "start": "--start",
    "weights": "--weights",
    "group": "--group",
    "strata": "--strata",
    "covariates": "--covariates",
    "categorical": "--categorical",
    "reference": "--reference",
    "cluster": "--cluster",
    "rho": "--rho",
    "gamma": "--fh",
    "status": "--status",
    "cause": "--cause",
    "combo": "--combo",
}


def _with_flags(exc: InputError) -> InputError:
    """``exc`` with each field's leading parameter name (``time 'os', row 3``) as its flag."""
    from tacepath.errors import InputErrors, Problem

    def flag(field: str) -> str:
        name = field.split(" ", 1)[0].split(",", 1)[0]
        return _FLAGS.get(name, name) + field[len(name) :]

    return InputErrors([Problem(flag(p.field), p.value, p.allowed) for p in exc.problems])


def _echo_json(obj: Any) -> None:
    typer.echo(json.dumps(json_safe(obj), indent=2, ensure_ascii=False))


def _fmt(v: float | None, digits: int = 4) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "NA"
    return f"{v:.{digits}g}"


def _times(value: str | None) -> list[float]:
    out = []
    for part in _split(value):
        try:
            out.append(float(part))
        except ValueError as exc:
            raise InputError("--times", part, "numbers separated by commas, e.g. 0,12,24") from exc
    return out


def _load(data_path: Path, where: list[str], encoding: str | None) -> pd.DataFrame:
    return _apply_where(read_table(data_path, encoding), where)


def _two_arm_hazard_ratio(
    data: pd.DataFrame,
    fit: Any,
    *,
    time: str,
    event: str,
    group: str | None,
    start: str | None,
    weights: str | None,
) -> Any:
    """Cox HR of the second group against the first, for the plot's corner (two groups).

    None when there is no such HR to show (one group, no events, an infinite estimate)."""
    if group is None or len(fit.curves) != 2:
        return None
    import warnings

    from tacepath.errors import StatisticalWarning
    from tacepath.report.km_plot import HazardRatioLabel
    from tacepath.survival import cox_ph

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", StatisticalWarning)
            cox = cox_ph(
                data,
                time=time,
                event=event,
                start=start,
                weights=weights,
                covariates=[group],
                categorical=[group],
            )
    except (InputError, StatisticalWarning):
        return None
    a, b = fit.curves
    return HazardRatioLabel(
        estimate=float(cox.hr[0]),
        lower=float(cox.hr_lower[0]),
        upper=float(cox.hr_upper[0]),
        label=f"HR {b.group} vs {a.group}",
        conf_level=cox.conf_level,
    )


def _fitted(
    data_path: Path, where: list[str], encoding: str | None, fit: Callable[[pd.DataFrame], _R]
) -> _R:
    """``fit`` of the rows ``--where`` keeps; an input error ends the command (exit 2) with
    the file named and the flag of the column that is wrong."""
    try:
        return fit(_load(data_path, where, encoding))
    except InputError as exc:
        exit_with_errors(_with_flags(exc), source=str(data_path))


_WHERE_HELP = "Keep rows with COLUMN=VALUE (repeatable), e.g. PARAMCD=OS for an ADTTE file."
_CENSOR_HELP = "ADaM censoring column instead of --event: 0 = event, >= 1 = censored (CNSR)."


@survival_app.command("km")
def km_command(
    data_path: Path = input_file(..., metavar="DATA", help="CSV or Parquet file."),
    time: str = typer.Option(..., "--time", help="Time column (stop time with --start)."),
    event: str | None = typer.Option(None, "--event", help="Event column: 1 event, 0 censored."),
    censor: str | None = typer.Option(None, "--censor", help=_CENSOR_HELP),
    start: str | None = typer.Option(None, "--start", help="Entry-time column: (start, time]."),
    group: str | None = typer.Option(None, "--group", help="One curve per level of this column."),
    weights: str | None = typer.Option(None, "--weights", help="Case-weight column."),
    conf_type: str = typer.Option(
        "log", "--conf-type", help="log (R) | log-log (SAS) | plain | logit | arcsin | none."
    ),
    conf_level: float = typer.Option(0.95, "--conf-level", help="Confidence level."),
    tau: float | None = typer.Option(
        None, "--tau", help="Restricted-mean horizon (default: the largest time)."
    ),
    times: str | None = typer.Option(
        None, "--times", help="Report the curve and number at risk at t1,t2,..."
    ),
    plot: Path | None = output_path(
        None, "--plot", help="Draw the curves with a risk table (.png, .svg or .pdf)."
    ),
    where: list[str] = typer.Option([], "--where", help=_WHERE_HELP),
    encoding: str | None = encoding_option(),
    scheduler: str | None = typer.Option(None, "--scheduler", help=SCHEDULER_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print the JSON contract."),
) -> None:
    """Kaplan-Meier curves with Greenwood CIs, medians, restricted means (as R survfit).

    Example: `tacepath survival km lung.csv --time time --event status --group sex --times 0,365`
    """
    from rich.console import Console
    from rich.table import Table

    from tacepath.survival import kaplan_meier

    try:
        at = _times(times)
        if scheduler is not None:
            refuse(event, {"--censor": censor, "--start": start, "--weights": weights,
                           "--plot": plot, "--where": where, "--encoding": encoding})  # fmt: skip
            fit, logrank = km_on_dask(data_path, scheduler, logrank=True, time=time,
                                      event=event, group=group, conf_type=conf_type,
                                      conf_level=conf_level, tau=tau)  # fmt: skip
        else:
            data = _load(data_path, where, encoding)
            ev = _event_column(data, event, censor)
            fit = kaplan_meier(
                data,
                time=time,
                event=ev,
                start=start,
                group=group,
                weights=weights,
                conf_type=conf_type,  # type: ignore[arg-type]
                conf_level=conf_level,
                tau=tau,
            )
            logrank = None
            if group is not None and len(fit.curves) > 1 and start is None and weights is None:
                from tacepath.survival import logrank_test

                logrank = logrank_test(data, time=time, event=ev, group=group)
    except InputError as exc:
        exit_with_errors(_with_flags(exc), source=str(data_path))
    if plot is not None:
        from tacepath.report.km_plot import plot_km

        hr = _two_arm_hazard_ratio(
            data, fit, time=time, event=ev, group=group, start=start, weights=weights
        )
        plot_km(fit, plot, logrank=logrank, hazard_ratio=hr, time_label=time)
    if as_json:
        out = fit.to_dict()
        if at:
            for g, curve in zip(out["groups"], fit.curves, strict=True):
                g["at_times"] = curve.at(at, extend=True).to_dict()
        out["event_column"] = censor if censor is not None else event
        out["event_coding"] = "CNSR (0 = event)" if censor is not None else "1 = event"
        _echo_json(out)
        return
    console = Console()
    table = Table(title=f"Kaplan-Meier estimate ({fit.conf_type} CI, {fit.conf_level:.0%})")
    lvl = f"{fit.conf_level:g}"
    for col in ("group", "n", "events", "median", f"{lvl} LCL", f"{lvl} UCL", "RMST", "se"):
        table.add_column(col, justify="right" if col != "group" else "left")
    for c in fit.curves:
        label = "all" if fit.group_column is None else f"{fit.group_column}={c.group}"
        table.add_row(
            label,
            str(c.n),
            _fmt(c.n_events),
            _fmt(c.median),
            _fmt(c.median_lower),
            _fmt(c.median_upper),
            _fmt(c.rmean),
            _fmt(c.rmean_se),
        )
    console.print(table)
    console.print(f"RMST up to tau = {fit.curves[0].tau:g}; NA: median not reached.")
    if fit.n_dropped:
        console.print(f"{fit.n_dropped} rows left out for a missing value.")
    for note in fit.notes:
        console.print(note)
    if logrank is not None:
        console.print(
            f"Log-rank test: chisq = {logrank.chisq:.3f} on {logrank.df} df, "
            f"p = {_fmt(logrank.p, 3)}"
        )
    if at:
        t2 = Table(title="At chosen times (summary(fit, times=, extend=TRUE))")
        for col in ("group", "time", "n.risk", "n.event", "n.censor", "surv", "std.err"):
            t2.add_column(col, justify="right")
        t2.add_column(f"lower {lvl}", justify="right")
        t2.add_column(f"upper {lvl}", justify="right")
        for c in fit.curves:
            s = c.at(at, extend=True)
            for i in range(s.time.size):
                t2.add_row(
                    str(c.group if c.group is not None else "all"),
                    _fmt(float(s.time[i])),
                    _fmt(float(s.n_risk[i])),
                    _fmt(float(s.n_event[i])),
                    _fmt(float(s.n_censor[i])),
                    _fmt(float(s.surv[i])),
                    _fmt(float(s.std_err[i])),
                    _fmt(float(s.lower[i])),
                    _fmt(float(s.upper[i])),
                )
        console.print(t2)
    if plot is not None:
        console.print(f"plot written to {plot}")


@survival_app.command("logrank")
def logrank_command(
    data_path: Path = input_file(..., metavar="DATA", help="CSV or Parquet file."),
    time: str = typer.Option(..., "--time", help="Time column."),
    event: str | None = typer.Option(None, "--event", help="Event column: 1 event, 0 censored."),
    censor: str | None = typer.Option(None, "--censor", help=_CENSOR_HELP),
    group: str = typer.Option(..., "--group", help="Column of the groups compared."),
    strata: str | None = typer.Option(None, "--strata", help="Stratification columns S1,S2."),
    rho: float = typer.Option(0.0, "--rho", help="0 log-rank, 1 Peto-Peto (weight S(t-)^rho)."),
    fh: str | None = typer.Option(
        None, "--fh", help="Fleming-Harrington G(RHO,GAMMA): weight S(t-)^RHO (1-S(t-))^GAMMA."
    ),
    maxcombo: bool = typer.Option(
        False, "--maxcombo", help="MaxCombo: max |z| of G(0,0), G(0,1), G(1,0), G(1,1)."
    ),
    combo: str | None = typer.Option(
        None, "--combo", help="MaxCombo's tests instead of the four: RHO,GAMMA;RHO,GAMMA;..."
    ),
    trend: bool = typer.Option(False, "--trend", help="Add the test for trend across levels."),
    where: list[str] = typer.Option([], "--where", help=_WHERE_HELP),
    encoding: str | None = encoding_option(),
    scheduler: str | None = typer.Option(None, "--scheduler", help=SCHEDULER_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print the JSON contract."),
) -> None:
    """Log-rank, G-rho or Fleming-Harrington G(rho,gamma) test, stratified if asked (as R
    survdiff), or the MaxCombo test of two groups.

    Example: `tacepath survival logrank veteran.csv --time time --event status --group trt
    --fh 0,1`
    """
    from rich.console import Console

    from tacepath.survival import logrank_test, maxcombo_test

    try:
        if (maxcombo or combo is not None) and (fh is not None or rho != 0 or trend):
            raise InputError(
                "--maxcombo", "with --fh/--rho/--trend", "--maxcombo alone (it sets the weights)"
            )
        if fh is not None and rho != 0:
            raise InputError("--fh", fh, "--fh RHO,GAMMA or --rho RHO, not both")
        weight, late = (rho, 0.0) if fh is None else _pairs(fh, "--fh", one=True)[0]
        if scheduler is not None:
            refuse(event, {"--censor": censor, "--maxcombo": maxcombo, "--combo": combo,
                           "--where": where, "--encoding": encoding})  # fmt: skip
            res = logrank_on_dask(data_path, scheduler, time=time, event=event, group=group,
                                  strata=_split(strata) or None, rho=weight, gamma=late,
                                  trend=trend)  # fmt: skip
        else:
            data = _load(data_path, where, encoding)
            ev = _event_column(data, event, censor)
            if maxcombo or combo is not None:
                pairs = _pairs(combo, "--combo") if combo is not None else None
                mc = maxcombo_test(
                    data,
                    time=time,
                    event=ev,
                    group=group,
                    strata=_split(strata) or None,
                    **({} if pairs is None else {"combo": pairs}),
                )
            else:
                res = logrank_test(
                    data,
                    time=time,
                    event=ev,
                    group=group,
                    strata=_split(strata) or None,
                    rho=weight,
                    gamma=late,
                    trend=trend,
                )
    except InputError as exc:
        exit_with_errors(_with_flags(exc), source=str(data_path))
    if maxcombo or combo is not None:
        if as_json:
            _echo_json(mc.to_dict())
            return
        lines = [f"MaxCombo test of {group}: {mc.groups[1]} vs {mc.groups[0]}"]
        lines += [f"  G({t.rho:g},{t.gamma:g})  z = {_fmt(t.z)}" for t in mc.tests]
        lines.append(f" max |z| = {_fmt(mc.max_abs_z)}, p = {_fmt(mc.p, 3)} (joint normal)")
        Console().print("\n".join(lines), highlight=False)
        return
    if as_json:
        _echo_json(res.to_dict())
        return
    Console().print(res.summary(), highlight=False)


def _pairs(value: str, flag: str, *, one: bool = False) -> list[tuple[float, float]]:
    """``RHO,GAMMA`` (``;``-separated when several) as pairs of numbers."""
    allowed = "RHO,GAMMA" if one else "RHO,GAMMA pairs separated by ';', e.g. 0,0;0,1;1,0;1,1"
    out = []
    for part in value.split(";"):
        items = [v.strip() for v in part.split(",")]
        try:
            rho, gamma = (float(v) for v in items)
        except ValueError:
            raise InputError(flag, value, allowed) from None
        if not (0 <= rho < math.inf and 0 <= gamma < math.inf):
            raise InputError(flag, value, f"{allowed}, each a finite number >= 0")
        out.append((rho, gamma))
    if one and len(out) != 1:
        raise InputError(flag, value, allowed)
    return out


@survival_app.command("cif")
def cif_command(
    data_path: Path = input_file(..., metavar="DATA", help="CSV or Parquet file."),
    time: str = typer.Option(..., "--time", help="Time column."),
    status: str = typer.Option(
        ..., "--status", help="Status column: the censoring code or the code of the cause."
    ),
    group: str | None = typer.Option(None, "--group", help="One curve per level; Gray's test."),
    censor_code: str = typer.Option("0", "--censor-code", help="Code of censoring in --status."),
    strata: str | None = typer.Option(None, "--strata", help="Strata of Gray's test S1,S2."),
    rho: float = typer.Option(0.0, "--rho", help="Gray's test weight (1 - F(t-))^rho."),
    where: list[str] = typer.Option([], "--where", help=_WHERE_HELP),
    encoding: str | None = encoding_option(),
    as_json: bool = typer.Option(False, "--json", help="Print the JSON contract."),
) -> None:
    """Cumulative incidence of competing causes (Aalen-Johansen) with Gray's test (as R
    cmprsk::cuminc).

    Example: `tacepath survival cif mgus2.csv --time etime --status event --group sex`
    """
    from rich.console import Console

    from tacepath.survival import cumulative_incidence

    res = _fitted(
        data_path,
        where,
        encoding,
        lambda data: cumulative_incidence(
            data,
            time=time,
            status=status,
            group=group,
            strata=_split(strata) or None,
            censor_code=censor_code,
            rho=rho,
        ),
    )
    if as_json:
        _echo_json(res.to_dict())
        return
    lines = ["Cumulative incidence (Aalen-Johansen; variance as cmprsk::cuminc)"]
    for c in res.curves:
        who = f"cause {c.cause}" + ("" if c.group is None else f", {group}={c.group}")
        lines.append(
            f"  {who}: {int((c.time.size - 2) / 2)} event times, "
            f"F(last) = {_fmt(float(c.estimate[-1]))} (se {_fmt(math.sqrt(c.variance[-1]))}) "
            f"at {_fmt(float(c.time[-1]))}"
        )
    for g in res.gray_test:
        lines.append(
            f"Gray's test, cause {g.cause}: stat = {_fmt(g.stat)} on {g.df} df, p = {_fmt(g.p, 3)}"
        )
    if res.n_dropped:
        lines.append(f"{res.n_dropped} rows left out for a missing value.")
    Console().print("\n".join(lines), highlight=False)


@survival_app.command("finegray")
def finegray_command(
    data_path: Path = input_file(..., metavar="DATA", help="CSV or Parquet file."),
    time: str = typer.Option(..., "--time", help="Time column."),
    status: str = typer.Option(
        ..., "--status", help="Status column: the censoring code or the code of the cause."
    ),
    cause: str = typer.Option(..., "--cause", help="The cause modelled (other causes compete)."),
    covariates: str = typer.Option(..., "--covariates", help="Covariate columns a,b,c."),
    categorical: str | None = typer.Option(
        None, "--categorical", help="Covariates treated as factors (treatment coding)."
    ),
    reference: list[str] = typer.Option(
        [], "--reference", help="Reference level COLUMN=LEVEL (default: first level)."
    ),
    censor_code: str = typer.Option("0", "--censor-code", help="Code of censoring in --status."),
    conf_level: float = typer.Option(0.95, "--conf-level", help="Confidence level of HR CIs."),
    where: list[str] = typer.Option([], "--where", help=_WHERE_HELP),
    encoding: str | None = encoding_option(),
    as_json: bool = typer.Option(False, "--json", help="Print the JSON contract."),
) -> None:
    """Fine-Gray subdistribution hazards model (as R cmprsk::crr).

    Example: `tacepath survival finegray mgus2.csv --time etime --status event --cause 1
    --covariates age,sex --categorical sex`
    """
    from rich.console import Console

    from tacepath.survival import fine_gray

    res = _fitted(
        data_path,
        where,
        encoding,
        lambda data: fine_gray(
            data,
            time=time,
            status=status,
            cause=cause,
            covariates=_split(covariates),
            categorical=_split(categorical),
            reference=_references(reference) or None,
            censor_code=censor_code,
            conf_level=conf_level,
        ),
    )
    if as_json:
        _echo_json(res.to_dict())
        return
    frame = res.to_frame().set_index("term")
    lines = [
        f"Fine-Gray model, cause {res.cause} (competing: "
        f"{', '.join(str(c) for c in res.causes if str(c) != str(res.cause)) or 'none'}); "
        f"n = {res.n}, events = {res.n_events}",
        frame.to_string(float_format=lambda v: f"{v:.4g}"),
    ]
    if res.n_dropped:
        lines.append(f"{res.n_dropped} rows left out for a missing value.")
    lines.extend(res.warnings)
    Console().print("\n".join(lines), highlight=False)


def _references(items: list[str]) -> dict[str, str]:
    refs: dict[str, str] = {}
    for item in items:
        if "=" not in item:
            raise InputError("--reference", item, "COLUMN=LEVEL, e.g. arm=placebo")
        col, level = item.split("=", 1)
        refs[col] = level
    return refs


@survival_app.command("cox")
def cox_command(
    data_path: Path = input_file(..., metavar="DATA", help="CSV or Parquet file."),
    time: str = typer.Option(..., "--time", help="Time column (stop time with --start)."),
    event: str | None = typer.Option(None, "--event", help="Event column: 1 event, 0 censored."),
    censor: str | None = typer.Option(None, "--censor", help=_CENSOR_HELP),
    covariates: str = typer.Option(..., "--covariates", help="Covariate columns a,b,c."),
    categorical: str | None = typer.Option(
        None, "--categorical", help="Covariates treated as factors (treatment coding)."
    ),
    reference: list[str] = typer.Option(
        [], "--reference", help="Reference level COLUMN=LEVEL (default: first level)."
    ),
    strata: str | None = typer.Option(None, "--strata", help="Stratification column(s)."),
    cluster: str | None = typer.Option(
        None, "--cluster", help="Cluster column: robust (sandwich) variance."
    ),
    weights: str | None = typer.Option(None, "--weights", help="Case-weight column."),
    start: str | None = typer.Option(None, "--start", help="Entry-time column: (start, time]."),
    ties: str = typer.Option("efron", "--ties", help="efron (R default) | breslow."),
    conf_level: float = typer.Option(0.95, "--conf-level", help="Confidence level of HR CIs."),
    zph: bool = typer.Option(
        False, "--zph", help="Add the proportional-hazards test (R cox.zph, transform km)."
    ),
    where: list[str] = typer.Option([], "--where", help=_WHERE_HELP),
    encoding: str | None = encoding_option(),
    scheduler: str | None = typer.Option(None, "--scheduler", help=SCHEDULER_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print the JSON contract."),
) -> None:
    """Cox proportional-hazards model (as R coxph), optionally with R's cox.zph test.

    Example: `tacepath survival cox lung.csv --time time --event status --covariates age,sex
    --categorical sex`
    """
    from rich.console import Console

    from tacepath.survival import cox_ph

    try:
        strata_cols = _split(strata)
        if scheduler is not None:
            refuse(event, {"--censor": censor, "--categorical": categorical,
                           "--reference": reference, "--cluster": cluster, "--weights": weights,
                           "--start": start, "--zph": zph, "--where": where,
                           "--encoding": encoding})  # fmt: skip
            res = cox_on_dask(data_path, scheduler, time=time, event=event,
                              covariates=_split(covariates), strata=strata_cols or None,
                              ties=ties, conf_level=conf_level)  # fmt: skip
            ph = None
        else:
            data = _load(data_path, where, encoding)
            ev = _event_column(data, event, censor)
            refs = _references(reference)
            res = cox_ph(
                data,
                time=time,
                event=ev,
                covariates=_split(covariates),
                categorical=_split(categorical),
                strata=(strata_cols[0] if len(strata_cols) == 1 else strata_cols) or None,
                cluster=cluster,
                weights=weights,
                ties=ties,  # type: ignore[arg-type]
                start=start,
                reference=refs or None,
                conf_level=conf_level,
            )
            ph = None
            if zph:
                from tacepath.survival import cox_zph

                ph = cox_zph(res)
    except InputError as exc:
        exit_with_errors(_with_flags(exc), source=str(data_path))
    if as_json:
        out = res.to_dict()
        if ph is not None:
            out["zph"] = ph.to_dict()
        _echo_json(out)
        return
    console = Console()
    console.print(res.summary(), highlight=False)
    if ph is not None:
        console.print("\nProportional-hazards test (cox.zph, transform km):")
        table = ph.to_frame().set_index("term")
        console.print(table.to_string(float_format=lambda v: f"{v:.4g}"), highlight=False)
