"""The navigator's day in a real browser (Debian's chromium): the worklist, filtered; an item
followed to its patient; a report attached there (a renamed Word file refused by its content);
the CSV downloaded. Screenshots at 1366 and 390 px go to ``out/screenshots/``.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from tests.platform.conftest import (
    ARGS,
    CHROMIUM,
    SHOTS,
    example,
    free_port,
    make_org,
    shot,
    sign_in,
    start_server,
    system,
)

playwright = pytest.importorskip("playwright.sync_api")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


def _shots() -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from tacepath.service import patients
    from tacepath.service.db import Database

    url = f"sqlite:///{tmp_path_factory.mktemp('worklist') / 'e2e.db'}"
    db = Database(url)
    nav = system(make_org(db, "Hospital A", "a"), "navigator")
    for mrn, name in (
        ("P002", "P002_complete_response"),
        ("P003", "P003_untaceable_intrahepatic"),
        ("P008", "P008_death_without_progression"),
    ):
        snap = {**example("pathway/intermediate_candidate.json"), "id": mrn}
        pid = patients.create_patient(db, nav, snap)["id"]
        tl = {**example(f"timelines/{name}.json"), "id": mrn}
        patients.replace_timeline(db, nav, pid, tl, version=1)
        version = patients.get_record(db, nav, pid).version
        patients.update_course(db, nav, pid, {"regimen": "tace-sorafenib"}, version=version)
    db.dispose()
    port = free_port()
    proc = start_server(url, port)
    yield f"http://127.0.0.1:{port}"
    proc.kill()
    proc.wait(timeout=10)


def test_navigator_works_from_the_worklist(server: str, tmp_path: Path) -> None:
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        ctx = browser.new_context(viewport={"width": 1366, "height": 900}, accept_downloads=True)
        page = ctx.new_page()
        page.set_default_timeout(15000)
        sign_in(page, server, "a-navigator")
        page.get_by_role("link", name="Worklist").click()
        page.get_by_label("Due from").fill("2026-01-01")
        page.get_by_label("Due until").fill("2026-12-31")
        page.get_by_role("button", name="Show").click()
        rows = page.locator("tbody tr")
        text = rows.all_inner_texts()
        # P002: sorafenib start, scans of 2026-10-26 and 2026-12-21; P003: the MDT discussion
        # after TACE failure (2026-06-29); P008 (deceased) never appears
        assert any("2026-10-26" in r and "P002" in r for r in text)
        assert any("2026-06-29" in r and "P003" in r and "MDT discussion" in r for r in text)
        assert not any("P008" in r for r in text)
        assert not any("P003" in r and "TACE" in r.split("\t")[3] for r in text)
        shot(page, "worklist_1366")
        with page.expect_download() as dl:
            page.get_by_role("link", name="Download CSV").click()
        got = list(csv.DictReader(io.StringIO(Path(dl.value.path()).read_text())))
        assert {r["patient"] for r in got} == {"P002", "P003"}
        page.get_by_label("MDT discussion").check()
        page.get_by_role("button", name="Show").click()
        assert page.locator("tbody tr").count() == 1
        page.get_by_role("link", name="P003").click()
        page.wait_for_url("**/patients/*")
        assert page.get_by_role("heading", level=1).inner_text() == "Patient P003"
        # attach the report the MDT discussion needs, from the patient page
        page.get_by_role("link", name="Attach or open documents").click()
        report = tmp_path / "ct-report.pdf"
        report.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
        page.get_by_label("Kind").select_option("imaging_report")
        page.get_by_label("Title").fill("CT 2026-06-29: progression")
        page.get_by_label("Date of the document").fill("2026-06-29")
        page.get_by_label("File").set_input_files(str(report))
        page.get_by_role("button", name="Attach").click()
        row = page.locator("tbody tr").first
        assert "CT 2026-06-29: progression" in row.inner_text()
        assert "application/pdf" in row.inner_text()
        shot(page, "documents_1366")
        # a Word file renamed to .pdf is refused by its content
        fake = tmp_path / "letter.pdf"
        fake.write_bytes(b"PK\x03\x04" + bytes(40))
        page.get_by_label("Title").fill("Letter")
        page.get_by_label("Date of the document").fill("2026-07-01")
        page.get_by_label("File").set_input_files(str(fake))
        page.get_by_role("button", name="Attach").click()
        assert "ZIP" in page.get_by_role("alert").inner_text()
        page.get_by_role("link", name="Patient P003").click()
        section = page.locator("#documents")
        section.get_by_text("CT 2026-06-29: progression").wait_for()
        section.screenshot(path=str(_shots() / "patient_documents_1366.png"))
        phone = browser.new_context(viewport={"width": 390, "height": 844})
        small = phone.new_page()
        sign_in(small, server, "a-navigator")
        small.goto(f"{server}/worklist?from=2026-01-01&to=2026-12-31")
        width = small.evaluate("document.documentElement.scrollWidth")
        assert width <= 390
        shot(small, "worklist_390")
        small.goto(f"{server}/patients/2/documents")
        assert small.evaluate("document.documentElement.scrollWidth") <= 390
        shot(small, "documents_390")
        browser.close()
