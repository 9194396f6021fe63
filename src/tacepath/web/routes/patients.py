"""Patient pages: list and search, new patient, the patient page, course and follow-up forms."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, RedirectResponse, Response

from tacepath.errors import InputError, Problem
from tacepath.http.deps import RecordId, Require, get_db
from tacepath.http.errors import problems_json
from tacepath.service import clinical, followups, patients
from tacepath.service.errors import StaleVersion
from tacepath.service.principal import Principal
from tacepath.web import forms
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


def _new_context(form: dict[str, str], problems: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "form": form,
        "problems": problems,
        "lab_names": forms.LAB_NAMES,
        "lab_units": forms.LAB_UNITS,
    }


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
    if not problems:
        try:
            created = await run_in_threadpool(patients.create_patient, get_db(request), who, raw)
            return RedirectResponse(f"/patients/{created['id']}", status_code=303)
        except InputError as exc:
            problems = list(exc.problems)
    return page(
        request,
        "patient_new.html",
        _new_context(form, problems_json(problems)),
        who=who,
        status=422,
        title="New patient",
    )


def _lesion_rows(record: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The lesions the follow-up form asks about: those measured at baseline."""
    tl = record.get("timeline")
    if not tl:
        return [], []
    base = tl["assessments"][0]
    return list(base["lesions"]), list(base["non_target"])


def patient_context(
    request: Request,
    who: Principal,
    patient_id: int,
    *,
    form: dict[str, str] | None = None,
    problems: list[Problem] | None = None,
) -> dict[str, Any]:
    view = clinical.patient_view(get_db(request), who, patient_id)
    record = view["record"]
    lesions, non_target = _lesion_rows(record)
    plan, plan_note = view["plan"], view["plan_note"]
    if plan is None and not plan_note and not (record.get("regimen") and record.get("start_date")):
        plan_note = "Set the course start date and regimen to see the plan."
    return {
        **view,
        "scores": SCORES,
        "regimens": patients.regimen_choices(),
        "lesions": lesions,
        "non_target": non_target,
        "first_entry": record.get("timeline") is None,
        "lesion_rows": max(len(lesions), forms.LESION_ROWS if not lesions else 0),
        "new_rows": forms.NEW_LESION_ROWS,
        "ae_rows": forms.AE_ROWS,
        "organs": forms.ORGANS,
        "lab_names": forms.LAB_NAMES,
        "lab_units": forms.LAB_UNITS,
        "schedule": plan,
        "schedule_note": plan_note,
        "form": form or {},
        "problems": problems_json(problems or []),
    }


@router.get("/patients/{patient_id}")
def patient_page(
    patient_id: RecordId, request: Request, who: Principal = Depends(Require("patient.read"))
) -> HTMLResponse:
    ctx = patient_context(request, who, patient_id)
    return page(request, "patient.html", ctx, who=who, title=f"Patient {ctx['record']['mrn']}")


def _version(form: dict[str, str]) -> int | None:
    try:
        return int(form.get("version", ""))
    except ValueError:
        return None


@router.post("/patients/{patient_id}/course")
async def course(
    patient_id: RecordId, request: Request, who: Principal = Depends(Require("patient.write"))
) -> Response:
    form = _form(await request.form())
    changes = {
        k: form.get(k, "") or None
        for k in ("start_date", "regimen", "last_contact_date", "death_date")
    }
    try:
        await run_in_threadpool(
            patients.update_course,
            get_db(request),
            who,
            patient_id,
            changes,
            version=_version(form),
        )
    except (InputError, StaleVersion) as exc:
        probs = (
            list(exc.problems)
            if isinstance(exc, InputError)
            else [Problem("version", exc.given, f"the current version {exc.current}: {exc}")]
        )
        ctx = patient_context(request, who, patient_id, problems=probs)
        return page(
            request,
            "patient.html",
            ctx,
            who=who,
            status=409 if isinstance(exc, StaleVersion) else 422,
            title=f"Patient {ctx['record']['mrn']}",
        )
    return RedirectResponse(f"/patients/{patient_id}#course", status_code=303)


@router.post("/patients/{patient_id}/followup")
async def followup(
    patient_id: RecordId, request: Request, who: Principal = Depends(Require("followup.record"))
) -> Response:
    form = _form(await request.form())
    first = form.get("first_entry") == "yes"
    payload, problems = forms.followup_from_form(form, first=first)
    status = 422
    if not problems:
        try:
            await run_in_threadpool(
                followups.record_followup,
                get_db(request),
                who,
                patient_id,
                payload,
                version=_version(form),
            )
            return RedirectResponse(f"/patients/{patient_id}#decision", status_code=303)
        except InputError as exc:
            problems = list(exc.problems)
        except StaleVersion as exc:
            problems = [Problem("version", exc.given, f"the current version ({exc})")]
            status = 409
    ctx = patient_context(request, who, patient_id, form=form, problems=problems)
    return page(
        request,
        "patient.html",
        ctx,
        who=who,
        status=status,
        title=f"Patient {ctx['record']['mrn']}",
    )
