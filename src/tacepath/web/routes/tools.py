"""Reconstruction and import pages."""

from __future__ import annotations

import base64
import json
from typing import Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, RedirectResponse, Response

from tacepath.errors import InputError
from tacepath.http.deps import Require, get_db
from tacepath.http.errors import problems_json
from tacepath.service import interop
from tacepath.service import reconstruct as recon
from tacepath.service.principal import Principal
from tacepath.web.render import page

router = APIRouter()


def _int(text: str, name: str) -> int | None:
    if not text.strip():
        return None
    try:
        return int(text)
    except ValueError as exc:
        raise InputError(name, text, "a whole number") from exc


@router.get("/reconstruct")
def reconstruct_form(
    request: Request, who: Principal = Depends(Require("reconstruct.run"))
) -> HTMLResponse:
    return page(
        request,
        "reconstruct.html",
        {"result": None, "problems": [], "form": {}},
        who=who,
        title="Reconstruction",
    )


@router.post("/reconstruct")
async def reconstruct(
    request: Request,
    curve: UploadFile = File(...),
    at_risk: UploadFile | None = File(None),
    events: str = Form("", max_length=20),
    arm: str = Form("", max_length=60),
    percent: str = Form(""),
    who: Principal = Depends(Require("reconstruct.run")),
) -> HTMLResponse:
    form = {"events": events, "arm": arm, "percent": percent}
    curve_bytes = await curve.read(recon.MAX_CSV_BYTES + 1)
    risk = await at_risk.read(recon.MAX_CSV_BYTES + 1) if at_risk is not None else b""
    try:
        n_events = _int(events, "events")
        out: dict[str, Any] = await run_in_threadpool(
            lambda: recon.reconstruct(
                who,
                curve=curve_bytes,
                at_risk=risk or None,
                events=n_events,
                arm=arm.strip() or None,
                percent=percent == "on",
            )
        )
    except InputError as exc:
        return page(
            request,
            "reconstruct.html",
            {"result": None, "form": form, "problems": problems_json(exc.problems)},
            who=who,
            status=422,
            title="Reconstruction",
        )
    png = out.pop("png")
    out["png_base64"] = base64.b64encode(png).decode() if png else None
    # nothing is stored (published figures, not records): the downloads carry their bytes
    out["downloads"] = _downloads(out, (arm.strip() or "ipd"))
    return page(
        request,
        "reconstruct.html",
        {"result": out, "problems": [], "form": form},
        who=who,
        title="Reconstruction",
    )


def _downloads(out: dict[str, Any], label: str) -> list[dict[str, str]]:
    """The reconstruction's files as ``data:`` links: the IPD (formula-safe CSV), the
    accuracy report (JSON) and the figure (PNG); ``label`` names them (letters, digits,
    ``-`` and ``_`` of the arm label, at most 40)."""
    stem = (
        "reconstructed-"
        + ("".join(c if c.isascii() and (c.isalnum() or c in "-_") else "_" for c in label)[:40])
    )
    files = [
        (f"{stem}.csv", "text/csv", out["ipd_csv"].encode(), "Reconstructed IPD (CSV)"),
        (
            f"{stem}-accuracy.json",
            "application/json",
            json.dumps(out["result"], indent=2).encode(),
            "Accuracy report (JSON)",
        ),
    ]
    if out.get("png_base64"):
        files.append(
            (f"{stem}.png", "image/png", base64.b64decode(out["png_base64"]), "Figure (PNG)")
        )
    return [
        {
            "name": name,
            "label": text,
            "href": f"data:{kind};base64,{base64.b64encode(data).decode()}",
        }
        for name, kind, data, text in files
    ]


@router.get("/import")
def import_form(
    request: Request, who: Principal = Depends(Require("interop.import"))
) -> HTMLResponse:
    return page(request, "import.html", {"report": None, "problems": []}, who=who, title="Import")


@router.post("/import/fhir")
async def import_fhir(
    request: Request,
    file: UploadFile = File(...),
    who: Principal = Depends(Require("interop.import")),
) -> Response:
    data = await file.read(interop.MAX_UPLOAD_BYTES + 1)
    try:
        bundle = interop.bundle_from_bytes(data, file.filename)
        report = await run_in_threadpool(interop.import_fhir, get_db(request), who, bundle)
    except InputError as exc:
        return page(
            request,
            "import.html",
            {"report": None, "problems": problems_json(exc.problems)},
            who=who,
            status=422,
            title="Import",
        )
    return page(
        request,
        "import.html",
        {"report": report, "kind": "fhir", "problems": []},
        who=who,
        title="Import",
    )


@router.post("/import/csv")
async def import_csv(
    request: Request,
    file: UploadFile = File(...),
    who: Principal = Depends(Require("interop.import")),
) -> Response:
    data = await file.read(interop.MAX_UPLOAD_BYTES + 1)
    try:
        report = await run_in_threadpool(interop.import_csv, get_db(request), who, data)
    except InputError as exc:
        return page(
            request,
            "import.html",
            {"report": None, "problems": problems_json(exc.problems)},
            who=who,
            status=422,
            title="Import",
        )
    if len(report["created"]) + len(report["updated"]) == 0:
        return RedirectResponse("/patients", status_code=303)
    return page(
        request,
        "import.html",
        {"report": report, "kind": "csv", "problems": []},
        who=who,
        title="Import",
    )
