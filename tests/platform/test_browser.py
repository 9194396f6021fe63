"""End to end in a real browser: Playwright driving Debian's chromium (never a downloaded
browser build). A clinician signs in, creates a patient, enters the baseline imaging and a
follow-up, sees the decision and exports the MDT summary; a navigator and a statistician see
their pages. Screenshots go to ``out/screenshots/`` (or ``TACEPATH_SCREENSHOTS``).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.platform.conftest import (
    ARGS,
    CHROMIUM,
    SHOTS,
    free_port,
    make_org,
    shot,
    sign_in,
    start_server,
)

playwright = pytest.importorskip("playwright.sync_api")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


def _luminance(rgb: tuple[float, ...]) -> float:
    def ch(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (ch(x) for x in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _rgb(css: str) -> tuple[float, ...]:
    return tuple(float(x) for x in re.findall(r"[\d.]+", css)[:3])


def _contrast(fg: str, bg: str) -> float:
    a, b = sorted((_luminance(_rgb(fg)), _luminance(_rgb(bg))), reverse=True)
    return (a + 0.05) / (b + 0.05)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from tacepath.service.db import Database

    url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'e2e.db'}"
    db = Database(url)
    make_org(db, "Hospital A", "a")
    db.dispose()
    port = free_port()
    proc = start_server(url, port)
    yield f"http://127.0.0.1:{port}"
    proc.kill()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Any:
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def test_clinician_flow(server: str, browser: Any, tmp_path: Path) -> None:
    ctx = browser.new_context(viewport={"width": 1024, "height": 1366}, accept_downloads=True)
    page = ctx.new_page()
    page.set_default_timeout(15000)
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    page.goto(f"{server}/login")
    shot(page, "01_login")
    assert page.evaluate("document.activeElement.id") == "username"  # autofocus
    sign_in(page, server, "a-clinician")
    page.wait_for_url("**/patients")
    # keyboard: the first Tab reaches the skip link, which moves focus to the content
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to main content"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "New patient"
    # the session cookie is Secure and HttpOnly (accepted by the browser on 127.0.0.1)
    cookie = next(c for c in ctx.cookies() if c["name"] == "tacepath_session")
    assert cookie["secure"]
    assert cookie["httpOnly"]

    page.get_by_role("link", name="New patient").click()
    page.get_by_label("Patient id").fill("E2E-1")
    page.get_by_label("Sex").select_option("female")
    page.get_by_label("ECOG").fill("0")
    page.get_by_label("Bilirubin").fill("1.1")
    page.get_by_label("Albumin").fill("3.6")
    page.get_by_label("INR").fill("1.1")
    page.get_by_label("Ascites", exact=True).select_option("none")
    page.get_by_label("Encephalopathy").select_option("none")
    page.get_by_label("Intrahepatic tumours").fill("50;30")
    page.get_by_label("Macrovascular invasion").select_option("no")
    page.get_by_label("Extrahepatic spread").select_option("no")
    shot(page, "02_new_patient")
    page.get_by_role("button", name="Create patient").click()
    page.wait_for_url(re.compile(r".*/patients/\d+$"))
    assert "BCLC: B" in page.content()

    # baseline imaging, course start and regimen
    page.locator("#f-start").fill("2026-01-05")
    page.locator("#f-regimen").select_option("tace-sorafenib")
    page.get_by_label("Date of the imaging").fill("2026-01-02")
    page.get_by_label("Lesion 1 id").fill("L1")
    page.get_by_label("Lesion 1 is a target").check()
    for label, value in (
        ("longest diameter", "50"),
        ("perpendicular diameter", "40"),
        ("viable longest diameter", "50"),
        ("viable perpendicular diameter", "40"),
    ):
        page.get_by_label(f"Lesion 1 {label}, mm", exact=True).fill(value)
    page.get_by_label("Lesion 1 typical HCC").select_option("yes")
    page.get_by_role("button", name="Save and get the decision").click()
    page.wait_for_url(re.compile(r".*#decision$"))
    assert "no-follow-up" in page.locator("#decision").inner_text()

    # a follow-up: viable tumour 70% of baseline after TACE -> repeat TACE
    page.get_by_label("Date of the imaging").fill("2026-03-02")
    for label, value in (
        ("longest diameter", "48"),
        ("perpendicular diameter", "38"),
        ("viable longest diameter", "40"),
        ("viable perpendicular diameter", "35"),
    ):
        page.get_by_label(f"Lesion L1 {label}, mm", exact=True).fill(value)
    page.get_by_label("TACE session on").fill("2026-01-20")
    page.get_by_label("Event 1: CTCAE term").fill("AST increased")
    page.locator("#ae-0-grade").select_option("3")
    page.get_by_label("Suspected drug").first.fill("sorafenib")
    page.get_by_label("Current dose").first.fill("400 mg twice daily")
    shot(page, "03_followup_form")
    page.get_by_role("button", name="Save and get the decision").click()
    page.wait_for_url(re.compile(r".*#decision$"))
    decision = page.locator("#decision").inner_text()
    assert "repeat-tace" in decision
    assert "sorafenib" in decision
    shot(page, "04_patient_decision")
    assert not [m for m in console if "Content Security Policy" in m], console

    # contrast of the text that matters (WCAG AA: 4.5:1)
    for sel in ("h1", ".decision .verdict", "#decision li", "a"):
        fg, bg = page.evaluate(
            """(sel) => { const e = document.querySelector(sel); let n = e, bg;
                 while (n) { bg = getComputedStyle(n).backgroundColor;
                   if (bg !== 'rgba(0, 0, 0, 0)') break; n = n.parentElement; }
                 return [getComputedStyle(e).color, bg || 'rgb(255,255,255)']; }""",
            sel,
        )
        assert _contrast(fg, bg) >= 4.5, (sel, fg, bg)

    # the MDT summary, HTML and PDF
    # printing the summary (course plot, appendix) takes seconds on a busy 2-core machine
    with page.expect_download(timeout=90_000) as dl:
        page.get_by_role("link", name="MDT summary (PDF)").click(timeout=90_000)
    pdf = tmp_path / "mdt.pdf"
    dl.value.save_as(pdf)
    assert pdf.read_bytes()[:5] == b"%PDF-"
    shutil.copyfile(pdf, SHOTS / "mdt_summary.pdf")
    page.get_by_role("link", name="MDT summary (HTML)").click(timeout=90_000)
    assert "E2E-1" in page.content()
    shot(page, "05_mdt_summary")
    ctx.close()
    if shutil.which("pdftoppm"):
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "60",
                "-f",
                "1",
                "-l",
                "1",
                str(pdf),
                str(SHOTS / "06_mdt_pdf"),
            ],
            check=False,
        )


def test_other_roles_pages(server: str, browser: Any) -> None:
    for user, path, name in (
        ("a-navigator", "/evidence", "07_evidence"),
        ("a-navigator", "/import", "08_import"),
        ("a-statistician", "/trials", "09_trials"),
        ("a-statistician", "/reconstruct", "10_reconstruct"),
        ("a-admin", "/admin", "11_admin"),
    ):
        ctx = browser.new_context(viewport={"width": 1024, "height": 1366})
        page = ctx.new_page()
        sign_in(page, server, user)
        page.wait_for_load_state()
        page.goto(f"{server}{path}")
        assert page.locator("h1").count() == 1
        shot(page, name)
        ctx.close()


@pytest.mark.parametrize("width", [1366, 390])
def test_new_snapshot_form_with_its_errors(server: str, browser: Any, width: int) -> None:
    """The new-snapshot form on the patient page, refused and then saved with a TACE failure
    (desktop and phone width); the errors sit next to their fields and are announced."""
    ctx = browser.new_context(viewport={"width": width, "height": 900})
    page = ctx.new_page()
    page.set_default_timeout(15000)
    sign_in(page, server, "a-clinician")
    page.wait_for_url("**/patients")
    page.goto(f"{server}/patients/new")
    page.get_by_label("Patient id").fill(f"SNAP-{width}")
    page.get_by_label("INR").fill("one")
    page.get_by_label("ECOG").fill("7")
    page.locator("#age_years").fill("150")
    page.get_by_role("button", name="Create patient").click()
    assert page.locator("#errors li").count() == 3
    assert page.locator("#ecog").get_attribute("aria-invalid") == "true"
    shot(page, f"20_new_patient_errors_{width}")
    page.get_by_label("INR").fill("1.1")
    page.get_by_label("ECOG").fill("0")
    page.locator("#age_years").fill("66")
    page.get_by_label("Bilirubin").fill("1.0")
    page.get_by_label("Albumin").fill("3.8")
    page.get_by_role("button", name="Create patient").click()
    page.wait_for_url(re.compile(r".*/patients/\d+$"))
    page.get_by_text("Labs, clinical findings, tumours").click()
    snapshot = page.locator("#snapshot")
    snapshot.get_by_label("ECOG").fill("7")
    snapshot.get_by_label("Established on").fill("2026-11-30")
    snapshot.get_by_role("button", name="Save the new snapshot").click()
    errors = page.locator("#errors").inner_text()
    assert "ECOG must be at most 5" in errors
    assert "Criterion of TACE failure is required" in errors
    assert page.locator("#s-ecog").get_attribute("aria-describedby") == "err-s-ecog"
    shot(page, f"21_snapshot_errors_{width}")
    snapshot.get_by_label("ECOG").fill("1")
    snapshot.get_by_label("By the criterion").select_option("jsh_refractoriness")
    snapshot.get_by_role("button", name="Save the new snapshot").click()
    page.wait_for_url(re.compile(r".*#scores$"))
    assert "TACE failure (refractoriness, JSH-LCSGJ criteria) on 2026-11-30" in page.content()
    shot(page, f"22_patient_after_tace_failure_{width}")
    ctx.close()
