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
from tacepath.pathway.matching import match_trials
from tacepath.pathway.pathway import PathwayResult, pathway

__all__ = ["mdt_summary_html", "patient_summary_html", "write_pdf"]

_ENV = Environment(
    loader=PackageLoader("tacepath.report", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _css() -> str:
    return resources.files("tacepath.report").joinpath("templates/_style.css").read_text()


def _score(a: Any, name: str, fmt: str, keys: tuple[str, ...]) -> str:
    r = a[name]
    if isinstance(r, NotComputable):
        return "not computable (missing " + (", ".join(r.missing) or r.reason) + ")"
    d = r.to_dict()
    return fmt.format(*(d[k] for k in keys))


def _patient_facts(p: PatientSnapshot) -> dict[str, Any]:
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
    }


def _course(timeline: Timeline, regimen: str | None) -> dict[str, Any]:
    from tacepath.response.course import assess_response

    course = assess_response(timeline)
    last = course.recist11.assessments[-1]
    out: dict[str, Any] = {
        "regimen": regimen,
        "date": last.date.isoformat(),
        "recist11": last.overall,
        "mrecist": course.mrecist.assessments[-1].overall,
        "easl": course.easl.assessments[-1].overall,
        "recicl": course.recicl.assessments[-1].overall,
        "failure": course.tace_failure_status(last.date),
        "plot": None,
        "decision": None,
    }
    try:
        importlib.import_module("matplotlib")
    except ImportError:  # pragma: no cover - matplotlib is a declared extra
        pass
    else:
        import tempfile

        from tacepath.report.course_plot import plot_course

        with tempfile.TemporaryDirectory() as tmp:
            png = Path(tmp) / "course.png"
            plot_course(timeline, course, png)
            out["plot"] = base64.b64encode(png.read_bytes()).decode("ascii")
    if regimen is not None:
        from tacepath.pathway.followup import followup

        out["decision"] = followup(timeline, regimen).to_dict()
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


def mdt_summary_html(
    patient: PatientSnapshot, *, timeline: Timeline | None = None, regimen: str | None = None
) -> str:
    """The one-page MDT case summary as HTML (stage, course, options, questions, trials)."""
    if timeline is not None and timeline.id != patient.id:
        raise InputError("timeline.id", timeline.id, f"the patient's id {patient.id!r}")
    course = _course(timeline, regimen) if timeline is not None else None
    result = pathway(patient, timeline=timeline)
    failure = result.tace_failure
    failed = f"{failure.text}; {failure.note or failure.origin}" if failure else None
    deceased = f"deceased on {result.deceased.isoformat()}" if result.deceased else None
    d = result.to_dict()
    questions = next(s for s in d["steps"] if s["step"] == 4)["findings"]
    if questions == ["no open question from the encoded criteria"]:
        questions = []
    tmpl = _ENV.get_template("mdt_summary.html")
    return tmpl.render(
        css=_css(),
        version=__version__,
        generated=dt.date.today().isoformat(),
        p=_patient_facts(patient),
        course=course,
        tace_failed=failed,
        deceased=deceased,
        regimens=_with_latest(d["regimens"]),
        ordering_rule=d["ordering_rule"],
        questions=questions,
        matches=[m.to_dict() for m in match_trials(patient, timeline=timeline)],
        sources=_sources(result),
    )


_WHAT = {
    "tace": "TACE treats the tumours in the liver through the artery that feeds them; it is "
    "repeated when needed.",
    "tace+systemic": "TACE combined with medicine taken by mouth or by drip, which works "
    "throughout the body.",
    "systemic": "Medicine by drip, without TACE, for when TACE is not suitable.",
}


def _plain(n: dict[str, Any]) -> str:
    unit = n["unit"] or ""
    return f"{n['value']:g} {unit}".strip()


def _finding(res: dict[str, Any], e: dict[str, Any]) -> dict[str, str] | None:
    """One trial result in plain words (medians only; the trial's own endpoint named)."""
    meds = list(res["medians"].values())
    if len(meds) != 2 or e["comparator"] is None:
        return None
    a, b = meds
    name = str(res["endpoint"])
    low = name.lower()
    if "survival" in low and "progression" not in low and "pfs" not in low:
        what = "half of the patients were still alive after"
    else:
        what = f"the cancer was kept from progressing ({name}) for a median of"
    text = (
        f"In the {e['trial']} trial, {what} {_plain(a)} with {e['arm']}, "
        f"compared with {_plain(b)} with {e['comparator']}."
    )
    p = res["p"]
    if p is not None:
        if p["value"] < 0.05:
            text += " The trial judged this difference unlikely to be due to chance."
        else:
            text += " The trial could not show a clear difference."
    return {"text": text, "source": a["citation"]}


def patient_summary_html(patient: PatientSnapshot, *, timeline: Timeline | None = None) -> str:
    """A plain-language summary of the options for the patient (numbers from the registry).

    Only options that are eligible or need information are shown; after TACE failure no
    option containing TACE is named (one line says TACE is not repeated), and after death
    there are no options at all (docs/pathway.md)."""
    if timeline is not None and timeline.id != patient.id:
        raise InputError("timeline.id", timeline.id, f"the patient's id {patient.id!r}")
    result = pathway(patient, timeline=timeline)
    facts = _patient_facts(patient)
    options = []
    not_suitable = []
    regimens = [] if result.deceased else result.to_dict()["regimens"]
    for r in regimens:
        if r["status"] == "not_eligible":
            if result.tace_failure is not None and "tace" in r["components"]:
                continue  # said once below, never listed as an option
            why = r["reasons"][0].split(" — ")[-1] if r["reasons"] else ""
            not_suitable.append({"label": r["label"], "why": why})
            continue
        findings = []
        for e in r["evidence"]:
            for res in _latest_per_endpoint(e["results"])[:3]:
                f = _finding(res, e)
                if f:
                    findings.append(f)
        checks = [x.split(" — ")[0] for x in r["reasons"]]
        cautions = [c["text"] for c in r["caveats"] if c.get("conflict")]
        options.append(
            {
                "label": r["label"],
                "what": _WHAT[r["kind"]],
                "findings": findings,
                "checks": checks,
                "cautions": cautions,
            }
        )
    stage_text = (
        f"Stage (BCLC): {facts['bclc']}. Liver function (Child-Pugh): {facts['child_pugh']}. "
        f"Tumours: {facts['burden']}."
    )
    return _ENV.get_template("patient_summary.html").render(
        css=_css(),
        version=__version__,
        id=patient.id,
        date=facts["date"],
        stage_text=stage_text,
        options=options,
        not_suitable=not_suitable,
        tace_failed=_plain_failure(result.tace_failure) if result.tace_failure else None,
        deceased=result.deceased.isoformat() if result.deceased else None,
    )


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
    try:
        weasyprint: Any = importlib.import_module("weasyprint")
    except ImportError as exc:  # pragma: no cover - optional extra
        raise InputError(
            "--pdf", str(path), "WeasyPrint installed (pip install tacepath[pdf])"
        ) from exc
    out = Path(path)
    buf = io.BytesIO()
    weasyprint.HTML(string=html).write_pdf(buf)
    out.write_bytes(buf.getvalue())
    return out
