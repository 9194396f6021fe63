"""MDT case summary and plain-language patient summary (HTML, and PDF through WeasyPrint).

Both only show what the engines computed: scores from :mod:`tacepath.clinical`, the
pathway and trial matching from :mod:`tacepath.pathway`, the course from
:mod:`tacepath.response`, numbers from the evidence registry, each with its source.
Templates are Jinja2 (autoescaped); the PDF is the same HTML printed by WeasyPrint
(``pip install tacepath[pdf]``).
"""

from __future__ import annotations

import base64
import datetime as dt
import importlib
import io
import re
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from tacepath import __version__
from tacepath.clinical.assessment import NotComputable, assess
from tacepath.domain.patient import PatientSnapshot
from tacepath.domain.timeline import Timeline
from tacepath.errors import InputError
from tacepath.pathway.course_state import TaceFailureState
from tacepath.pathway.decision import PatientDecision, decide
from tacepath.pathway.pathway import PathwayResult
from tacepath.report import plain
from tacepath.report.figures import png_bytes

__all__ = [
    "environment",
    "mdt_questions",
    "mdt_summary_html",
    "patient_facts",
    "patient_summary_html",
    "pdf_bytes",
    "pdf_pages",
    "render_mdt_summary",
    "render_patient_summary",
    "stylesheet",
    "write_pdf",
]

_ENV = Environment(
    loader=PackageLoader("tacepath.report", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _css() -> str:
    return resources.files("tacepath.report").joinpath("templates/_style.css").read_text()


def environment() -> Environment:
    """The reports' Jinja2 environment (package templates, autoescaped)."""
    return _ENV


def stylesheet() -> str:
    """The printed documents' shared stylesheet (A4 pages)."""
    return _css()


def _score(a: Any, name: str, fmt: str, keys: tuple[str, ...]) -> str:
    r = a[name]
    if isinstance(r, NotComputable):
        return "not computable (missing " + (", ".join(r.missing) or r.reason) + ")"
    d = r.to_dict()
    return fmt.format(*(d[k] for k in keys))


def _patient_facts(p: PatientSnapshot) -> dict[str, Any]:
    """The key values a summary or a letter shows (the clinical engine's own results)."""
    a = assess(p)
    bclc = a["bclc"]
    if isinstance(bclc, NotComputable):
        stage = "not computable (missing " + ", ".join(bclc.missing) + ")"
    else:
        d = bclc.to_dict()
        stage = (
            str(d["stage"])
            if d["stage"]
            else "needs MDT judgement: "
            + "; ".join(
                d["reasons"]  # type: ignore[arg-type]
            )
        )
    tumours = (
        "not given"
        if p.tumours is None
        else f"{len(p.tumours)} tumour(s), largest {max(t.diameter_mm for t in p.tumours):g} mm"
        if p.tumours
        else "no tumour listed"
    )
    src = bclc.to_dict().get("source") if not isinstance(bclc, NotComputable) else None
    return {
        "id": p.id,
        "date": (p.assessment_date or p.date or dt.date.today()).isoformat(),
        "bclc": stage,
        "child_pugh": _score(a, "child_pugh", "{} ({} points)", ("class", "score")),
        "albi": _score(a, "albi", "grade {} ({:.2f})", ("grade", "score")),
        "meld_na": _score(a, "meld_na", "{}", ("score",)),
        "hap": _score(a, "hap", "{}", ("class",)),
        "ecog": "not given" if p.ecog is None else str(p.ecog),
        "burden": tumours,
        "mvi": {True: "yes", False: "no", None: "not given"}[p.macrovascular_invasion],
        "ehs": {True: "yes", False: "no", None: "not given"}[p.extrahepatic_spread],
        "stage_source": f"BCLC: {src['text']}" if isinstance(src, dict) else "",
        "warnings": list(a.warnings),
    }


patient_facts = _patient_facts


def _course(d: PatientDecision) -> dict[str, Any] | None:
    """The course block: latest responses, failure status, plot, and the decision's follow-up."""
    from tacepath.response.course import assess_response

    timeline = d.timeline
    if timeline is None:
        return None
    course = assess_response(timeline)
    last = course.recist11.assessments[-1]
    out: dict[str, Any] = {
        "regimen": d.regimen,
        "date": last.date.isoformat(),
        "recist11": last.overall,
        "mrecist": course.mrecist.assessments[-1].overall,
        "easl": course.easl.assessments[-1].overall,
        "recicl": course.recicl.assessments[-1].overall,
        "failure": course.tace_failure_status(last.date),
        "plot": None,
        "decision": d.followup.to_dict() if d.followup is not None else None,
    }
    try:
        importlib.import_module("matplotlib")
    except ImportError:  # pragma: no cover - matplotlib is a declared extra
        pass
    else:
        from tacepath.report.course_plot import plot_course

        out["plot"] = base64.b64encode(
            png_bytes(lambda path: plot_course(timeline, course, path))
        ).decode("ascii")
    return out


def _latest_per_endpoint(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """For each endpoint, its last listed analysis (registry files list the final one last)."""
    latest: dict[str, dict[str, Any]] = {}
    for r in results:
        latest[str(r["endpoint"])] = r
    return sorted(latest.values(), key=lambda r: not r.get("primary", False))


def _with_latest(regimens: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for r in regimens:
        for e in r["evidence"]:
            e["latest"] = _latest_per_endpoint(e["results"])
    return regimens


def _sources(result: PathwayResult) -> list[str]:
    seen: dict[str, None] = {}
    for r in result.regimens:
        for c in r.criteria:
            for part in c.citations or (c.citation,):
                seen.setdefault(part, None)
        for e in r.evidence:
            for res in e["results"]:
                for n in [*res["medians"].values(), res["hr"], res["p"]]:
                    if n:
                        seen.setdefault(n["citation"], None)
    return list(seen)


def _needs_snapshot(d: PatientDecision) -> tuple[PatientSnapshot, PathwayResult]:
    if d.patient is None or d.pathway is None:
        raise InputError("snapshot", None, "a snapshot of the patient (none recorded yet)")
    return d.patient, d.pathway


#: How many MDT questions and trials the first page lists (the rest are in the appendix).
_FIRST_PAGE_QUESTIONS = 3


def _questions(pd: dict[str, Any]) -> list[str]:
    found: list[str] = next(s for s in pd["steps"] if s["step"] == 4)["findings"]
    return [] if found == ["no open question from the encoded criteria"] else found


def mdt_questions(d: PatientDecision) -> list[str]:
    """The questions for the MDT the summary lists (the pathway's step 4); none without a
    snapshot."""
    if d.pathway is None:
        return []
    return _questions(d.pathway.to_dict())


def render_mdt_summary(d: PatientDecision) -> str:
    """The MDT case summary of a decision as HTML: one A4 page (stage, course, options,
    questions, trials), then the appendix (every reason, the evidence, trial criteria,
    sources) from page two."""
    patient, result = _needs_snapshot(d)
    failure = result.tace_failure
    failed = f"{failure.text}; {failure.note or failure.origin}" if failure else None
    deceased = f"deceased on {result.deceased.isoformat()}" if result.deceased else None
    pd = result.to_dict()
    questions = _questions(pd)
    return _ENV.get_template("mdt_summary.html").render(
        css=_css(),
        version=__version__,
        generated=dt.date.today().isoformat(),
        p=_patient_facts(patient),
        course=_course(d),
        plan=d.plan.to_dict() if d.plan is not None else None,
        plan_note=d.plan_note,
        tace_failed=failed,
        deceased=deceased,
        regimens=_with_latest(pd["regimens"]),
        ordering_rule=pd["ordering_rule"],
        questions=questions,
        first_questions=_FIRST_PAGE_QUESTIONS,
        matches=[m.to_dict() for m in d.matches],
        sources=_sources(result),
    )


def mdt_summary_html(
    patient: PatientSnapshot, *, timeline: Timeline | None = None, regimen: str | None = None
) -> str:
    """The MDT case summary of ``patient`` (:func:`render_mdt_summary` of its decision)."""
    return render_mdt_summary(decide(patient, timeline=timeline, regimen=regimen))


_WHAT = {
    "tace": "TACE treats the tumours in the liver through the artery that feeds them. It can be "
    "repeated when needed.",
    "tace+systemic": "TACE combined with medicine that works throughout the body, taken by "
    "mouth or given by drip.",
    "systemic": "Medicine that works throughout the body, without TACE, for when TACE is not "
    "suitable.",
}


def _plain(n: dict[str, Any]) -> str:
    unit = n["unit"] or ""
    return f"{n['value']:g} {unit}".strip()


def _finding(res: dict[str, Any], e: dict[str, Any]) -> dict[str, str] | None:
    """One trial result in plain words (medians only, read as "half of the patients")."""
    meds = list(res["medians"].values())
    if len(meds) != 2 or e["comparator"] is None:
        return None
    a, b = meds
    what = _plain_endpoint(str(res["endpoint"]))
    if what is None:
        return None
    text = (
        f"In the {e['trial']} trial, {what} {_plain(a)} with {_arm(e['arm'])}, "
        f"compared with {_plain(b)} with {_arm(e['comparator'])}."
    )
    p = res["p"]
    if p is not None:
        if p["value"] < 0.05:
            text += " The trial judged this difference unlikely to be due to chance."
        else:
            text += " The trial could not show a clear difference."
    return {"text": text, "source": _public_citation(a["citation"])}


def _plain_endpoint(endpoint: str) -> str | None:
    """Overall survival and (whole-disease) progression-free survival in plain words; other
    endpoints (TACE-specific PFS, time to untreatable progression, response rates…) have no
    honest one-line reading for a patient and stay in the MDT summary."""
    low = endpoint.lower()
    if low.startswith("overall survival"):
        return "half of the patients were still alive after"
    special = ("tace-specific", "untreatable", "untaceable", "time to")
    if (low.startswith("pfs") or low.startswith("progression-free")) and not any(
        w in low for w in special
    ):
        return "half of the patients were still free of cancer growth after"
    return None


def _arm(label: str) -> str:
    """An arm's label without the trial's abbreviation for it ("Lenvatinib alone (LEN)")."""
    return re.sub(r"\s*\([A-Z0-9+-]+\)$", "", label)


def _public_citation(citation: str) -> str:
    """A citation without the repository file it was read from (``seeds/….txt``)."""
    return re.sub(r";\s*[\w./-]+\.(?:txt|md)\b", "", citation)


def _plain_stage(facts: dict[str, Any]) -> str:
    stage = facts["bclc"]
    if len(stage) > 3:  # not a stage letter: judgement or missing inputs
        stage = "not settled yet; your team will decide it together"
    cp = facts["child_pugh"]
    if cp.startswith("not computable"):
        cp = "not known yet (some blood test results are missing)"
    return (
        f"Stage of the cancer (BCLC): {stage}. How well your liver works (Child-Pugh score): "
        f"{cp}. Tumours: {facts['burden']}."
    )


def _plain_option(r: dict[str, Any]) -> dict[str, Any]:
    findings = []
    for e in r["evidence"]:
        for res in _latest_per_endpoint(e["results"])[:3]:
            f = _finding(res, e)
            if f:
                findings.append(f)
    open_ = [c for c in r["criteria"] if c["result"] in ("unknown", "caution")]
    return {
        "label": r["label"],
        "what": _WHAT[r["kind"]],
        "findings": findings,
        "checks": list(dict.fromkeys(plain.check_words(c) for c in open_)),
        "negative": bool(r["labels"]),
    }


def render_patient_summary(d: PatientDecision) -> str:
    """A plain-language summary of a decision's options (numbers from the registry).

    Only the decision's options (eligible or needing information) are shown; after TACE
    failure no option containing TACE is named (one line says TACE is not repeated), after
    death there are no options at all (docs/pathway.md). The reading level of the rendered
    text is measured and written into the document's metadata."""
    patient, result = _needs_snapshot(d)
    facts = _patient_facts(patient)
    shown = {r.id for r in d.options}
    regimens = [] if result.deceased else result.to_dict()["regimens"]
    options = [_plain_option(r) for r in regimens if r["id"] in shown]
    not_suitable = []
    criteria: list[dict[str, Any]] = []
    for r in regimens:
        criteria.extend(r["criteria"])
        if r["id"] in shown:
            continue
        if result.tace_failure is not None and "tace" in r["components"]:
            continue  # said once, never listed as an option
        failed = [c for c in r["criteria"] if c["result"] == "fail"]
        why = "; ".join(dict.fromkeys(plain.check_words(c) for c in failed[:2]))
        not_suitable.append({"label": r["label"], "why": why, "negative": bool(r["labels"])})
    context = {
        "css": _css(),
        "version": __version__,
        "id": patient.id,
        "date": facts["date"],
        "stage_text": _plain_stage(facts),
        "options": options,
        "not_suitable": not_suitable,
        "opens": [] if result.deceased else plain.openers(criteria),
        "tace_failed": _plain_failure(result.tace_failure) if result.tace_failure else None,
        "deceased": result.deceased.isoformat() if result.deceased else None,
        "glossary": [],
        "reading": None,
    }
    tmpl = _ENV.get_template("patient_summary.html")
    text = plain.visible_text(tmpl.render(**context), skip_sources=True)
    context["glossary"] = [
        v for k, v in plain.abbreviations().items() if re.search(rf"\b{k}\b", text)
    ]
    text = plain.visible_text(tmpl.render(**context), skip_sources=True)
    context["reading"] = plain.reading_level(text)
    return tmpl.render(**context)


def patient_summary_html(patient: PatientSnapshot, *, timeline: Timeline | None = None) -> str:
    """The plain-language summary of ``patient`` (:func:`render_patient_summary`)."""
    return render_patient_summary(decide(patient, timeline=timeline))


#: A TACE failure in the patient's words (the criterion ids are the timeline's).
_PLAIN_FAILURE = {
    "untaceable_progression": "the cancer grew in a way that TACE can no longer treat",
    "jsh_refractoriness": "TACE no longer kept the tumours under control",
}


def _plain_failure(failure: TaceFailureState) -> str:
    when = f" (noted on {failure.date.isoformat()})" if failure.date is not None else ""
    return _PLAIN_FAILURE.get(failure.criterion, "TACE stopped working") + when


def write_pdf(html: str, path: Path | str) -> Path:
    """Print the HTML to PDF with WeasyPrint (``pip install tacepath[pdf]``)."""
    out = Path(path)
    out.write_bytes(pdf_bytes(html, where=str(path)))
    return out


def pdf_bytes(html: str, *, where: str = "PDF") -> bytes:
    """The HTML printed to PDF by WeasyPrint, as bytes (``pip install tacepath[pdf]``)."""
    try:
        weasyprint: Any = importlib.import_module("weasyprint")
    except ImportError as exc:  # pragma: no cover - optional extra
        raise InputError(
            "--pdf", where, "WeasyPrint installed (pip install tacepath[pdf])"
        ) from exc
    buf = io.BytesIO()
    weasyprint.HTML(string=html).write_pdf(buf)
    return buf.getvalue()


def pdf_pages(html: str) -> list[tuple[str, ...]]:
    """The element ids that start on each printed page (WeasyPrint's layout), page by page:
    how a test sees on which page a part of a summary begins."""
    weasyprint: Any = importlib.import_module("weasyprint")
    doc = weasyprint.HTML(string=html).render()
    return [tuple(page.anchors) for page in doc.pages]
