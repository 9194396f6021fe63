"""The navigator's day in a real browser (Debian's chromium), each step photographed at 1366
and 390 px and checked with axe-core (no serious or critical violation, no sideways scroll):
the worklist's MDT item followed to its patient, a report attached, the patient added to an
MDT meeting with that report, the meeting's pack downloaded (its pages and text read back),
the MDT's outcome recorded (TACE is not offered after TACE failure), the outcome on the
patient page, then the letter to oncology as PDF and DOCX, and the letter templates.
Screenshots go to ``out/screenshots/journeys/``."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from tests.platform.conftest import example, system
from tests.platform.test_journeys import SLOW_MS, Journey, Site, browser, site

pypdf = pytest.importorskip("pypdf")
docx = pytest.importorskip("docx")
playwright = pytest.importorskip("playwright.sync_api")
__all__ = ["browser", "site"]  # the fixtures, shared with the other journeys


def _course(s: Site, mrn: str, timeline: str) -> int:
    from tacepath.service import patients

    nav = system(s.org, "navigator")
    pid: int = patients.create_patient(
        s.db, nav, {**example("pathway/intermediate_candidate.json"), "id": mrn}
    )["id"]
    tl = {**example(f"timelines/{timeline}.json"), "id": mrn}
    patients.replace_timeline(s.db, nav, pid, tl, version=1)
    version = patients.get_record(s.db, nav, pid).version
    patients.update_course(s.db, nav, pid, {"regimen": "tace-sorafenib"}, version=version)
    return pid


def test_navigator_day(browser: Any, site: Site, tmp_path: Path) -> None:
    pid = _course(site, "P003", "P003_untaceable_intrahepatic")
    _course(site, "P002", "P002_complete_response")
    j = Journey(browser, site, "navigator-day")
    page = j.page
    j.sign_in("a-navigator")
    page.goto(f"{site.base}/worklist?from=2026-01-01&to=2026-12-31&type=mdt")
    rows = page.locator("tbody tr").all_inner_texts()
    assert any("P003" in r and "MDT discussion" in r for r in rows), rows
    j.step("worklist")
    page.get_by_role("link", name="P003").first.click()
    page.wait_for_url(f"**/patients/{pid}")
    j.step("patient")

    # attach the imaging report the MDT needs
    page.get_by_role("link", name="Attach or open documents").click()
    report = tmp_path / "ct.txt"
    report.write_text("CT 2026-06-29: new lesions in both lobes, untreatable by TACE.\n")
    page.get_by_label("Kind").select_option("imaging_report")
    page.get_by_label("Title").fill("CT 2026-06-29")
    page.get_by_label("Date of the document").fill("2026-06-29")
    page.locator("#doc-file").set_input_files(str(report))
    page.get_by_role("button", name="Attach").click()
    page.locator("tbody tr").filter(has_text="CT 2026-06-29").wait_for()
    j.step("documents")

    # a meeting, the patient on it with the report, the pack
    page.get_by_role("link", name="MDT meetings").click()
    page.get_by_label("Date").fill("2026-07-01")
    page.get_by_label("Title").fill("Liver MDT")
    page.get_by_role("button", name="Create the meeting").click()
    page.wait_for_url("**/meetings/*")
    option = page.locator("#add-patient-id option").first.inner_text()
    assert option.startswith("P003 — MDT item due 2026-06-29"), option
    page.get_by_label("Patient", exact=False).select_option(label=option)
    page.get_by_role("button", name="Add to the meeting").click()
    page.get_by_label("Imaging report, 2026-06-29: CT 2026-06-29").check()
    page.get_by_role("button", name="Save the documents for P003").click()
    playwright.expect(
        page.get_by_label("Imaging report, 2026-06-29: CT 2026-06-29")
    ).to_be_checked()
    j.step("meeting")
    pack = j.download("Download the meeting's pack (PDF)", tmp_path, "pack.pdf")
    reader = pypdf.PdfReader(io.BytesIO(pack.read_bytes()))
    contents = reader.pages[0].extract_text()
    assert "MDT meeting: Liver MDT" in contents
    assert "1 P003" in contents
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert "MDT pack: patient P003" in text
    assert "untreatable by TACE" in text

    # the outcome: only what the decision offers (no TACE after TACE failure)
    choice = page.get_by_label("MDT outcome")
    values = choice.locator("option").evaluate_all("os => os.map(o => o.value)")
    assert values[-2:] == ["defer", "other"]
    assert not [v for v in values if "tace" in v], values
    chosen = values[0]
    choice.select_option(chosen)
    page.get_by_label("What the MDT decided").fill("Systemic therapy; oncology referral today.")
    page.get_by_role("button", name="Record the outcome for P003").click()
    playwright.expect(page.locator("#patient-" + str(pid) + " .decision")).to_contain_text(
        "Systemic therapy; oncology referral today."
    )
    j.step("outcome")
    page.get_by_role("link", name="P003").first.click()
    playwright.expect(page.locator("table.mdt-outcomes")).to_contain_text("Liver MDT")
    j.step("patient_after_mdt")

    # the letter to oncology, PDF and DOCX
    page.get_by_role("link", name="Attach or open documents").click()
    page.get_by_label("To", exact=True).select_option("oncology")
    with page.expect_download(timeout=SLOW_MS) as dl:
        page.get_by_role("button", name="Letter (PDF)").click()
    letter = pypdf.PdfReader(io.BytesIO(Path(dl.value.path()).read_bytes()))
    first = letter.pages[0].extract_text()
    assert "Referral for assessment for systemic therapy: patient P003" in first
    assert "TACE failure" in first
    with page.expect_download(timeout=SLOW_MS) as dl:
        page.get_by_role("button", name="Letter (DOCX)").click()
    assert dl.value.suggested_filename == f"letter-oncology-{pid}.docx"
    word = docx.Document(io.BytesIO(Path(dl.value.path()).read_bytes()))
    paragraphs = "\n".join(p.text for p in word.paragraphs)
    assert "Referral for assessment for systemic therapy: patient P003" in paragraphs
    assert "TACE failure" in paragraphs
    j.step("letters")
    page.get_by_role("link", name="Letters", exact=True).click()
    page.get_by_role("link", name="Family doctor").click()
    playwright.expect(page.get_by_label("Template", exact=False)).to_contain_text("pieces.plan")
    j.step("letter_templates")
    j.close()
