"""``tacepath grade``: CTCAE v5.0 grade of an adverse event and, with ``--drug``, the action."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import typer

from tacepath.cli._app import app
from tacepath.cli._io import exit_with_errors
from tacepath.errors import InputError

if TYPE_CHECKING:
    from rich.console import Console

    from tacepath.pathway.ctcae import GradeResult
    from tacepath.pathway.dosing import DoseAction

__all__: list[str] = []

_YES = {"yes": True, "true": True, "no": False, "false": False}
_ACTION_STYLE = {
    "continue": "green",
    "interrupt": "yellow",
    "withhold": "yellow",
    "reduce": "yellow",
    "discontinue": "red",
    "needs-information": "magenta",
}


def _facts(raw: list[str]) -> dict[str, bool]:
    out: dict[str, bool] = {}
    for item in raw:
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or value.strip().casefold() not in _YES:
            raise InputError("--fact", item, "NAME=yes|no, e.g. persistent_and_intolerable=yes")
        out[name.strip()] = _YES[value.strip().casefold()]
    return out


def _list_dict() -> dict[str, object]:
    from tacepath.pathway.ctcae import ctcae, term_inputs

    cat = ctcae()
    graded: list[dict[str, object]] = []
    for t in cat.terms:
        required, optional = term_inputs(t)
        graded.append(
            {
                "term": t.term,
                "aliases": list(t.aliases),
                "kind": t.kind,
                "requires": list(required),
                "accepts": list(optional),
                "units": list(t.units),
                "max_grade": t.max_grade,
                "source": cat.source(t.source).text(),
            }
        )
    return {
        "ctcae_version": cat.version,
        "graded": graded,
        "unverified": [{"term": u.term, "aliases": list(u.aliases)} for u in cat.unverified],
        "not_terms": [{"name": x.name, "note": x.note} for x in cat.not_terms],
    }


def _render_list(console: Console) -> None:
    from rich.markup import escape
    from rich.table import Table

    from tacepath.pathway.ctcae import ctcae, term_inputs

    cat = ctcae()
    table = Table(title=f"CTCAE v{cat.version}: graded terms", title_justify="left")
    for col in ("term", "aliases", "inputs", "units"):
        table.add_column(col, overflow="fold")
    for t in cat.terms:
        required, optional = term_inputs(t)
        inputs = ", ".join(required) + (
            f" [dim](+ {', '.join(optional)})[/dim]" if optional else ""
        )
        table.add_row(escape(t.term), escape(", ".join(t.aliases)), inputs, ", ".join(t.units))
    console.print(table)
    console.print(
        "[yellow]Not graded[/yellow] (CTCAE v5.0 grade text not verified in the reference): "
        + escape(", ".join(u.term for u in cat.unverified)),
        highlight=False,
    )


def _render_grade(console: Console, r: GradeResult) -> None:
    from rich.markup import escape
    from rich.table import Table

    shown = "not assigned" if r.grade is None else str(r.grade)
    table = Table(
        title=f"CTCAE v{r.ctcae_version}: {r.term} — grade {shown}",
        title_justify="left",
        show_header=False,
    )
    table.add_column("", style="bold")
    table.add_column("", overflow="fold")
    table.add_row("grade", shown if r.grade is not None else f"[magenta]{shown}[/magenta]")
    if r.reason:
        table.add_row("reason", escape(r.reason))
    table.add_row("rule", escape(r.rule))
    table.add_row("inputs", escape(", ".join(f"{k}={v}" for k, v in r.inputs.items())))
    if r.measures:
        table.add_row("measures", ", ".join(f"{k}={v:g}" for k, v in r.measures.items()))
    table.add_row("source", escape(r.source.text()))
    console.print(table)
    for n in r.notes:
        console.print(f"[dim]note: {escape(n)}[/dim]", highlight=False)


def _render_action(console: Console, a: DoseAction) -> None:
    from rich.markup import escape
    from rich.table import Table

    style = _ACTION_STYLE[a.action]
    table = Table(
        title=f"{a.drug}: {a.event}" + ("" if a.grade is None else f", grade {a.grade}"),
        title_justify="left",
        show_header=False,
    )
    table.add_column("", style="bold")
    table.add_column("", overflow="fold")
    table.add_row("action", f"[{style}]{a.action}[/{style}]")
    table.add_row("current dose", escape(a.current_dose))
    table.add_row("new dose", escape(a.new_dose or "none"))
    if a.resume:
        table.add_row("resume", escape(a.resume))
    table.add_row("rule", escape(a.rule))
    for need in a.needs:
        table.add_row("needs", escape(need))
    if a.source is not None:
        table.add_row("source", escape(a.source.text()))
    if not a.verified:
        table.add_row("verified", "[red]no[/red]")
    console.print(table)
    for n in a.notes:
        console.print(f"[dim]note: {escape(n)}[/dim]", highlight=False)


@app.command("grade")
def grade_command(
    term: str | None = typer.Option(None, "--term", help="CTCAE term or alias, e.g. 'ALT'."),
    value: float | None = typer.Option(None, "--value", help="The lab value."),
    uln: float | None = typer.Option(None, "--uln", help="Upper limit of normal (same unit)."),
    lln: float | None = typer.Option(None, "--lln", help="Lower limit of normal (same unit)."),
    baseline: float | None = typer.Option(None, "--baseline", help="Pre-treatment value."),
    unit: str | None = typer.Option(None, "--unit", help="10^9/L, /mm3, g/dL, g/L, mmol/L..."),
    symptomatic: bool | None = typer.Option(
        None, "--symptomatic/--asymptomatic", help="Signs or symptoms (lipase, amylase)."
    ),
    on_anticoagulation: bool | None = typer.Option(
        None, "--on-anticoagulation/--off-anticoagulation", help="INR: anticoagulation."
    ),
    systolic: float | None = typer.Option(None, "--systolic", help="Systolic BP, mm Hg."),
    diastolic: float | None = typer.Option(None, "--diastolic", help="Diastolic BP, mm Hg."),
    stools_over_baseline: int | None = typer.Option(
        None, "--stools-over-baseline", help="Diarrhoea: increase in stools/day."
    ),
    adl: str | None = typer.Option(None, "--adl", help="none | instrumental | self-care."),
    pain: bool | None = typer.Option(
        None, "--pain/--no-pain", help="Hand-foot skin reaction without ADL limit: painful?"
    ),
    given_grade: int | None = typer.Option(
        None, "--grade", help="A grade assigned by the clinician (events tacepath does not grade)."
    ),
    drug: str | None = typer.Option(None, "--drug", help="sorafenib, lenvatinib, bevacizumab..."),
    current_dose: str | None = typer.Option(None, "--current-dose", help="e.g. '400 mg bid'."),
    occurrence: int = typer.Option(1, "--occurrence", help="Which occurrence of this event."),
    weight_kg: float | None = typer.Option(None, "--weight-kg", help="Body weight (lenvatinib)."),
    baseline_ast_alt_x_uln: float | None = typer.Option(
        None, "--baseline-ast-alt-x-uln", help="ICI hepatitis: baseline AST/ALT ×ULN."
    ),
    ast_alt_x_uln: float | None = typer.Option(
        None, "--ast-alt-x-uln", help="ICI hepatitis: higher of AST/ALT ×ULN."
    ),
    bilirubin_x_uln: float | None = typer.Option(
        None, "--bilirubin-x-uln", help="ICI hepatitis: total bilirubin ×ULN."
    ),
    proteinuria_g_24h: float | None = typer.Option(
        None, "--proteinuria-g-24h", help="Urine protein g/24 h (bevacizumab, lenvatinib)."
    ),
    fact: list[str] = typer.Option(
        [], "--fact", help="NAME=yes|no, e.g. persistent_and_intolerable=yes (repeatable)."
    ),
    list_terms: bool = typer.Option(False, "--list", help="List graded and unverified terms."),
    as_json: bool = typer.Option(False, "--json", help="Print the JSON contract."),
) -> None:
    """CTCAE v5.0 grade from values or descriptors; with `--drug`, the label's action and
    the new dose. Terms whose grade text is not verified are refused (see `--list`).

    Examples: `tacepath grade --term "AST increased" --value 250 --uln 40 --baseline 35`;
    `tacepath grade --term HFSR --adl instrumental --drug sorafenib
    --current-dose "400 mg twice daily" --occurrence 2`
    """
    from rich.console import Console

    from tacepath.pathway.ctcae import grade
    from tacepath.pathway.dosing import dose_action

    if list_terms:
        if as_json:
            typer.echo(json.dumps(_list_dict(), indent=2, ensure_ascii=False))
        else:
            _render_list(Console())
        return
    inputs = (
        value,
        uln,
        lln,
        baseline,
        unit,
        symptomatic,
        on_anticoagulation,
        systolic,
        diastolic,
        stools_over_baseline,
        adl,
        pain,
    )
    given = any(v is not None for v in inputs)
    result: GradeResult | None = None
    action: DoseAction | None = None
    try:
        if term is None:
            raise InputError("--term", None, "a CTCAE term or alias (see `tacepath grade --list`)")
        if given and given_grade is not None:
            raise InputError("--grade", given_grade, "omitted when values are given (computed)")
        if given or (given_grade is None and drug is None):
            result = grade(
                term,
                value=value,
                uln=uln,
                lln=lln,
                baseline=baseline,
                unit=unit,
                symptomatic=symptomatic,
                on_anticoagulation=on_anticoagulation,
                systolic=systolic,
                diastolic=diastolic,
                stools_over_baseline=stools_over_baseline,
                adl=adl,
                pain=pain,
            )
        if drug is not None:
            if current_dose is None:
                raise InputError("--current-dose", None, "the current dose, e.g. '400 mg bid'")
            event = result if result is not None else (term, given_grade)
            action = dose_action(
                drug,
                event,
                current_dose=current_dose,
                weight_kg=weight_kg,
                occurrence=occurrence,
                baseline_ast_alt_x_uln=baseline_ast_alt_x_uln,
                ast_alt_x_uln=ast_alt_x_uln,
                bilirubin_x_uln=bilirubin_x_uln,
                proteinuria_g_24h=proteinuria_g_24h,
                facts=_facts(fact),
            )
        elif given_grade is not None:
            raise InputError("--drug", None, "a drug when --grade is given (the grade is known)")
    except InputError as exc:
        exit_with_errors(exc)
    if as_json:
        out = {
            "grade": None if result is None else result.to_dict(),
            "dose_action": None if action is None else action.to_dict(),
        }
        typer.echo(json.dumps(out, indent=2, ensure_ascii=False))
        return
    console = Console()
    if result is not None:
        _render_grade(console, result)
    if action is not None:
        _render_action(console, action)
