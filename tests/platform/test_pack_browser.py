"""The MDT pack and a referral letter from the documents page, in a real browser (Debian's
chromium): a report and a pathology text attached, one ticked, the pack downloaded (its pages
counted, the unticked document absent), a letter to oncology after TACE failure downloaded and
one to interventional radiology refused. Screenshots at 1366 and 390 px go to
``out/screenshots/``."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from tests.platform.conftest import (
    ARGS,
    CHROMIUM,
    example,
    free_port,
    make_org,
    shot,
    sign_in,
    start_server,
    system,
)

playwright = pytest.importorskip("playwright.sync_api")
pypdf = pytest.importorskip("pypdf")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from tacepath.service import patients
    from tacepath.service.db import Database

    url = f"sqlite:///{tmp_path_factory.mktemp('pack') / 'e2e.db'}"
    db = Database(url)
    nav = system(make_org(db, "Hospital A", "a"), "navigator")
    snap = {**example("pathway/intermediate_candidate.json"), "id": "P007"}
    pid = patients.create_patient(db, nav, snap)["id"]
    patients.replace_timeline(
        db, nav, pid, example("timelines/P007_jsh_refractory.json"), version=1
    )
    version = patients.get_record(db, nav, pid).version
    patients.update_course(db, nav, pid, {"regimen": "tace-sorafenib"}, version=version)
    db.dispose()
    port = free_port()
    proc = start_server(url, port)
    yield f"http://127.0.0.1:{port}", pid
    proc.kill()
    proc.wait(timeout=10)


def _attach(page: Any, kind: str, title: str, date: str, path: Path) -> None:
    page.get_by_label("Kind").select_option(kind)
    page.get_by_label("Title").fill(title)
    page.get_by_label("Date of the document").fill(date)
    page.locator("#doc-file").set_input_files(str(path))
    page.get_by_role("button", name="Attach").click()
    page.wait_for_load_state()


def test_pack_and_letter_from_the_documents_page(server: Any, tmp_path: Path) -> None:
    base, pid = server
    report = tmp_path / "ct.txt"
    report.write_text("CT 2026-03-09: two lesions, largest 48 mm, viable part reduced.\n")
    pathology = tmp_path / "biopsy.txt"
    pathology.write_text("Biopsy 2026-01-02: hepatocellular carcinoma.\n")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        ctx = browser.new_context(viewport={"width": 1366, "height": 900}, accept_downloads=True)
        page = ctx.new_page()
        page.set_default_timeout(20000)
        sign_in(page, base, "a-navigator")
        page.goto(f"{base}/patients/{pid}/documents")
        _attach(page, "imaging_report", "CT after TACE 2", "2026-03-09", report)
        _attach(page, "pathology", "Biopsy report", "2026-01-02", pathology)
        page.get_by_label("Add imaging report of 2026-03-09 to the MDT pack").check()
        shot(page, "mdt_pack_documents_1366")
        with page.expect_download() as dl:
            page.get_by_role("button", name="MDT pack (PDF)").click()
        pack = Path(dl.value.path()).read_bytes()
        reader = pypdf.PdfReader(io.BytesIO(pack))
        text = "\n".join(pg.extract_text() for pg in reader.pages)
        assert "CT after TACE 2" in reader.pages[0].extract_text()
        assert "viable part reduced" in text
        assert "Biopsy report" not in text
        (tmp_path / "pack.pdf").write_bytes(pack)
        page.get_by_label("To", exact=True).select_option("oncology")
        page.get_by_label("Addressee's organisation").fill("Regional Cancer Centre")
        with page.expect_download() as dl:
            page.get_by_role("button", name="Letter (PDF)").click()
        letter = pypdf.PdfReader(io.BytesIO(Path(dl.value.path()).read_bytes()))
        first = letter.pages[0].extract_text()
        assert "Referral for assessment for systemic therapy: patient P007" in first
        assert "Regional Cancer Centre" in first
        page.get_by_label("To", exact=True).select_option("interventional-radiology")
        page.get_by_role("button", name="Letter (PDF)").click()
        alert = page.locator("#letter-refused")
        assert "No letter to Interventional radiology" in alert.inner_text()
        assert "TACE failure" in alert.inner_text()
        shot(page, "letter_refused_1366")
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(f"{base}/patients/{pid}/documents")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page scrolls sideways at 390 px ({width} px)"
        shot(page, "mdt_pack_documents_390")
        browser.close()
