"""``tacepath pathway PATIENT.json``: which TACE + systemic regimen, why, with the evidence."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from tacepath.cli._app import app
from tacepath.cli._io import exit_with_errors, input_file, output_path, read_json_or_yaml
from tacepath.errors import InputError

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

    from tacepath.domain.patient import PatientSnapshot
    from tacepath.domain.timeline import Timeline
    from tacepath.pathway.decision import PatientDecision
    from tacepath.pathway.monitoring import Monitoring
    from tacepath.pathway.pathway import PathwayResult

__all__: list[str] = []

_STATUS = {
    "eligible": "[green]eligible[/green]",
    "needs_information": "[yellow]needs information[/yellow]",
    "not_eligible": "[red]not eligible[/red]",
}


def _headline(reg: dict[str, object]) -> str:
    ev = reg["evidence"]
    if not isinstance(ev, list) or not ev:
        # no trial linked as ranking evidence: the regimen's cited level says what supports it
        level = reg.get("level")
        if isinstance(level, dict) and level.get("text"):
            return f"no linked trial: {level['text']}"
        return "no trial in the registry"
    e = ev[0]
    res = e["results"]
    if not res:
        trials = ", ".join(x["trial"] for x in ev)
        return f"the control arm of {trials}"
    r = res[0]
    meds = " vs ".join(v["text"] for v in r["medians"].values())
    hr = f", HR {r['hr']['text']}" if r["hr"] else ""
    return f"{e['trial']} ({e['phase']}): {r['endpoint']} {meds}{hr}"


def render(console: Console, result: PathwayResult, *, detail: bool = False) -> None:
    """The one-screen view: regimens with status and the first reason, then the steps."""
    from rich.markup import escape
    from rich.table import Table

    d = result.to_dict()
    table = Table(title=f"Patient {d['id']}: treatment pathway", title_justify="left")
    for col in ("regimen", "status", "why", "evidence (first result)"):
        table.add_column(col, overflow="fold")
    for r in d["regimens"]:
        why = r["reasons"][0] if r["reasons"] else "all criteria met"
        more = f" (+{len(r['reasons']) - 1} more)" if len(r["reasons"]) > 1 else ""
        label = r["label"] + "".join(f" ({x})" for x in r["labels"])
        table.add_row(escape(label), _STATUS[r["status"]], escape(why + more), escape(_headline(r)))
    console.print(table)
    for s in d["steps"]:
        console.print(f"[bold]{s['step']}. {s['title']}[/bold]")
        items = s["findings"] if detail else s["findings"][:4]
        for f in items:
            console.print(f"   {escape(f)}", highlight=False)
        if not detail and len(s["findings"]) > 4:
            console.print(f"   … {len(s['findings']) - 4} more (--detail)")
        if s["sources"]:
            shown = s["sources"] if detail else [x.split(" (")[0][:90] for x in s["sources"][:3]]
            console.print(f"   [dim]sources: {escape('; '.join(shown))}[/dim]", highlight=False)
    for n in d["notes"]:
        console.print(f"[yellow]note:[/yellow] {escape(n)}")
    console.print(f"[dim]{escape(d['ordering_rule'])}[/dim]")
    if not detail:
        console.print("[dim]--detail: every criterion with its result, values and source.[/dim]")
    if detail:
        for r in d["regimens"]:
            console.print(f"\n[bold]{escape(r['label'])}[/bold] — {_STATUS[r['status']]}")
            for c in r["criteria"]:
                ask = f" — [yellow]{escape(c['question'])}[/yellow]" if c.get("question") else ""
                console.print(
                    f"   {c['result'].upper():7s} {escape(c['name'])} — {escape(c['detail'])}{ask} "
                    f"[dim]({escape(c['source'])})[/dim]",
                    highlight=False,
                )
            for cv in r["caveats"]:
                flag = f" [red]⚠ {cv['conflict']['id']}[/red]" if cv.get("conflict") else ""
                console.print(f"   caveat: {escape(cv['text'])}{flag}", highlight=False)


@app.command("pathway")
def pathway_command(
    patient_file: Path = input_file(
        ..., metavar="PATIENT", help="A patient (JSON/YAML) with the optional history object."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the JSON contract."),
    detail: bool = typer.Option(False, "--detail", help="Every criterion, source and caveat."),
    timeline_file: Path | None = input_file(
        None, "--timeline", help="The patient's timeline (TACE failure and death are read from it)."
    ),
) -> None:
    """The five steps for TACE + systemic therapy: candidate, contraindications, sequence,
    MDT questions, monitoring; every regimen eligible / not eligible / needs information.

    Example: `tacepath pathway examples/pathway/intermediate_candidate.json`
    """
    from rich.console import Console

    from tacepath.domain.patient import parse_patients
    from tacepath.pathway.decision import decide

    try:
        patients = parse_patients(read_json_or_yaml(patient_file))
        timeline = _one_timeline(timeline_file, patients)
        results = [_pathway_of(decide(p, timeline=timeline)) for p in patients]
    except InputError as exc:
        exit_with_errors(exc, source=str(patient_file))
    if as_json:
        out = [r.to_dict() for r in results]
        typer.echo(json.dumps(out[0] if len(out) == 1 else out, indent=2, ensure_ascii=False))
        return
    console = Console()
    for r in results:
        if r.deceased is not None:
            console.print(f"[bold]Patient {r.id}: deceased on {r.deceased.isoformat()}[/bold]")
            console.print("No treatment option, plan or trial match.")
            continue
        render(console, r, detail=detail)


@app.command("decision")
def decision_command(
    patient_file: Path = input_file(..., metavar="PATIENT", help="The current snapshot."),
    timeline_file: Path | None = input_file(
        None, "--timeline", help="The patient's timeline (TACE failure and death are read from it)."
    ),
    regimen: str | None = typer.Option(
        None, "--regimen", help="Current regimen, for the follow-up decision and the plan."
    ),
) -> None:
    """The whole decision as one JSON document: course state, pathway, trial matches,
    follow-up decision and plan — what every other command and view renders.

    Example: `tacepath decision examples/pathway/P003_snapshot.json --timeline
    examples/timelines/P003_untaceable_intrahepatic.json --regimen tactics`
    """
    from tacepath.pathway.decision import decide

    try:
        patient = _one_patient(patient_file)
        timeline = _one_timeline(timeline_file, [patient])
        d = decide(patient, timeline=timeline, regimen=regimen)
    except InputError as exc:
        exit_with_errors(exc, source=str(patient_file))
    typer.echo(json.dumps(d.to_dict(), indent=2, ensure_ascii=False))


def _pathway_of(d: PatientDecision) -> PathwayResult:
    assert d.pathway is not None  # decide() with a snapshot always has one
    return d.pathway


def _one_timeline(path: Path | None, patients: list[PatientSnapshot]) -> Timeline | None:
    """The one timeline of ``--timeline`` (None without it), for the one patient given."""
    if path is None:
        return None
    from tacepath.cli.response import load_timelines

    tls = load_timelines(path, field="--timeline")
    if len(tls) != 1:
        raise InputError("--timeline", f"{len(tls)} timelines", "one timeline")
    if len(patients) != 1:
        raise InputError("PATIENT", f"{len(patients)} patients", "one patient with --timeline")
    if tls[0].id != patients[0].id:
        raise InputError("timeline.id", tls[0].id, f"the patient's id {patients[0].id!r}")
    return tls[0]


def _date(value: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError as exc:
        raise InputError(option, value, "an ISO date, e.g. 2026-12-01") from exc


@app.command("schedule")
def schedule_command(
    regimen: str = typer.Option(
        ..., "--regimen", help="tactics | emerald-1 | leap-012 | launch | tace (or a regimen id)."
    ),
    start: str = typer.Option(..., "--start", help="Start date (its meaning is per regimen)."),
    tace_dates: str | None = typer.Option(
        None, "--tace-dates", help="TACE dates d1,d2,... (planned or done)."
    ),
    months: int = typer.Option(12, "--months", help="How far to lay out the plan."),
    weight_kg: float | None = typer.Option(None, "--weight-kg", help="For weight-based doses."),
    ics: Path | None = output_path(None, "--ics", help="Also write an iCalendar file."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    timeline_file: Path | None = input_file(
        None, "--timeline", help="The patient's timeline: the plan stops at death or TACE failure."
    ),
    patient_file: Path | None = input_file(
        None,
        "--patient",
        help="The patient (a TACE failure in its history stops the plan; its weight is used).",
    ),
) -> None:
    """The dated plan: drug start, each TACE, holds and resumptions, infusions, imaging.

    Example: `tacepath schedule --regimen tactics --start 2026-12-01 --tace-dates 2026-12-17`
    """
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from tacepath.pathway.schedule import schedule

    try:
        s0 = _date(start, "--start")
        dates = tuple(_date(d, "--tace-dates") for d in (tace_dates or "").split(",") if d.strip())
        stop = _course_stop(patient_file, timeline_file)
        if weight_kg is None and patient_file is not None:
            weight_kg = _one_patient(patient_file).weight_kg  # the recorded weight
        plan = schedule(
            regimen, s0, tace_dates=dates, months=months, weight_kg=weight_kg, stop_at=stop
        )
    except InputError as exc:
        exit_with_errors(exc)
    if ics is not None:
        ics.write_bytes(plan.to_ics())
    if as_json:
        typer.echo(json.dumps(plan.to_dict(), indent=2, ensure_ascii=False))
        return
    console = Console()
    table = Table(
        title=f"{plan.regimen}: plan from {plan.start} ({plan.start_means}) to {plan.until}",
        title_justify="left",
    )
    for col in ("date", "what", "", "source"):
        table.add_column(col, overflow="fold")
    colour = {"warning": "red", "note": "dim", "tace": "bold", "imaging": "cyan"}
    refs: dict[str, int] = {}
    for e in plan.events:
        when = e.date.isoformat() + (f" to {e.window_end.isoformat()}" if e.window_end else "")
        c = colour.get(e.kind, "")
        what = f"[{c}]{escape(e.text)}[/{c}]" if c else escape(e.text)
        flag = "[red]⚠ conflict[/red]" if e.conflict else ""
        ref = refs.setdefault(e.source, len(refs) + 1)
        table.add_row(when, what, flag, escape(f"[{ref}]"))
    console.print(table)
    if plan.monitoring:
        console.print(_monitoring_table(plan.monitoring, refs))
    for src, ref in refs.items():
        console.print(f"{escape(f'[{ref}]')} {escape(src)}", highlight=False)
    for e in plan.events:
        if e.conflict:
            console.print(f"[red]⚠[/red] {escape(e.conflict)}")
            break
    if plan.stopped:
        console.print(f"[red]{escape(plan.stopped)}[/red]")
    if ics is not None:
        console.print(f"iCalendar written to {ics}")


def _monitoring_table(items: tuple[Monitoring, ...], refs: dict[str, int]) -> Table:
    """The plan's monitoring (undated), numbering its sources after the events' ones."""
    from rich.markup import escape
    from rich.table import Table

    table = Table(title="monitoring (no source read gives an interval)", title_justify="left")
    for col in ("what", "when", "source"):
        table.add_column(col, overflow="fold")
    for m in items:
        ref = escape(f"[{refs.setdefault(m.source, len(refs) + 1)}]") if m.source else "—"
        table.add_row(escape(m.what), escape(m.when), ref)
    return table


def _course_stop(
    patient_file: Path | None, timeline_file: Path | None
) -> tuple[dt.date, str] | None:
    """Where a plan stops (death, dated TACE failure) as the patient's decision reads it."""
    if patient_file is None and timeline_file is None:
        return None
    from tacepath.pathway.decision import decide

    patient = _one_patient(patient_file) if patient_file is not None else None
    timeline = _single_timeline(timeline_file) if timeline_file is not None else None
    if patient is not None and timeline is not None and timeline.id != patient.id:
        raise InputError("timeline.id", timeline.id, f"the patient's id {patient.id!r}")
    return decide(patient, timeline=timeline).state.stop


def _single_timeline(path: Path) -> Timeline:
    from tacepath.cli.response import load_timelines

    tls = load_timelines(path, field="--timeline")
    if len(tls) != 1:
        raise InputError("--timeline", f"{len(tls)} timelines", "one timeline")
    return tls[0]


@app.command("followup")
def followup_command(
    timeline_file: Path = input_file(..., metavar="TIMELINE", help="A patient timeline."),
    regimen: str = typer.Option(
        ..., "--regimen", help="tactics | emerald-1 | leap-012 | launch | tace (or a regimen id)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    patient_file: Path | None = input_file(
        None, "--patient", help="The patient (a TACE failure recorded in its history is read)."
    ),
) -> None:
    """The decision at the latest visit: repeat TACE, continue, wait, or TACE failure → switch.

    Example: `tacepath followup examples/timelines/P003_untaceable_intrahepatic.json
    --regimen tactics`
    """
    from rich.console import Console
    from rich.markup import escape

    from tacepath.cli.response import load_timelines
    from tacepath.pathway.decision import decide
    from tacepath.pathway.followup import FollowUpDecision

    try:
        patient = _one_patient(patient_file) if patient_file is not None else None
        timelines = load_timelines(timeline_file)
        if patient is not None:
            timelines = [_one_timeline(timeline_file, [patient]) or timelines[0]]
        decisions: list[FollowUpDecision] = []
        for t in timelines:
            follow = decide(patient, timeline=t, regimen=regimen).followup
            assert follow is not None  # a timeline and a regimen were given
            decisions.append(follow)
    except InputError as exc:
        exit_with_errors(exc, source=str(timeline_file))
    if as_json:
        out = [d.to_dict() for d in decisions]
        typer.echo(json.dumps(out[0] if len(out) == 1 else out, indent=2, ensure_ascii=False))
        return
    console = Console()
    colour = {
        "tace-failure": "red",
        "repeat-tace": "yellow",
        "mdt-review": "yellow",
        "continue": "green",
    }
    for d in decisions:
        c = colour.get(d.decision, "bold")
        console.print(
            f"Patient {escape(d.id)} on {d.regimen}, visit {d.date}: [{c}]{d.decision}[/{c}]"
        )
        for r in d.reasons:
            console.print(f"  why: {escape(r)}", highlight=False)
        for s in d.next_steps:
            console.print(f"  next: {escape(s)}", highlight=False)
        for s in d.sources:
            console.print(f"  [dim]source: {escape(s)}[/dim]", highlight=False)


@app.command("match")
def match_command(
    patient_file: Path = input_file(..., metavar="PATIENT", help="A patient (JSON/YAML)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    timeline_file: Path | None = input_file(
        None, "--timeline", help="The patient's timeline (TACE failure and death are read from it)."
    ),
) -> None:
    """Registry trials that may still recruit, with unmet and open criteria.

    Example: `tacepath match examples/pathway/intermediate_candidate.json`
    """
    from rich.console import Console
    from rich.markup import escape

    from tacepath.domain.patient import parse_patients
    from tacepath.pathway.decision import decide

    try:
        patients = parse_patients(read_json_or_yaml(patient_file))
        timeline = _one_timeline(timeline_file, patients)
        results = [
            (d.id, d.matches, d.state.deceased)
            for d in (decide(p, timeline=timeline) for p in patients)
        ]
    except InputError as exc:
        exit_with_errors(exc, source=str(patient_file))
    if as_json:
        out = [
            {
                "id": pid,
                "trials": [m.to_dict() for m in ms],
                "deceased": died.isoformat() if died else None,
            }
            for pid, ms, died in results
        ]
        typer.echo(json.dumps(out[0] if len(out) == 1 else out, indent=2, ensure_ascii=False))
        return
    console = Console()
    for pid, ms, died in results:
        console.print(f"[bold]Patient {escape(pid)}: trial matching[/bold]")
        if died is not None:
            console.print(f"deceased on {died.isoformat()}: no trial match.")
        for m in ms:
            colour = "green" if m.verdict == "possible" else "red"
            ids = ", ".join(m.registry_ids.values())
            console.print(f"[{colour}]{m.verdict}[/{colour}] {m.name} ({m.phase}; {ids})")
            for u in m.unmet:
                console.print(f"   unmet: {escape(u)}", highlight=False)
            for o in m.open:
                console.print(f"   open:  {escape(o)}", highlight=False)
            console.print(f"   recruitment: {escape(m.recruitment)}", highlight=False)


summary_app = typer.Typer(
    help=(
        "One-page summaries: the MDT case summary and the plain-language patient summary "
        "(HTML; PDF with --pdf).\n\nExamples:\n\n"
        "  tacepath summary mdt examples/pathway/P003_snapshot.json --timeline "
        "examples/timelines/P003_untaceable_intrahepatic.json --regimen tactics --out mdt.html\n\n"
        "  tacepath summary patient examples/pathway/intermediate_candidate.json --out you.html"
    ),
    no_args_is_help=True,
)
app.add_typer(summary_app, name="summary")


def _one_patient(path: Path) -> PatientSnapshot:
    from tacepath.domain.patient import parse_patients

    patients = parse_patients(read_json_or_yaml(path))
    if len(patients) != 1:
        raise InputError("PATIENT", f"{len(patients)} patients", "one patient per summary")
    return patients[0]


def _write(html: str, out: Path, pdf: Path | None) -> None:
    from tacepath.report.summaries import write_pdf

    if out.suffix.lower() not in (".html", ".htm"):
        raise InputError("--out", str(out), "a file ending in .html")
    out.write_text(html, encoding="utf-8")
    if pdf is not None:
        if pdf.suffix.lower() != ".pdf":
            raise InputError("--pdf", str(pdf), "a file ending in .pdf")
        write_pdf(html, pdf)


@summary_app.command("mdt")
def summary_mdt(
    patient_file: Path = input_file(..., metavar="PATIENT", help="The current snapshot."),
    out: Path = output_path(..., "--out", help="HTML file to write."),
    pdf: Path | None = output_path(None, "--pdf", help="Also print it to this PDF."),
    timeline_file: Path | None = input_file(
        None, "--timeline", help="The patient's timeline (course plot, response, decision)."
    ),
    regimen: str | None = typer.Option(
        None, "--regimen", help="Current regimen, for the follow-up decision."
    ),
) -> None:
    """MDT case summary: stage and scores, course, regimen options with evidence, questions
    for the MDT, trials the patient may match, sources."""
    from tacepath.pathway.decision import decide
    from tacepath.report.summaries import render_mdt_summary

    try:
        patient = _one_patient(patient_file)
        timeline = _one_timeline(timeline_file, [patient])
        html = render_mdt_summary(decide(patient, timeline=timeline, regimen=regimen))
        _write(html, out, pdf)
    except InputError as exc:
        exit_with_errors(exc, source=str(patient_file))
    typer.echo(f"MDT summary written to {out}" + (f" and {pdf}" if pdf else ""))


@summary_app.command("patient")
def summary_patient(
    patient_file: Path = input_file(..., metavar="PATIENT", help="The current snapshot."),
    out: Path = output_path(..., "--out", help="HTML file to write."),
    pdf: Path | None = output_path(None, "--pdf", help="Also print it to this PDF."),
    timeline_file: Path | None = input_file(
        None, "--timeline", help="The patient's timeline (TACE failure and death are read from it)."
    ),
) -> None:
    """Plain-language summary of the options for the patient, numbers from the registry."""
    from tacepath.pathway.decision import decide
    from tacepath.report.summaries import render_patient_summary

    try:
        patient = _one_patient(patient_file)
        timeline = _one_timeline(timeline_file, [patient])
        html = render_patient_summary(decide(patient, timeline=timeline))
        _write(html, out, pdf)
    except InputError as exc:
        exit_with_errors(exc, source=str(patient_file))
    typer.echo(f"patient summary written to {out}" + (f" and {pdf}" if pdf else ""))


@app.command("letter")
def letter(
    patient_file: Path = input_file(..., metavar="PATIENT", help="The current snapshot."),
    to: str = typer.Option(
        ...,
        "--to",
        help="The receiving team: interventional-radiology, oncology, trial-site, family-doctor.",
    ),
    out: Path = output_path(..., "--out", help="HTML file to write."),
    pdf: Path | None = output_path(None, "--pdf", help="Also print it to this PDF."),
    docx: Path | None = output_path(None, "--docx", help="Also write it as this DOCX file."),
    timeline_file: Path | None = input_file(
        None, "--timeline", help="The patient's timeline (TACE failure and death are read from it)."
    ),
    regimen: str | None = typer.Option(
        None, "--regimen", help="Current regimen, for the follow-up decision."
    ),
    from_name: str = typer.Option("", "--from-name", help="The sender's name."),
    from_organisation: str = typer.Option(
        ..., "--from-organisation", help="The sender's organisation."
    ),
    addressee_name: str = typer.Option("", "--addressee-name", help="The addressee's name."),
    addressee_organisation: str = typer.Option(
        "", "--addressee-organisation", help="The addressee's organisation."
    ),
) -> None:
    """Letter to a receiving team, rendered from the patient's decision (options for the team
    with their reasons, trial matches, key values, what is missing, sources; for the family
    doctor the plan and its dates). Refused after death, and for interventional radiology
    after TACE failure; HTML, and PDF or DOCX besides.

    Example: tacepath letter examples/pathway/P003_snapshot.json --timeline
    examples/timelines/P003_untaceable_intrahepatic.json --to oncology
    --from-organisation "Hospital A" --out letter.html --pdf letter.pdf"""
    from tacepath.pathway.decision import decide
    from tacepath.report.letters import Party, referral_letter

    try:
        sender = Party.of(from_name, from_organisation, field="--from")
        addressee = Party.of(addressee_name, addressee_organisation, field="--addressee")
        patient = _one_patient(patient_file)
        timeline = _one_timeline(timeline_file, [patient])
        d = decide(patient, timeline=timeline, regimen=regimen)
        html = referral_letter(d, to, sender=sender, addressee=addressee)
        _write(html, out, pdf)
        if docx is not None:
            from tacepath.report.letter_docx import letter_docx

            docx.write_bytes(letter_docx(html, title=f"Letter to {to}: patient {patient.id}"))
    except InputError as exc:
        exit_with_errors(exc, source=str(patient_file))
    also = [str(p) for p in (pdf, docx) if p is not None]
    typer.echo(f"letter to {to} written to {out}" + (f" and {' and '.join(also)}" if also else ""))


@summary_app.command("pack")
def summary_pack(
    patient_file: Path = input_file(..., metavar="PATIENT", help="The current snapshot."),
    documents_file: Path = input_file(
        ...,
        "--documents",
        help="YAML or JSON list of the documents, in order: [{file, kind, date, title}] "
        "(files relative to the list; kind: imaging_report, pathology, letter, consent, other).",
    ),
    out: Path = output_path(..., "--out", help="PDF file to write."),
    timeline_file: Path | None = input_file(
        None, "--timeline", help="The patient's timeline (course plot, response, decision)."
    ),
    regimen: str | None = typer.Option(
        None, "--regimen", help="Current regimen, for the follow-up decision."
    ),
) -> None:
    """MDT pack: a contents page, the MDT case summary, then the listed documents (PDF pages
    appended, images and texts printed), each named with its kind, date, title and SHA-256."""
    from tacepath.interop.attachments import KIND_LABELS, read_document_list
    from tacepath.pathway.decision import decide
    from tacepath.report.mdt_pack import PackDocument, mdt_pack_pdf
    from tacepath.report.summaries import render_mdt_summary

    try:
        if out.suffix.lower() != ".pdf":
            raise InputError("--out", str(out), "a file ending in .pdf")
        patient = _one_patient(patient_file)
        timeline = _one_timeline(timeline_file, [patient])
        listed = read_document_list(documents_file)
        docs = [
            PackDocument(id=i, kind_label=KIND_LABELS[d.kind], title=d.title, date=d.date,
                         media_type=d.media_type, sha256=d.sha256, content=d.content)
            for i, d in enumerate(listed, start=1)
        ]  # fmt: skip
        html = render_mdt_summary(decide(patient, timeline=timeline, regimen=regimen))
        out.write_bytes(mdt_pack_pdf(patient.id, html, docs))
    except InputError as exc:
        exit_with_errors(exc, source=str(patient_file))
    typer.echo(f"MDT pack with {len(docs)} document(s) written to {out}")
