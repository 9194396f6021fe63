"""``tacepath evidence list | show | conflicts``: the trial registry, every number cited."""

from __future__ import annotations

import json
from typing import Any

import typer

from tacepath.cli._app import app
from tacepath.cli._io import exit_with_errors
from tacepath.errors import InputError

__all__: list[str] = []

evidence_app = typer.Typer(
    help=(
        "The evidence registry: TACE + systemic therapy trials, every number with its source.\n\n"
        "Examples:\n\n  tacepath evidence list\n\n  tacepath evidence show TACTICS\n\n"
        "  tacepath evidence conflicts --json"
    ),
    no_args_is_help=True,
)
app.add_typer(evidence_app, name="evidence")

_STATUS_COLOUR = {
    "positive": "green",
    "negative": "red",
    "ongoing": "yellow",
    "terminated": "red",
    "no-results": "dim",
    "not-tace": "magenta",
    "not-verified": "yellow",
}


def _echo_json(obj: Any) -> None:
    typer.echo(json.dumps(obj, indent=2, ensure_ascii=False))


def _num(d: dict[str, Any] | None, *, show_source: bool = False) -> str:
    from rich.markup import escape

    if d is None:
        return "—"
    flag = f" [bold red]⚠ {d['conflict']}[/bold red]" if d.get("conflict") else ""
    src = f" [dim]{escape('[' + d['source'] + ']')}[/dim]" if show_source else ""
    return f"{escape(d['text'])}{flag}{src}"


def _cited(d: dict[str, Any] | None, *, show_source: bool = True) -> str:
    from rich.markup import escape

    if d is None:
        return "—"
    flag = f" [bold red]⚠ {d['conflict']}[/bold red]" if d.get("conflict") else ""
    src = f" [dim]{escape('[' + d['source'] + ']')}[/dim]" if show_source else ""
    return f"{escape(d['text'])}{flag}{src}"


def _sources_of(*numbers: dict[str, Any] | None) -> str:
    from rich.markup import escape

    ids = sorted({n["source"] for n in numbers if n is not None})
    return escape(", ".join(f"[{i}]" for i in ids))


def _label(key: str, labels: dict[str, str]) -> str:
    for arm_id, label in labels.items():
        key = key.replace(arm_id, label)
    return key.replace("_", " ")


@evidence_app.command("list")
def list_command(
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """All trials: phase, size, status, headline result (⚠ marks a seed-vs-source conflict)."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from tacepath.evidence.registry import registry
    from tacepath.evidence.views import trial_rows

    rows = trial_rows(registry())
    if as_json:
        _echo_json({"trials": rows})
        return
    table = Table(title="Evidence registry: TACE + systemic therapy trials", title_justify="left")
    for col in ("trial", "phase", "n", "status", "primary endpoint: headline", "conflicts"):
        table.add_column(col, overflow="fold")
    for r in rows:
        colour = _STATUS_COLOUR[r["status"]]
        head = "—"
        h = r["headline"]
        if h is not None:
            meds = " vs ".join(_num(v) for v in h["medians"].values())
            hr = f"; HR {_num(h['hr'])}" if h["hr"] else ""
            p = f"; p {_num(h['p'])}" if h["p"] else ""
            head = f"{h['endpoint']}: {meds}{hr}{p}"
        table.add_row(
            r["id"],
            escape(r["phase"]),
            _num(r["n"]).replace(" patients", ""),
            f"[{colour}]{r['status']}[/{colour}]",
            head,
            ", ".join(r["conflicts"]) or "",
        )
    console = Console()
    console.print(table)
    console.print(
        "`tacepath evidence show ID` for design, arms, timing, every result with its source; "
        "`tacepath evidence conflicts` for what the seed page says against the sources."
    )


@evidence_app.command("show")
def show_command(
    trial: str = typer.Argument(..., help="Trial id, name or alias (any case)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """One trial: design, population, arms and timing, results, AEs, conflicts, sources."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from tacepath.evidence.registry import registry
    from tacepath.evidence.views import trial_dict

    try:
        t = registry().get(trial)
    except InputError as exc:
        exit_with_errors(exc)
    d = trial_dict(t)
    if as_json:
        _echo_json(d)
        return
    c = Console()
    colour = _STATUS_COLOUR[d["status"]]
    reg = ", ".join(f"{k.upper()} {v}" for k, v in d["registry"].items())
    c.print(
        f"[bold]{d['name']}[/bold]  phase {d['phase']}  {reg}  [{colour}]{d['status']}[/{colour}]"
    )
    c.print(_cited(d["status_text"]))
    c.print(f"[bold]Design[/bold] {_cited(d['design'])}")
    if d["stratification"]:
        c.print(f"[bold]Stratification[/bold] {_cited(d['stratification'])}")
    if d["population"]:
        c.print("[bold]Population[/bold]")
        for p in d["population"]:
            c.print(f"  • {_cited(p)}")
    arms = Table(title="Arms", title_justify="left")
    for col in ("arm", "n", "drugs", "timing relative to TACE"):
        arms.add_column(col, overflow="fold")
    for a in d["arms"]:
        drugs = "; ".join(f"{x['drug']}: {_cited(x['dose'])}" for x in a["drugs"]) or "—"
        if a["tace"]:
            drugs += f"\nTACE: {_cited(a['tace'])}"
        arms.add_row(a["label"], _num(a["n"], show_source=True), drugs, _cited(a["timing"]))
    c.print(arms)
    labels = {a["id"]: a["label"] for a in d["arms"]}
    res = Table(title="Results", title_justify="left")
    for col in ("endpoint", "analysis", "medians", "HR", "p", "other", "source"):
        res.add_column(col, overflow="fold")
    for r in d["results"]:
        meds = "\n".join(f"{labels[a]}: {_num(v)}" for a, v in r["medians"].items()) or "—"
        other = "\n".join(f"{_label(k, labels)}: {_num(v)}" for k, v in r["other"].items())
        cited = [*r["medians"].values(), r["hr"], r["p"], *r["other"].values()]
        res.add_row(
            r["endpoint_name"],
            r["analysis"],
            meds,
            _num(r["hr"]),
            _num(r["p"]),
            other,
            _sources_of(*cited),
        )
    c.print(res)
    if d["adverse_events"]:
        ae = Table(title="Adverse events (% of patients)", title_justify="left")
        ae.add_column("term")
        ae.add_column("grade")
        for a in d["arms"]:
            ae.add_column(a["label"])
        ae.add_column("source")
        for row in d["adverse_events"]:
            ae.add_row(
                row["term"],
                row["grade"],
                *(_num(row["incidence"].get(a["id"])) for a in d["arms"]),
                _sources_of(*row["incidence"].values()),
            )
        c.print(ae)
    if d["findings"]:
        c.print("[bold]Further findings[/bold]")
        for f in d["findings"]:
            c.print(f"  • {_cited(f)}")
    if d["conflicts"]:
        c.print("[bold red]Conflicts and notes[/bold red] (the primary source wins; both shown)")
        for x in d["conflicts"]:
            c.print(f"  ⚠ {x['id']} ({x['kind']}) {x['topic']}")
            c.print(f"     says:   {_cited(x['seed'])}")
            c.print(f"     source: {_cited(x['source_says'])}")
    if d["unverified"]:
        c.print("[bold]Left out (not verified)[/bold]")
        for u in d["unverified"]:
            c.print(f"  • {u}")
    c.print("[bold]Sources[/bold]")
    for s in d["sources"]:
        c.print(f"  {escape('[' + s['id'] + ']')} {escape(s['text'])}", highlight=False)


@evidence_app.command("conflicts")
def conflicts_command(
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Where the seed page (or a paper's own text) disagrees with the primary source."""
    from rich.console import Console
    from rich.table import Table

    from tacepath.evidence.registry import registry
    from tacepath.evidence.views import conflict_rows

    rows = conflict_rows(registry())
    if as_json:
        _echo_json({"conflicts": rows})
        return
    table = Table(title="Seed-vs-source conflicts (the primary source wins)", title_justify="left")
    for col in ("trial", "id", "topic", "seed / passage says", "primary source says"):
        table.add_column(col, overflow="fold")
    for r in rows:
        kind = "" if r["kind"] == "conflict" else " (note)"
        table.add_row(
            r["trial"], r["id"] + kind, r["topic"], _cited(r["seed"]), _cited(r["source_says"])
        )
    Console().print(table)
