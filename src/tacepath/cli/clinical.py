"""``tacepath assess``, ``tacepath schema`` and ``tacepath demo``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from tacepath.cli._app import app
from tacepath.cli._io import exit_with_errors, input_file, output_path, read_json_or_yaml
from tacepath.errors import InputError

if TYPE_CHECKING:
    from rich.console import Console

    from tacepath.clinical.assessment import Assessment, AssessOptions

schema_app = typer.Typer(help="Print the JSON Schema of an input format.", no_args_is_help=True)
app.add_typer(schema_app, name="schema")


def _value_and_category(name: str, d: dict[str, Any]) -> tuple[str, str]:
    if not d.get("computable", True):
        return "—", "not computable"
    if name == "child_pugh":
        return str(d["score"]), f"class {d['class']}"
    if name == "albi":
        return f"{d['score']:.3f}", f"grade {d['grade']}"
    if name == "malbi":
        return f"{d['albi_score']:.3f}", f"grade {d['grade']} (split unverified)"
    if name in ("meld", "meld_na", "meld_3"):
        return str(d["score"]), ""
    if name == "bclc":
        return "—", "needs MDT judgement" if d["stage"] is None else f"stage {d['stage']}"
    if name == "milan":
        return "—", "within" if d["within"] else "beyond"
    if name == "up_to_seven":
        return f"{d['score']:g}", "within" if d["within"] else "beyond"
    if name == "six_and_twelve":
        return f"{d['score']:g}", d["group"]
    if name in ("hap", "mhap2"):
        return str(d["score"]), f"class {d['class']}"
    return "", ""


def _why(name: str, d: dict[str, Any]) -> str:
    if not d.get("computable", True):
        return str(d["rule"])
    if "points" in d:
        return ", ".join(f"{k} {v}" for k, v in d["points"].items())
    if "components" in d:
        return (
            ", ".join(f"{c['name']} {c['points']:g}" for c in d["components"] if c["points"])
            or "no risk factor"
        )
    if "reasons" in d:
        return str(d["reasons"][0]) if d["reasons"] else ""
    if d.get("bounds_applied"):
        return "; ".join(d["bounds_applied"])
    if name == "albi":
        return f"bilirubin {d['bilirubin_umol_l']:g} µmol/L, albumin {d['albumin_g_l']:g} g/L"
    if "largest_cm" in d:
        return f"largest {d['largest_cm']:g} cm + {d['n_tumours']} tumour(s)"
    return ""


def render_assessment(console: Console, a: Assessment) -> None:
    """A readable table: each score, its category and why."""
    from rich.table import Table

    table = Table(title=f"Patient {a.id}", title_justify="left", show_lines=False)
    table.add_column("score", style="bold")
    table.add_column("value", justify="right")
    table.add_column("category")
    table.add_column("why", overflow="fold")
    table.add_column("source", style="dim")
    for name, res in a.to_dict().items():
        if not isinstance(res, dict):
            continue
        value, category = _value_and_category(name, res)
        source = str(res["source"]["short"]).split(";")[0].split(" (")[0]
        table.add_row(name, value, category, _why(name, res), source)
    console.print(table)
    from rich.markup import escape

    for w in a.warnings:
        console.print(f"[yellow]warning:[/yellow] {escape(w)}", highlight=False)


def _options(albumin_band: str, meld_cap: str) -> AssessOptions:
    from tacepath.clinical.assessment import AssessOptions

    if albumin_band not in ("pugh", "harrison"):
        raise InputError("--albumin-band", albumin_band, "pugh, harrison")
    if meld_cap == "none":
        cap: int | None = None
    elif meld_cap.isdigit() and int(meld_cap) > 0:
        cap = int(meld_cap)
    else:
        raise InputError("--meld-cap", meld_cap, "a positive integer or 'none'")
    return AssessOptions(albumin_band=albumin_band, meld_cap=cap)  # type: ignore[arg-type]


@app.command("assess")
def assess_command(
    path: Path = input_file(
        ...,
        help="Patient JSON/YAML (one object or a short list), "
        "or a cohort file: CSV, Parquet or JSON Lines (.jsonl, one patient per line).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
    out: Path | None = output_path(None, "--out", help="Cohort output file (.csv or .parquet)."),
    albumin_band: str = typer.Option(
        "pugh", help="Child-Pugh albumin bands: pugh (2.8–3.5 g/dL) or harrison (3.0–3.5 g/dL)."
    ),
    meld_cap: str = typer.Option("40", help="Cap of the MELD scores (OPTN 40), or 'none'."),
    encoding: str | None = typer.Option(
        None,
        "--encoding",
        help="Text encoding of a CSV or JSON Lines cohort (default UTF-8, a BOM accepted), "
        "e.g. cp1252 or latin-1.",
    ),
    partitions: int | None = typer.Option(
        None,
        "--partitions",
        help="Assess a Parquet cohort (file or folder) in N Dask partitions into the folder "
        "--out (one Parquet file per partition).",
    ),
    scheduler: str | None = typer.Option(
        None,
        "--scheduler",
        help="With --partitions: local (a local Dask cluster, the default) or the address "
        "of a Dask scheduler, tcp://host:port.",
    ),
) -> None:
    """Score patients: Child-Pugh, ALBI, mALBI, MELD, MELD-Na, MELD 3.0, BCLC, Milan,
    up-to-seven, six-and-twelve, HAP, mHAP-II — each with its reasons and source.

    Examples:

      tacepath assess examples/patients.json

      tacepath assess examples/patients.json --json

      tacepath assess examples/cohort.csv --out scores.parquet

      tacepath assess registry.csv --encoding cp1252 --out scores.csv

      tacepath assess registry.parquet --partitions 8 --scheduler local --out scores.parquet
    """
    from rich.console import Console

    from tacepath.clinical.assessment import assess
    from tacepath.domain.patient import parse_patients
    from tacepath.interop.cohort_io import (
        COHORT_SUFFIXES,
        check_patient_count,
    )

    try:
        options = _options(albumin_band, meld_cap)
        if partitions is not None or scheduler is not None:
            _assess_partitioned(path, out, options, partitions, scheduler, encoding)
            return
        if path.suffix.lower() in COHORT_SUFFIXES:
            _assess_cohort(path, out, options, encoding)
            return
        if encoding is not None:
            raise InputError("--encoding", encoding, "only for a .csv or .jsonl cohort file")
        raw = read_json_or_yaml(path)
        check_patient_count(raw)
        patients = parse_patients(raw)
    except InputError as exc:
        exit_with_errors(exc, source=path.name)
    results = [assess(p, options) for p in patients]
    if as_json:
        payload: Any = [r.to_dict() for r in results]
        if isinstance(raw, dict):
            payload = payload[0]
        typer.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    console = Console()
    for r in results:
        render_assessment(console, r)


def _assess_partitioned(
    path: Path,
    out: Path | None,
    options: AssessOptions,
    partitions: int | None,
    scheduler: str | None,
    encoding: str | None,
) -> None:
    """A Parquet cohort on Dask, into the folder ``out`` (docs/scaling.md)."""
    from tacepath.interop.cohort_dask import assess_cohort_partitioned

    if out is None:
        raise InputError("--out", "(none)", "an output folder name ending .parquet")
    if encoding is not None:
        raise InputError("--encoding", encoding, "only for a .csv or .jsonl cohort file")
    count = 4 if partitions is None else partitions
    n = assess_cohort_partitioned(
        path, out, options, partitions=count, scheduler=scheduler or "local"
    )
    typer.echo(f"{n} patients assessed in {count} partitions → {out}", err=True)


def _assess_cohort(
    path: Path, out: Path | None, options: AssessOptions, encoding: str | None
) -> None:
    """Scores to ``out``; without ``--out``, as CSV on stdout once every row has passed."""
    import tempfile

    from tacepath.interop.cohort_io import assess_cohort_file

    if out is not None:
        n = assess_cohort_file(path, out, options, encoding=encoding)
        typer.echo(f"{n} patients assessed → {out}", err=True)
        return
    with tempfile.TemporaryDirectory() as tmp:
        spool = Path(tmp) / "scores.csv"
        assess_cohort_file(path, spool, options, encoding=encoding)
        with spool.open(encoding="utf-8", newline="") as fh:
            for block in iter(lambda: fh.read(1 << 20), ""):
                typer.echo(block, nl=False)


@schema_app.command("patient")
def schema_patient() -> None:
    """JSON Schema of the patient input of `tacepath assess`.

    Example:

      tacepath schema patient > patient.schema.json
    """
    from tacepath.domain.patient import patient_json_schema

    typer.echo(json.dumps(patient_json_schema(), indent=2, ensure_ascii=False))


@schema_app.command("timeline")
def schema_timeline() -> None:
    """JSON Schema of a patient timeline (`tacepath response`, `tacepath endpoints`).

    Example:

      tacepath schema timeline > timeline.schema.json
    """
    from tacepath.domain.timeline import timeline_json_schema

    typer.echo(json.dumps(timeline_json_schema(), indent=2, ensure_ascii=False))


def _examples_dir() -> Path:
    here = Path(__file__).resolve()
    for parent in (Path.cwd(), *here.parents):
        candidate = parent / "examples"
        if (candidate / "patients.json").exists():
            return candidate
    from importlib.resources import files

    return Path(str(files("tacepath") / "examples"))


@app.command("demo")
def demo(
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """Run tacepath on the example patients shipped in `examples/`.

    Example:

      tacepath demo
    """
    from rich.console import Console

    from tacepath.clinical.assessment import assess
    from tacepath.domain.patient import parse_patients

    path = _examples_dir() / "patients.json"
    console = Console()
    try:
        patients = parse_patients(read_json_or_yaml(path))
    except InputError as exc:
        exit_with_errors(exc, source=path.name)
    results = [assess(p) for p in patients]
    if as_json:
        typer.echo(json.dumps([r.to_dict() for r in results], indent=2, ensure_ascii=False))
        return
    console.print(f"[bold]tacepath demo[/bold]: {len(patients)} example patients from {path.name}")
    for r in results:
        render_assessment(console, r)
