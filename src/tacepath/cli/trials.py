"""``tacepath analyze``, ``tacepath randomise``, ``tacepath schema sap`` and
``tacepath simulate cohort``: the trial statistician's commands.

``analyze`` runs a statistical analysis plan (YAML) on ADSL/ADTTE(/ADAE) files and writes
the report folder (``index.html``, ``report.pdf``, ``results.json``, figures). ``randomise``
draws allocation lists and assigns subjects from them with a hash-chained log.
``simulate cohort --like tactics`` writes a synthetic TACTICS-like cohort, labelled
"SYNTHETIC — not trial data" in every file. Bad input exits 2 with one line per problem.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from tacepath.cli._app import app
from tacepath.cli._io import encoding_option, exit_with_errors, input_file, output_path
from tacepath.cli.clinical import schema_app
from tacepath.cli.design import simulate_app
from tacepath.errors import InputError

__all__ = ["randomise_app"]

randomise_app = typer.Typer(
    help=(
        "Randomisation lists (stratified permuted blocks, minimisation) and assignment from "
        "a persistent, hash-chained allocation file.\n\nExamples:\n\n"
        "  tacepath randomise list --strata 'site=A|B,milan=within|beyond,prior_tace=0|1-2' "
        "--n 40 --block-sizes 2,4 --seed 7 --out alloc.jsonl\n\n"
        "  tacepath randomise next --list alloc.jsonl --subject P001 "
        "--strata site=A,milan=within,prior_tace=0\n\n"
        "  tacepath randomise verify --list alloc.jsonl"
    ),
    no_args_is_help=True,
    rich_markup_mode="markdown",
)
app.add_typer(randomise_app, name="randomise")


def _echo_json(obj: Any) -> None:
    typer.echo(json.dumps(obj, indent=2, ensure_ascii=False))


# --------------------------------------------------------------------------- analyze


@app.command("analyze")
def analyze_command(
    sap: Path = input_file(..., "--sap", help="Statistical analysis plan (YAML)."),
    adsl: Path = input_file(..., "--adsl", help="ADSL (.csv, .parquet or .xpt)."),
    adtte: Path = input_file(..., "--adtte", help="ADTTE (.csv, .parquet or .xpt)."),
    adae: Path | None = input_file(
        None, "--adae", help="ADAE for the safety tables (.csv, .parquet or .xpt)."
    ),
    out: Path = output_path(..., "--out", help="Report folder (created).", folder=True),
    pdf: bool = typer.Option(True, "--pdf/--no-pdf", help="Also write report.pdf."),
    encoding: str | None = encoding_option(),
) -> None:
    """Run an analysis plan and write index.html, report.pdf, results.json and figures.

    Example: `tacepath analyze --sap examples/tactics-like/sap.yaml --adsl data/adsl.csv
    --adtte data/adtte.csv --adae data/adae.csv --out report/`
    """
    from tacepath.adam.model import AnalysisData
    from tacepath.analysis.runner import run_analysis
    from tacepath.interop.adam_io import read_dataset
    from tacepath.interop.sap_io import load_sap
    from tacepath.report.trial_report import write_trial_report

    try:
        plan, sap_hash = load_sap(sap)
        adsl_frame, adsl_src = read_dataset(adsl, kind="ADSL", option="--adsl", encoding=encoding)
        adtte_frame, adtte_src = read_dataset(
            adtte, kind="ADTTE", option="--adtte", encoding=encoding
        )
        sources = [adsl_src, adtte_src]
        adae_frame = None
        if adae is not None:
            adae_frame, adae_src = read_dataset(
                adae, kind="ADAE", option="--adae", encoding=encoding
            )
            sources.append(adae_src)
        elif plan.safety is not None:
            raise InputError("--adae", None, "an ADAE file (the plan has safety tables)")
        data = AnalysisData(
            adsl=adsl_frame, adtte=adtte_frame, adae=adae_frame, sources=tuple(sources)
        )
        result = run_analysis(plan, data, sap_sha256=sap_hash)
        files = write_trial_report(result, out, pdf=pdf)
    except InputError as exc:
        exit_with_errors(_in_files(exc, {"sap": sap, "ADSL": adsl, "ADTTE": adtte, "ADAE": adae}))
    if result.synthetic:
        typer.echo("SYNTHETIC — not trial data", err=True)
    for g in result.gatekeeping:
        typer.echo(f"{g.order}. {g.endpoint}: {g.reason}")
    if result.monitoring is not None:
        m = result.monitoring
        typer.echo(f"monitoring {m.endpoint}: {m.decision} ({m.reason})")
    typer.echo(f"report: {files.html}")
    if files.pdf is not None:
        typer.echo(f"pdf:    {files.pdf}")
    typer.echo(f"data:   {files.results}")


def _in_files(exc: InputError, paths: dict[str, Path | None]) -> InputError:
    """The problems of ``exc`` with the file of their data set (or plan) named:
    ``ADSL.SEX`` → ``ADSL.SEX in data/adsl.csv``."""
    from tacepath.errors import InputErrors, Problem
    from tacepath.interop.files import shown_path

    out = []
    for p in exc.problems:
        path = paths.get(str(p.field).split(".", 1)[0]) if "." in str(p.field) else None
        field = p.field if path is None else f"{p.field} in {shown_path(path)}"
        out.append(Problem(field, p.value, p.allowed))
    return InputErrors(out)


# --------------------------------------------------------------------------- schema


@schema_app.command("sap")
def schema_sap() -> None:
    """JSON Schema of the statistical analysis plan of `tacepath analyze`.

    Example:

      tacepath schema sap > sap.schema.json
    """
    from tacepath.analysis.sap import sap_json_schema

    _echo_json(sap_json_schema())


# --------------------------------------------------------------------------- cohort


@simulate_app.command("cohort")
def simulate_cohort_command(
    like: str = typer.Option("tactics", "--like", help="Trial to imitate: tactics."),
    seed: int = typer.Option(20200731, "--seed", help="Random seed (same seed, same files)."),
    out: Path = output_path(
        ..., "--out", help="Folder for adsl, adtte, adae and README.txt.", folder=True
    ),
    fmt: str = typer.Option("csv", "--format", help="csv | parquet | xpt."),
    prefix: str = typer.Option("", "--prefix", help="File name prefix, e.g. tactics_like_."),
) -> None:
    """Write a synthetic cohort (ADSL, ADTTE, ADAE): SYNTHETIC — not trial data.

    Example: `tacepath simulate cohort --like tactics --seed 20200731 --out data/`
    """
    from tacepath.adam.cohort import tactics_like_cohort
    from tacepath.interop.adam_io import write_cohort

    try:
        if like.lower() != "tactics":
            raise InputError("--like", like, "tactics")
        if fmt not in ("csv", "parquet", "xpt"):
            raise InputError("--format", fmt, "csv | parquet | xpt")
        cohort = tactics_like_cohort(seed=seed)
        paths = write_cohort(cohort, out, fmt=fmt, prefix=prefix)  # type: ignore[arg-type]
    except InputError as exc:
        exit_with_errors(exc)
    typer.echo("SYNTHETIC — not trial data", err=True)
    for p in paths:
        typer.echo(str(p))


# --------------------------------------------------------------------------- randomise


def _factors(value: str) -> tuple[Any, ...]:
    from tacepath.design.randomise import Factor

    if not value.strip():
        return ()
    out = []
    for item in value.split(","):
        name, sep, levels = item.partition("=")
        if not sep or not name.strip() or not levels.strip():
            raise InputError(
                "--strata", value, "NAME=LEVEL|LEVEL,..., e.g. 'site=A|B,milan=within|beyond'"
            )
        out.append(Factor(name=name.strip(), levels=tuple(v.strip() for v in levels.split("|"))))
    return tuple(out)


def _levels(value: str) -> dict[str, str]:
    out: dict[str, str] = {}
    if not value.strip():
        return out
    for item in value.split(","):
        name, sep, level = item.partition("=")
        if not sep or not name.strip():
            raise InputError("--strata", value, "NAME=LEVEL,..., e.g. site=A,milan=within")
        out[name.strip()] = level.strip()
    return out


def _ints(option: str, value: str) -> tuple[int, ...]:
    try:
        return tuple(int(v) for v in value.split(",") if v.strip())
    except ValueError as exc:
        raise InputError(option, value, "integers separated by commas, e.g. 2,4") from exc


@randomise_app.command("list")
def randomise_list_command(
    strata: str = typer.Option(
        "", "--strata", help="Factors and levels: 'site=A|B,milan=within|beyond,prior_tace=0|1-2'."
    ),
    n: int = typer.Option(40, "--n", help="Slots per stratum (permuted blocks)."),
    seed: int = typer.Option(..., "--seed", help="Random seed (same seed, same list)."),
    out: Path = output_path(..., "--out", help="New allocation file (.jsonl); never overwritten."),
    method: str = typer.Option(
        "permuted-blocks", "--method", help="permuted-blocks | minimisation."
    ),
    arms: str = typer.Option(
        "TACE plus sorafenib,TACE alone", "--arms", help="Arm names, comma-separated."
    ),
    ratio: str = typer.Option("1,1", "--ratio", help="Allocation ratio, e.g. 1,1 or 2,1."),
    block_sizes: str = typer.Option(
        "2,4", "--block-sizes", help="Block sizes drawn at random for each block, e.g. 2,4."
    ),
    p_preferred: float = typer.Option(
        0.8, "--p-preferred", help="Minimisation: probability of the arm that minimises imbalance."
    ),
    imbalance: str = typer.Option("range", "--imbalance", help="Minimisation: range | variance."),
    as_json: bool = typer.Option(False, "--json", help="Print the header and counts as JSON."),
) -> None:
    """Draw an allocation list (permuted blocks) or start a minimisation file.

    Example: `tacepath randomise list --strata 'site=A|B,milan=within|beyond,prior_tace=0|1-2'
    --n 40 --block-sizes 2,4 --seed 7 --out alloc.jsonl`
    """
    from tacepath.design.randomise import BlockScheme, MinimisationScheme
    from tacepath.interop.allocation_log import create_allocation

    try:
        factors = _factors(strata)
        arm_names = tuple(a.strip() for a in arms.split(","))
        ratios = _ints("--ratio", ratio)
        scheme: BlockScheme | MinimisationScheme
        if method == "permuted-blocks":
            scheme = BlockScheme(
                arms=arm_names,
                ratio=ratios,
                factors=factors,
                block_sizes=_ints("--block-sizes", block_sizes),
                n_per_stratum=n,
                seed=seed,
            )
        elif method == "minimisation":
            scheme = MinimisationScheme(
                arms=arm_names,
                ratio=ratios,
                factors=factors,
                seed=seed,
                p_preferred=p_preferred,
                imbalance=imbalance,  # type: ignore[arg-type]
            )
        else:
            raise InputError("--method", method, "permuted-blocks | minimisation")
        state = create_allocation(out, scheme)
    except InputError as exc:
        exit_with_errors(exc)
    info = {
        "file": str(out),
        **scheme.to_dict(),
        "slots": len(state.slots),
        "strata": len(state.slots) and len({s.stratum for s in state.slots}),
        "head": state.head,
    }
    if as_json:
        _echo_json(info)
        return
    typer.echo(
        f"{out}: {scheme.method}, seed {seed}, {len(state.slots)} slots"
        f" in {info['strata']} strata; chain head {state.head}"
    )


@randomise_app.command("next")
def randomise_next_command(
    list_file: Path = input_file(..., "--list", help="Allocation file from `randomise list`."),
    subject: str = typer.Option(..., "--subject", help="Subject identifier."),
    strata: str = typer.Option(
        "", "--strata", help="The subject's levels, e.g. site=A,milan=within,prior_tace=0."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the assignment as JSON."),
) -> None:
    """Assign the next subject: verifies the file, appends one hash-chained record.

    Example: `tacepath randomise next --list alloc.jsonl --subject P001
    --strata site=A,milan=within,prior_tace=0`
    """
    from tacepath.interop.allocation_log import assign_next

    try:
        assignment, state = assign_next(list_file, subject, _levels(strata))
    except InputError as exc:
        exit_with_errors(exc)
    if as_json:
        _echo_json({**assignment.to_dict(), "head": state.head})
        return
    typer.echo(f"{assignment.subject}: {assignment.arm}")
    typer.echo(f"record {assignment.seq}; chain head {state.head} (keep it to detect truncation)")


@randomise_app.command("verify")
def randomise_verify_command(
    list_file: Path = input_file(..., "--list", help="Allocation file."),
    as_json: bool = typer.Option(False, "--json", help="Print the state as JSON."),
) -> None:
    """Check the hash chain, re-draw the list from its seed and replay every assignment.

    Example: `tacepath randomise verify --list alloc.jsonl`
    """
    from tacepath.interop.allocation_log import load_allocation

    try:
        state = load_allocation(list_file)
    except InputError as exc:
        exit_with_errors(exc)
    info = {
        "file": str(list_file),
        "verified": True,
        "method": state.scheme.method,
        "records": state.records,
        "assigned": len(state.assignments),
        "head": state.head,
        "counts": state.counts(),
    }
    if as_json:
        _echo_json(info)
        return
    typer.echo(
        f"{list_file}: verified ({state.records} records, {len(state.assignments)} subjects "
        f"assigned); chain head {state.head}"
    )
    for stratum, counts in state.counts().items():
        typer.echo(f"  {stratum}: " + ", ".join(f"{a} {k}" for a, k in counts.items()))
