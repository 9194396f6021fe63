"""``tacepath design`` and ``tacepath simulate trial``: trial design, power and simulation.

``design`` gives the events (Schoenfeld or Freedman) and, with accrual assumptions, the
patients for a power, or the power of a number of events, for fixed or group-sequential
designs (Lan–DeMets O'Brien–Fleming- or Pocock-type spending), as R ``rpact`` computes them.
``simulate trial`` runs Monte-Carlo trials (NumPy batches, optionally on Dask). Every bad
option exits 2 with one line per problem naming the option, the value and what is allowed.
"""

from __future__ import annotations

import json
from typing import Any

import typer

from tacepath.cli._app import app
from tacepath.cli._io import exit_with_errors
from tacepath.errors import InputError, InputErrors, Problem
from tacepath.jsonsafe import json_safe

__all__ = ["simulate_app"]

simulate_app = typer.Typer(
    help=(
        "Monte-Carlo simulation of trials.\n\nExamples:\n\n"
        "  tacepath simulate trial --hazard-ratio 0.71 --median-control 13.5 "
        "--accrual-months 60 --patients 156 --events 125 --alpha 0.15 --sides 1"
    ),
    no_args_is_help=True,
    rich_markup_mode="markdown",
)
app.add_typer(simulate_app, name="simulate")


def _echo_json(obj: Any) -> None:
    typer.echo(json.dumps(json_safe(obj), indent=2, ensure_ascii=False))


def _numbers(option: str, value: str | None, example: str) -> list[float] | None:
    """``a,b,c`` as numbers, or None."""
    if value is None:
        return None
    try:
        return [float(v) for v in value.split(",") if v.strip()]
    except ValueError as exc:
        raise InputError(option, value, f"numbers separated by commas, e.g. {example}") from exc


def _pairs(option: str, value: str | None, example: str) -> tuple[list[float], list[float]] | None:
    """``start:value,start:value`` as two lists, or None."""
    if value is None:
        return None
    starts, values = [], []
    try:
        for item in value.split(","):
            a, b = item.split(":")
            starts.append(float(a))
            values.append(float(b))
    except ValueError as exc:
        raise InputError(
            option, value, f"START:VALUE pairs separated by commas, e.g. {example}"
        ) from exc
    return starts, values


_METHOD_HELP = "schoenfeld (default; Schoenfeld 1983) | freedman (Freedman 1982)."
_SPENDING_HELP = (
    "none (one analysis) | obrien-fleming | pocock: Lan-DeMets alpha spending (rpact asOF, asP)."
)


@app.command("design")
def design_command(
    hazard_ratio: float = typer.Option(
        ..., "--hazard-ratio", help="Treatment vs control hazard ratio to detect, e.g. 0.71."
    ),
    power: float | None = typer.Option(
        None, "--power", help="Target power (default 0.8); gives the events needed."
    ),
    events: float | None = typer.Option(
        None, "--events", help="Number of events: gives the power instead."
    ),
    alpha: float = typer.Option(
        0.025, "--alpha", help="Type I error (one-sided with --sides 1, total with --sides 2)."
    ),
    sides: int = typer.Option(1, "--sides", help="1 or 2."),
    allocation: float = typer.Option(
        1.0, "--allocation", help="Treatment patients per control patient."
    ),
    method: str = typer.Option("schoenfeld", "--method", help=_METHOD_HELP),
    spending: str = typer.Option("none", "--spending", help=_SPENDING_HELP),
    looks: int | None = typer.Option(
        None, "--looks", help="Number of equally spaced analyses (with --spending)."
    ),
    information_rates: str | None = typer.Option(
        None, "--information-rates", help="Event fractions of the analyses, e.g. 0.5,0.75,1."
    ),
    accrual_months: float | None = typer.Option(
        None, "--accrual-months", help="Uniform accrual period (months)."
    ),
    follow_up_months: float | None = typer.Option(
        None, "--follow-up-months", help="Follow-up after the last patient enters (months)."
    ),
    median_control: float | None = typer.Option(
        None, "--median-control", help="Median survival in the control arm (months)."
    ),
    dropout: float = typer.Option(
        0.0, "--dropout", help="Share dropping out by --dropout-months (each arm)."
    ),
    dropout_months: float = typer.Option(12.0, "--dropout-months", help="See --dropout."),
    as_json: bool = typer.Option(False, "--json", help="Print the JSON contract."),
) -> None:
    """Events, power and sample size of a two-arm log-rank trial (as R rpact).

    Example: `tacepath design --hazard-ratio 0.71 --power 0.8 --alpha 0.15 --sides 1`
    """
    from tacepath.design.sample_size import Enrolment, trial_design

    try:
        problems: list[Problem] = []
        if power is not None and events is not None:
            problems.append(
                Problem("--power/--events", f"{power}/{events}", "one of them, not both")
            )
        rates = _numbers("--information-rates", information_rates, "0.5,1")
        given = {
            "--accrual-months": accrual_months,
            "--follow-up-months": follow_up_months,
            "--median-control": median_control,
        }
        enrolment = None
        if any(v is not None for v in given.values()):
            missing = [k for k, v in given.items() if v is None]
            for k in missing:
                problems.append(
                    Problem(k, None, "a number: the sample size needs " + ", ".join(given))
                )
            if not missing:
                assert accrual_months is not None
                assert follow_up_months is not None
                assert median_control is not None
                enrolment = Enrolment(
                    accrual_months=accrual_months,
                    follow_up_months=follow_up_months,
                    median_control=median_control,
                    dropout=dropout,
                    dropout_months=dropout_months,
                )
        elif dropout != 0.0:
            problems.append(
                Problem(
                    "--dropout",
                    dropout,
                    "0 unless --accrual-months, --follow-up-months and --median-control are given",
                )
            )
        try:
            result = trial_design(
                hazard_ratio=hazard_ratio,
                power=0.8 if power is None and events is None else power,
                events=events,
                alpha=alpha,
                sides=sides,
                allocation=allocation,
                method=method,  # type: ignore[arg-type]
                spending=spending,  # type: ignore[arg-type]
                looks=looks,
                information_rates=rates,
                enrolment=enrolment,
            )
        except InputError as exc:
            problems += [_as_option(p) for p in exc.problems]
        if problems:
            raise InputErrors(problems)
    except InputError as exc:
        exit_with_errors(exc)
    if as_json:
        _echo_json(result.to_dict())
        return
    typer.echo(result.summary())


_OPTIONS = {
    "control median": "--median-control",
    "treatment median": "--median-treatment",
    "control Weibull shape": "--weibull-shape",
    "treatment Weibull shape": "--weibull-shape-treatment",
    "control piecewise hazards": "--control-hazards",
    "treatment piecewise hazards": "--treatment-hazards",
    "accrual intensity": "--accrual-intensity",
}


def _as_option(p: Problem) -> Problem:
    """A problem named by its Python field, renamed to the command-line option."""
    if p.field in _OPTIONS:
        name = _OPTIONS[p.field]
    elif p.field.startswith("strat"):
        name = f"--strata ({p.field})"
    else:
        name = "--" + p.field.replace("_", "-")
    return Problem(name, p.value, p.allowed)


def _survival_model(
    arm: str,
    median: float | None,
    shape: float | None,
    hazards: str | None,
) -> Any:
    from tacepath.design.simulate import Exponential, PiecewiseExponential, Weibull

    opt = f"--{arm}-hazards"
    pairs = _pairs(opt, hazards, "0:0.06,6:0.04")
    if pairs is not None:
        if median is not None or shape is not None:
            raise InputError(opt, hazards, f"either {opt} or a median (and Weibull shape)")
        return PiecewiseExponential(starts=tuple(pairs[0]), hazards=tuple(pairs[1]))
    if median is None:
        return None
    if shape is not None:
        return Weibull(shape=shape, median=median)
    return Exponential(median=median)


def _strata(value: str | None) -> tuple[Any, ...]:
    from tacepath.design.simulate import Stratum

    if value is None:
        return ()
    out = []
    for item in value.split(","):
        parts = item.split(":")
        try:
            if len(parts) not in (2, 3):
                raise ValueError(item)
            out.append(
                Stratum(
                    name=parts[0],
                    prevalence=float(parts[1]),
                    hazard_multiplier=float(parts[2]) if len(parts) == 3 else 1.0,
                )
            )
        except ValueError as exc:
            raise InputError(
                "--strata",
                value,
                "NAME:PREVALENCE[:HAZARD_FACTOR],..., e.g. bclcA:0.4,bclcB:0.6:1.5",
            ) from exc
    return tuple(out)


@simulate_app.command("trial")
def simulate_trial_command(
    hazard_ratio: float | None = typer.Option(
        None, "--hazard-ratio", help="Treatment vs control HR (proportional hazards)."
    ),
    median_control: float | None = typer.Option(
        None, "--median-control", help="Control median survival (months)."
    ),
    weibull_shape: float | None = typer.Option(
        None, "--weibull-shape", help="Weibull shape of the control arm (default exponential)."
    ),
    control_hazards: str | None = typer.Option(
        None,
        "--control-hazards",
        help="Piecewise hazards START:HAZARD per month, e.g. 0:0.06,6:0.04.",
    ),
    median_treatment: float | None = typer.Option(
        None, "--median-treatment", help="Treatment-arm median instead of --hazard-ratio."
    ),
    weibull_shape_treatment: float | None = typer.Option(
        None, "--weibull-shape-treatment", help="Weibull shape of the treatment arm."
    ),
    treatment_hazards: str | None = typer.Option(
        None, "--treatment-hazards", help="Treatment-arm piecewise hazards START:HAZARD."
    ),
    accrual_months: float = typer.Option(..., "--accrual-months", help="Accrual period (months)."),
    accrual_intensity: str | None = typer.Option(
        None,
        "--accrual-intensity",
        help="Piecewise relative accrual START:INTENSITY, e.g. 0:1,12:3.",
    ),
    entry: str = typer.Option(
        "random", "--entry", help="random (independent entry times) | regular (as rpact)."
    ),
    patients: int = typer.Option(..., "--patients", help="Patients randomised."),
    events: int = typer.Option(..., "--events", help="Events at which the trial is analysed."),
    allocation: float = typer.Option(1.0, "--allocation", help="Treatment per control patient."),
    dropout: float = typer.Option(0.0, "--dropout", help="Share dropping out by --dropout-months."),
    dropout_treatment: float | None = typer.Option(
        None, "--dropout-treatment", help="Treatment-arm dropout if it differs."
    ),
    dropout_months: float = typer.Option(12.0, "--dropout-months", help="See --dropout."),
    strata: str | None = typer.Option(
        None, "--strata", help="NAME:PREVALENCE[:HAZARD_FACTOR],... e.g. a:0.4,b:0.6:1.5."
    ),
    unstratified_test: bool = typer.Option(
        False, "--unstratified-test", help="Analyse with the unstratified log-rank test."
    ),
    alpha: float = typer.Option(0.025, "--alpha", help="Type I error (total if two-sided)."),
    sides: int = typer.Option(1, "--sides", help="1 or 2."),
    direction: str = typer.Option(
        "auto", "--direction", help="One-sided: less (benefit) | greater | auto (side of HR)."
    ),
    replicates: int = typer.Option(10_000, "--replicates", help="Simulated trials."),
    seed: int = typer.Option(1, "--seed", help="Random seed (with --chunk-size, reproducible)."),
    chunk_size: int | None = typer.Option(None, "--chunk-size", help="Trials per batch."),
    type_one_error: bool = typer.Option(
        True, "--type-one-error/--no-type-one-error", help="Also simulate HR 1."
    ),
    workers: int = typer.Option(1, "--workers", help="> 1: local Dask cluster of N processes."),
    scheduler: str | None = typer.Option(
        None, "--scheduler", help="Address of an existing Dask scheduler, tcp://host:port."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the JSON contract."),
) -> None:
    """Power, type I error and duration of a trial by Monte-Carlo simulation.

    Example: `tacepath simulate trial --hazard-ratio 0.71 --median-control 13.5
    --accrual-months 60 --patients 156 --events 125 --alpha 0.15 --sides 1 --json`
    """
    from tacepath.design.simulate import (
        Accrual,
        Exponential,
        TrialScenario,
        run_problems,
        simulate_trial,
    )

    try:
        problems: list[Problem] = []

        def guard(fn: Any, *args: Any) -> Any:
            try:
                return fn(*args)
            except InputError as exc:
                problems.extend(exc.problems)
                return None

        control = guard(_survival_model, "control", median_control, weibull_shape, control_hazards)
        treatment = guard(
            _survival_model, "treatment", median_treatment, weibull_shape_treatment,
            treatment_hazards,
        )  # fmt: skip
        if control is None and not (median_control or control_hazards):
            problems.append(
                Problem("--median-control", None, "a median in months, or --control-hazards")
            )
        if (
            treatment is None
            and hazard_ratio is None
            and not (median_treatment or treatment_hazards)
        ):
            problems.append(
                Problem(
                    "--hazard-ratio",
                    None,
                    "a hazard ratio, or a treatment-arm model (--median-treatment or "
                    "--treatment-hazards)",
                )
            )
        if treatment is not None and hazard_ratio is not None:
            problems.append(
                Problem("--hazard-ratio", hazard_ratio, "not with a treatment-arm model")
            )
        pieces = guard(_pairs, "--accrual-intensity", accrual_intensity, "0:1,12:3")
        groups = guard(_strata, strata)
        scenario = TrialScenario(
            patients=patients,
            events=events,
            control=control or Exponential(median=1.0),  # placeholder: already a problem
            treatment=treatment,
            hazard_ratio=1.0 if hazard_ratio is None else hazard_ratio,
            accrual=Accrual(
                months=accrual_months,
                starts=tuple(pieces[0]) if pieces else (0.0,),
                intensities=tuple(pieces[1]) if pieces else (1.0,),
                entry=entry,  # type: ignore[arg-type]
            ),
            allocation=allocation,
            dropout=dropout,
            dropout_treatment=dropout_treatment,
            dropout_months=dropout_months,
            strata=groups or (),
            stratified_test=not unstratified_test,
            alpha=alpha,
            sides=sides,
            direction=direction,  # type: ignore[arg-type]
        )
        later = scenario.problems() + run_problems(
            replicates=replicates,
            seed=seed,
            chunk_size=chunk_size,
            workers=workers,
            scheduler=scheduler,
        )
        problems += [_as_option(p) for p in later]
        if problems:
            raise InputErrors(problems)
        result = simulate_trial(
            scenario,
            replicates=replicates,
            seed=seed,
            chunk_size=chunk_size,
            type_one_error=type_one_error,
            workers=workers,
            scheduler=scheduler,
        )
    except InputError as exc:
        exit_with_errors(exc)
    if as_json:
        _echo_json(result.to_dict())
        return
    typer.echo(result.summary())
