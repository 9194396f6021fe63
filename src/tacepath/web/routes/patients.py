"""Patient pages: list and search, new patient, the patient page, course and follow-up forms."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi import Path as PathParam
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, RedirectResponse, Response

from tacepath.errors import InputError, Problem
from tacepath.http.deps import RecordId, Require, get_db
from tacepath.service import clinical, followups, meetings, patients
from tacepath.service.errors import AlreadyExists, NotFound, StaleVersion
from tacepath.service.principal import Principal
from tacepath.web import forms
from tacepath.web.messages import explain
from tacepath.web.render import page

router = APIRouter()

SCORES = (
    ("child_pugh", "Child-Pugh"),
    ("albi", "ALBI"),
    ("malbi", "mALBI"),
    ("meld", "MELD"),
    ("meld_na", "MELD-Na"),
    ("meld_3", "MELD 3.0"),
    ("bclc", "BCLC stage"),
    ("milan", "Milan criteria"),
    ("up_to_seven", "Up-to-seven"),
    ("six_and_twelve", "Six-and-twelve"),
    ("hap", "HAP"),
    ("mhap2", "mHAP-II"),
)


def _form(raw: Any) -> dict[str, str]:
    return {k: v for k, v in raw.items() if isinstance(v, str)}


@router.get("/patients")
def patient_list(
    request: Request,
    q: str = Query("", max_length=64),
    who: Principal = Depends(Require("patient.read")),
) -> HTMLResponse:
    rows = patients.list_patients(get_db(request), who, q or None)
    if request.headers.get("HX-Request"):
        return page(request, "_patient_rows.html", {"rows": rows, "q": q}, who=who)
    return page(request, "patients.html", {"rows": rows, "q": q}, who=who, title="Patients")


#: What the snapshot form draws its fields from (every field of the patient contract).
SNAPSHOT_FIELDS = {
    "lab_names": forms.LAB_NAMES,
    "lab_units": forms.LAB_UNITS,
    "patient_flags": forms.PATIENT_FLAGS,
    "history_choices": forms.HISTORY_CHOICES,
    "history_flags": forms.HISTORY_FLAGS,
    "history_numbers": forms.HISTORY_NUMBERS,
    "history_dates": forms.HISTORY_DATES,
    "tace_failure_criteria": forms.TACE_FAILURE_CRITERIA,
}


def _errors(
    problems: list[Problem], form: dict[str, str], pfx: str | None = None
) -> dict[str, Any]:
    """The messages of a refused form: the list, and each input's (``fe``); with the form's
    id prefix ``pfx``, each message of the list links to its input."""
    explained = explain(problems, form)
    return {"messages": explained.messages, "fe": explained.by_input, "error_pfx": pfx}


def _new_context(form: dict[str, str], problems: list[Problem]) -> dict[str, Any]:
    return {"form": form, **SNAPSHOT_FIELDS, **_errors(problems, form, "")}


@router.get("/patients/new")
def new_patient_form(
    request: Request, who: Principal = Depends(Require("patient.write"))
) -> HTMLResponse:
    return page(request, "patient_new.html", _new_context({}, []), who=who, title="New patient")


@router.post("/patients/new")
async def new_patient(
    request: Request, who: Principal = Depends(Require("patient.write"))
) -> Response:
    form = _form(await request.form())
    raw, problems = forms.snapshot_from_form(form)
    problems += patients.check_snapshot(raw)
    if not problems:
        try:
            created = await run_in_threadpool(patients.create_patient, get_db(request), who, raw)
            return RedirectResponse(f"/patients/{created['id']}", status_code=303)
        except InputError as exc:
            problems = list(exc.problems)
        except AlreadyExists:
            problems = [Problem("id", raw.get("id"), f"an id not yet used in {who.organisation}")]
    return page(
        request,
        "patient_new.html",
        _new_context(form, problems),
        who=who,
        status=422,
        title="New patient",
    )


#: The measurements of a lesion whose last value the follow-up form shows beside its input.
_MEASURED = (
    "longest_mm",
    "perpendicular_mm",
    "viable_longest_mm",
    "viable_perpendicular_mm",
    "short_axis_mm",
)


def _was(value: Any, date: str, unit: str = " mm") -> str:
    shown = f"{value:g}{unit}" if isinstance(value, int | float) else str(value)
    return f"was {shown} on {date}"


def _lesion_rows(
    record: dict[str, Any],
) -> tuple[
    list[dict[str, Any]],
    list[dict[str, Any]],
    list[dict[str, Any]],
    dict[str, str],
    dict[str, dict[str, str]],
]:
    """Every lesion the course has recorded, for the next visit's form: the measured lesions
    and non-target lesions of every visit (baseline first, then those recorded later, e.g. a
    new lesion measured after the TACE that treated it), the new lesions of the last visit
    that are still listed as new (carried forward with their id), each lesion's last
    measurement in words, and per lesion and input its last recorded value and date (shown
    beside the input). A visit entered on this form can then not lose a lesion."""
    tl = record.get("timeline")
    if not tl:
        return [], [], [], {}, {}
    lesions: dict[str, dict[str, Any]] = {}
    non_target: dict[str, dict[str, Any]] = {}
    last: dict[str, str] = {}
    prev: dict[str, dict[str, str]] = {}
    for a in tl["assessments"]:
        for les in a["lesions"]:
            lesions.setdefault(les["id"], les)
            size = les.get("longest_mm")
            viable = les.get("viable_longest_mm")
            words = f"{size:g} mm" if size is not None else les.get("status", "")
            if viable is not None:
                words += f", viable {viable:g} mm"
            last[les["id"]] = f"last {a['date']}: {words}"
            values = prev.setdefault(les["id"], {})
            for k in _MEASURED:
                if les.get(k) is not None:
                    values[k] = _was(les[k], a["date"])
            if les.get("status"):
                values["status"] = _was(les["status"], a["date"])
        for nt in a["non_target"]:
            non_target.setdefault(nt["id"], nt)
            last[nt["id"]] = f"last {a['date']}: {nt.get('status', '')}"
            values = prev.setdefault(nt["id"], {})
            values["status"] = _was(nt.get("status", "present"), a["date"])
            if nt.get("viable") is not None:
                values["viable"] = _was("yes" if nt["viable"] else "no", a["date"])
    latest = tl["assessments"][-1]
    carried = []
    for nl in latest.get("new_lesions", []):
        ident = nl.get("id")
        if ident and ident not in lesions and ident not in non_target:
            carried.append(nl)
            size = nl.get("longest_mm")
            last[ident] = f"last {latest['date']}: " + (f"{size:g} mm" if size else "seen")
            if size:
                prev.setdefault(ident, {})["longest_mm"] = _was(size, latest["date"])
    return list(lesions.values()), list(non_target.values()), carried, last, prev


def patient_context(
    request: Request,
    who: Principal,
    patient_id: int,
    *,
    form: dict[str, str] | None = None,
    problems: list[Problem] | None = None,
    snapshot_form: dict[str, str] | None = None,
    preview: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The patient page's context; ``form``/``snapshot_form`` is the refused (or previewed)
    follow-up or snapshot form, kept as typed, with its ``problems``; ``preview`` what the
    follow-up form would give if saved."""
    view = clinical.patient_view(get_db(request), who, patient_id)
    record = view["record"]
    lesions, non_target, carried, last_seen, previous = _lesion_rows(record)
    plan, plan_note = view["plan"], view["plan_note"]
    if plan is None and not plan_note and not (record.get("regimen") and record.get("start_date")):
        plan_note = "Set the course start date and regimen to see the plan."
    return {
        **view,
        "mdt_outcomes": meetings.patient_outcomes(get_db(request), who, patient_id),
        "scores": SCORES,
        "regimens": patients.regimen_choices(),
        "lesions": lesions,
        "non_target": non_target,
        "first_entry": record.get("timeline") is None,
        "lesion_rows": len(lesions) + forms.ADDED_LESION_ROWS if lesions else forms.LESION_ROWS,
        "new_rows": forms.NEW_LESION_ROWS + len(carried),
        "carried_new": carried,
        "last_seen": last_seen,
        "previous": previous,
        "ae_rows": forms.AE_ROWS,
        "ctcae_terms": forms.CTCAE_TERMS,
        "organs": forms.ORGANS,
        **SNAPSHOT_FIELDS,
        "schedule": plan,
        "schedule_note": plan_note,
        "form": form or {},
        "preview": preview,
        "snapshot_form": snapshot_form
        if snapshot_form is not None
        else _new_snapshot_form(record.get("snapshot")),
        "snapshot_refused": snapshot_form is not None,
        **(
            _errors(problems or [], snapshot_form, "s-")
            if snapshot_form is not None
            else _errors(problems or [], form or {})
        ),
    }


def _new_snapshot_form(current: dict[str, Any] | None) -> dict[str, str]:
    """The current snapshot's values, dated today: a new snapshot starts from them."""
    f = forms.form_from_snapshot(current)
    f.pop("id", None)
    today = dt.datetime.now(dt.UTC).date().isoformat()
    f["date"] = f["assessment_date"] = today
    return f


@router.get("/patients/{patient_id}")
def patient_page(
    request: Request,
    patient_id: str = PathParam(..., max_length=10_000),
    who: Principal = Depends(Require("patient.read")),
) -> Response:
    """The patient page; an organisation's identifier (MRN) in place of the record number
    redirects to the record (404 when the organisation has no such patient)."""
    if len(patient_id) > 64:
        raise NotFound("patient", patient_id[:64] + "…")
    if not (patient_id.isascii() and patient_id.isdigit()) or not 1 <= int(patient_id) < 2**31:
        number = patients.patient_id_for(get_db(request), who, patient_id)
        return RedirectResponse(f"/patients/{number}", status_code=303)
    return _patient_page(request, who, int(patient_id))


def _version(form: dict[str, str]) -> int | None:
    try:
        return int(form.get("version", ""))
    except ValueError:
        return None


async def _write(save: Callable[[], object]) -> tuple[list[Problem], int]:
    """Run a write of a patient form: no problems when it is saved, else the problems to show
    beside the fields and the status (422 for the input, 409 for a stale version)."""
    try:
        await run_in_threadpool(save)
    except InputError as exc:
        return list(exc.problems), 422
    except StaleVersion as exc:
        return [Problem("version", exc.given, f"the current version ({exc.current}): {exc}")], 409
    return [], 200


def _patient_page(
    request: Request, who: Principal, patient_id: int, *, status: int = 200, **shown: Any
) -> HTMLResponse:
    """The patient page, with what a refused or previewed form adds to it (``shown``)."""
    ctx = patient_context(request, who, patient_id, **shown)
    return page(
        request,
        "patient.html",
        ctx,
        who=who,
        status=status,
        title=f"Patient {ctx['record']['mrn']}",
    )


@router.post("/patients/{patient_id}/course")
async def course(
    patient_id: RecordId, request: Request, who: Principal = Depends(Require("patient.write"))
) -> Response:
    form = _form(await request.form())
    changes = {
        k: form.get(k, "") or None
        for k in ("start_date", "regimen", "last_contact_date", "death_date")
    }
    problems, status = await _write(
        lambda: patients.update_course(
            get_db(request), who, patient_id, changes, version=_version(form)
        )
    )
    if problems:
        return _patient_page(request, who, patient_id, status=status, problems=problems)
    return RedirectResponse(f"/patients/{patient_id}#course", status_code=303)


@router.post("/patients/{patient_id}/followup")
async def followup(
    patient_id: RecordId, request: Request, who: Principal = Depends(Require("followup.record"))
) -> Response:
    form = _form(await request.form())
    first = form.get("first_entry") == "yes"
    payload, problems = forms.followup_from_form(form, first=first)
    status = 422
    if problems:  # the engines' problems of what could be read, with the form's
        problems += await run_in_threadpool(
            followups.check_followup, get_db(request), who, patient_id, payload
        )
    else:
        problems, status = await _write(
            lambda: followups.record_followup(
                get_db(request), who, patient_id, payload, version=_version(form)
            )
        )
        if not problems:
            return RedirectResponse(f"/patients/{patient_id}#decision", status_code=303)
    return _patient_page(request, who, patient_id, status=status, form=form, problems=problems)


@router.post("/patients/{patient_id}/followup/preview")
async def followup_preview(
    patient_id: RecordId, request: Request, who: Principal = Depends(Require("followup.record"))
) -> Response:
    """The follow-up form's responses and decision before saving (nothing is stored): the
    page again, the form kept as typed, with the preview above the form."""
    form = _form(await request.form())
    payload, problems = forms.followup_from_form(form, first=form.get("first_entry") == "yes")
    preview = None
    if problems:
        problems += await run_in_threadpool(
            followups.check_followup, get_db(request), who, patient_id, payload
        )
    else:
        try:
            preview = await run_in_threadpool(
                followups.preview_followup, get_db(request), who, patient_id, payload
            )
        except InputError as exc:
            problems = list(exc.problems)
    return _patient_page(
        request,
        who,
        patient_id,
        status=200 if preview is not None else 422,
        form=form,
        problems=problems,
        preview=preview,
    )


@router.post("/patients/{patient_id}/snapshot")
async def new_snapshot(
    patient_id: RecordId, request: Request, who: Principal = Depends(Require("patient.write"))
) -> Response:
    """A new dated snapshot from the form (earlier snapshots are kept)."""
    form = _form(await request.form())
    raw, problems = forms.snapshot_from_form({k: v for k, v in form.items() if k != "id"})
    problems += patients.check_snapshot(raw, "-")  # the record gives the id
    problems = [p for p in problems if p.field != "id"]
    status = 422
    if not problems:
        problems, status = await _write(
            lambda: patients.add_snapshot(
                get_db(request), who, patient_id, raw, version=_version(form)
            )
        )
        if not problems:
            return RedirectResponse(f"/patients/{patient_id}#scores", status_code=303)
    return _patient_page(
        request, who, patient_id, status=status, problems=problems, snapshot_form=form
    )
