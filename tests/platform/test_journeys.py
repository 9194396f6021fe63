"""Three journeys end to end in a real browser (Playwright driving Debian's chromium), each
against SQLite and, when ``TACEPATH_TEST_DATABASE_URL`` names a server, PostgreSQL:

- the clinician runs one patient's course from the new-patient form to the switch to
  systemic therapy after TACE failure, and the summaries say what the patient page says;
- the navigator finds the patient, reads and downloads the patient summary and downloads
  the schedule as iCalendar;
- the statistician uploads ADaM files, runs the analysis plan, reads the report and
  downloads the results.

Every page reached is checked at 1366 and 390 px: no horizontal overflow at 390 px and no
serious or critical violation found by axe-core. axe-core comes from the PyPI package
``axe-playwright-python``, which ships a released ``axe.min.js`` (axe-core 4.12 today): it
installs with the ``dev`` extra like the rest of the suite, so a fresh machine needs no npm
and no download at run time; the script is injected into the page as the axe-core
documentation describes (``axe.run`` on the document). Screenshots of every step go to
``out/screenshots/journeys/`` (or ``$TACEPATH_SCREENSHOTS/journeys``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.platform.conftest import (
    ARGS,
    CHROMIUM,
    EXAMPLES,
    PASSWORD,
    SHOTS,
    example,
    free_port,
    make_org,
    start_server,
    system,
)

playwright = pytest.importorskip("playwright.sync_api")
axe_sync = pytest.importorskip("axe_playwright_python.sync_playwright")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]
JOURNEYS = SHOTS / "journeys"
WIDE, NARROW = 1366, 390
#: The run of an analysis plan and the printing of a PDF take seconds on a busy machine.
SLOW_MS = 180_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


class Site:
    """A server on a fresh database of one backend, with the organisation of the tests."""

    def __init__(self, database_url: str, backend: str) -> None:
        from tacepath.service.db import Database

        self.backend = backend
        self.db = Database(database_url, migrate=False, pool_size=2)
        self.org = make_org(self.db, "Hospital A", "a")
        port = free_port()
        self.proc = start_server(database_url, port)
        self.base = f"http://127.0.0.1:{port}"

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait(timeout=10)
        self.db.dispose()


@pytest.fixture
def site(database_url: str, backend: Any) -> Iterator[Site]:
    s = Site(database_url, backend.name)
    yield s
    s.close()


class Journey:
    """One user's browser session; :meth:`step` checks and photographs the page reached."""

    def __init__(self, browser: Any, site: Site, who: str) -> None:
        self.site = site
        self.name = f"{who}-{site.backend}"
        self.ctx = browser.new_context(
            viewport={"width": WIDE, "height": 900}, accept_downloads=True
        )
        self.page = self.ctx.new_page()
        self.page.set_default_timeout(30_000)
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.axe = axe_sync.Axe()
        self.n = 0

    def sign_in(self, user: str) -> None:
        self.page.goto(f"{self.site.base}/login")
        self.step("login")
        self.page.get_by_label("User name").fill(user)
        self.page.get_by_label("Password").fill(PASSWORD)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_url(re.compile(r".*/(patients|trials|admin|evidence)?$"))

    def step(self, what: str) -> None:
        """The page as it is now: photographed at both widths, no horizontal overflow at
        390 px, no serious or critical axe-core violation."""
        page = self.page
        page.wait_for_load_state("load")
        self.n += 1
        stem = JOURNEYS / f"{self.name}_{self.n:02d}_{what}"
        JOURNEYS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{stem}_{WIDE}.png", full_page=True)
        page.set_viewport_size({"width": NARROW, "height": 844})
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        wide = page.evaluate(
            """() => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1
                        && !e.closest('.table-wrap'))
                .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + e.id)"""
        )
        assert overflow <= 0, f"{what}: {overflow} px wider than the 390 px screen: {wide}"
        page.screenshot(path=f"{stem}_{NARROW}.png", full_page=True)
        found = self.axe.run(page).response["violations"]
        bad = [
            f"{v['id']} ({v['impact']}): {v['help']} at "
            + "; ".join(str(n["target"]) for n in v["nodes"][:3])
            for v in found
            if v["impact"] in ("serious", "critical")
        ]
        assert not bad, f"{what}: {bad}"
        page.set_viewport_size({"width": WIDE, "height": 900})

    def download(self, link: str, to: Path, name: str) -> Path:
        with self.page.expect_download(timeout=SLOW_MS) as dl:
            self.page.get_by_role("link", name=link).click()
        out = to / name
        dl.value.save_as(out)
        return out

    def close(self) -> None:
        assert not [m for m in self.errors if "Content Security Policy" in m], self.errors
        self.ctx.close()


def _decision(page: Any) -> str:
    return str(page.locator("#decision .verdict .status").inner_text())


def _save_followup(page: Any) -> None:
    """Save the visit and wait for the page that shows its decision (the address may end in
    #decision already: the verdict's date is what changes)."""
    visit = page.get_by_label("Date of the imaging").input_value()
    page.get_by_role("button", name="Save and get the decision").click()
    playwright.expect(page.locator("#decision .verdict")).to_contain_text(
        f"visit of {visit}", timeout=SLOW_MS
    )


def _measure(page: Any, lesion: str, sizes: tuple[int, int, int, int], typical: str) -> None:
    for label, value in zip(
        (
            "longest diameter",
            "perpendicular diameter",
            "viable longest diameter",
            "viable perpendicular diameter",
        ),
        sizes,
        strict=True,
    ):
        page.get_by_label(f"Lesion {lesion} {label}, mm", exact=True).fill(str(value))
    page.get_by_label(f"Lesion {lesion} typical HCC", exact=True).select_option(typical)


def _fill_new_patient(page: Any) -> None:
    """Every field of the snapshot of examples/pathway/intermediate_candidate.json (PW01),
    with the history the form asks for answered."""
    form = page.locator("form[action='/patients/new']")
    form.get_by_label("Patient id").fill("J-PW01")
    for name, value in (
        ("date", "2026-01-02"),
        ("assessment_date", "2026-01-02"),
        ("age_years", "68"),
        ("ecog", "0"),
        ("weight_kg", "72"),
    ):
        form.locator(f"#{name}").fill(value)
    form.locator("#sex").select_option("male")
    for lab, value in (
        ("bilirubin", "0.9"),
        ("albumin", "3.9"),
        ("inr", "1.1"),
        ("creatinine", "0.9"),
        ("sodium", "139"),
        ("afp", "85"),
    ):
        form.locator(f"#lab-{lab}-value").fill(value)
    form.locator("#ascites").select_option("none")
    form.locator("#encephalopathy").select_option("none")
    form.locator("#tumours").fill("48;35;22")
    for name in (
        "macrovascular_invasion",
        "extrahepatic_spread",
        "end_stage_liver_function",
        "dialysis_twice_past_week",
        "cvvhd_24h_past_week",
        "cholestatic_disease",
    ):
        form.locator(f"#{name}").select_option("no")
    form.locator("#h-varices").select_option("low-risk")
    form.locator("#h-hypertension").select_option("controlled")
    form.locator("#h-autoimmune_disease").select_option("none")
    form.locator("#h-proteinuria_g_per_24h").fill("0.1")
    form.locator("#h-creatinine_clearance_ml_min").fill("82")
    form.locator("#h-prior_tace_sessions").fill("0")
    form.locator("input[name='h-prior_systemic_none']").check()
    for select in form.locator("select[id^='h-'][id$='-known']").all():
        select.select_option("never")
    for select in form.locator("select[name^='h-']").all():
        if select.input_value() == "" and not select.get_attribute("name").endswith(
            ("-criterion",)
        ):
            select.select_option("no")


def test_clinician_runs_a_course_to_the_switch_to_systemic_therapy(
    site: Site, browser: Any, tmp_path: Path
) -> None:
    j = Journey(browser, site, "clinician")
    page = j.page
    j.sign_in("a-clinician")
    j.step("patients")
    page.get_by_role("link", name="New patient").click()
    _fill_new_patient(page)
    j.step("new_patient_filled")
    page.get_by_role("button", name="Create patient").click()
    page.wait_for_url(re.compile(r".*/patients/\d+$"))
    pid = page.url.rsplit("/", 1)[1]

    # scores and pathway: Child-Pugh 5 (A), ALBI −2.53 (grade 1), BCLC B (three tumours,
    # the largest 48 mm, ECOG 0, Child-Pugh A); no MELD question left open (dialysis: no)
    scores = page.locator("#scores")
    assert "BCLC: B" in scores.inner_text()
    row = scores.locator("tr", has_text="Child-Pugh").first.inner_text()
    assert re.search(r"score\s+5\b", row), row
    assert re.search(r"class\s+A\b", row), row
    assert re.search(r"score\s+-2\.53", scores.locator("tr", has_text="ALBI").first.inner_text())
    assert "needs dialysis" not in scores.inner_text()
    options = page.locator("#options")
    assert re.search(r"TACE \+ sorafenib \(TACTICS sequence\) — eligible", options.inner_text())
    j.step("scores_and_pathway")

    # the course and its schedule
    page.get_by_text("Edit the course").click()
    page.locator("#c-start").fill("2026-01-05")
    page.locator("#c-regimen").select_option("tace-sorafenib")
    page.get_by_role("button", name="Save the course").click()
    page.wait_for_url(re.compile(r".*#course$"))
    schedule = page.locator("#schedule")
    assert "tace-sorafenib: from 2026-01-05" in schedule.inner_text()
    schedule.get_by_text("The dated plan").click()
    assert schedule.locator("tbody tr").count() > 1
    j.step("schedule")

    # baseline imaging
    page.get_by_label("Date of the imaging").fill("2026-01-02")
    page.get_by_label("Lesion 1 id", exact=True).fill("L1")
    page.get_by_label("Lesion 1 is a target").check()
    _measure(page, "1", (48, 38, 48, 38), "yes")
    _save_followup(page)
    assert _decision(page) == "no-follow-up"
    j.step("baseline")

    # visit 1, with TACE 1 since the baseline: a new 15 mm lesion NL1 -> repeat TACE
    page.get_by_label("Date of the imaging").fill("2026-03-02")
    _measure(page, "L1", (44, 35, 12, 9), "yes")
    page.get_by_label("TACE session on").fill("2026-01-20")
    page.get_by_label("New lesion 1 id").fill("NL1")
    page.get_by_label("New lesion 1 longest diameter, mm").fill("15")
    page.get_by_label("New lesion 1 typical HCC pattern").select_option("yes")
    j.step("visit1_tace1_form")
    _save_followup(page)
    assert _decision(page) == "repeat-tace"
    assert "new intrahepatic lesion NL1 15 mm" in page.locator("#decision").inner_text()
    j.step("visit1_decision")

    # visit 2: the TACE of 2026-03-16 treated NL1, now measured as a lesion -> continue
    assert page.get_by_label("New lesion 1 id").input_value() == "NL1"  # carried forward
    page.get_by_label("Date of the imaging").fill("2026-05-04")
    _measure(page, "L1", (40, 32, 0, 0), "yes")
    page.get_by_label("Lesion 2 id", exact=True).fill("NL1")
    _measure(page, "2", (15, 12, 0, 0), "yes")
    page.get_by_label("TACE session on").fill("2026-03-16")
    page.get_by_label("New lesions it treated").fill("NL1")
    j.step("visit2_form")
    page.get_by_role("button", name="Preview decision").click()
    preview = page.locator("#preview")
    playwright.expect(preview).to_contain_text("the visit of 2026-05-04 would give: continue")
    assert _decision(page) == "repeat-tace"  # the preview saved nothing
    j.step("visit2_preview")
    _save_followup(page)
    decision = page.locator("#decision").inner_text()
    assert _decision(page) == "continue", decision
    assert "treated NL1 (TACE 2026-03-16): no arterial enhancement" in decision
    j.step("visit2_decision")

    # visit 3: a new lung lesion -> TACE failure (JSH-LCSGJ refractoriness, extrahepatic)
    assert page.get_by_label("New lesion 1 id").input_value() == ""  # NL1 is tracked now
    page.get_by_label("Date of the imaging").fill("2026-07-06")
    _measure(page, "L1", (40, 32, 30, 25), "yes")
    _measure(page, "NL1", (15, 12, 10, 8), "yes")
    page.get_by_label("New lesion 1 id").fill("NL2")
    page.get_by_label("New lesion 1 organ").select_option("lung")
    page.get_by_label("New lesion 1 longest diameter, mm").fill("14")
    _save_followup(page)
    decision = page.locator("#decision").inner_text()
    assert _decision(page) == "tace-failure", decision
    assert "extrahepatic spread on 2026-07-06: new lung lesion NL2 14 mm" in decision
    notice = page.locator("p.notice[role=status]").inner_text()
    assert "TACE failure (refractoriness, JSH-LCSGJ criteria) on 2026-07-06" in notice
    j.step("visit3_tace_failure")

    # the switch: every TACE regimen is now not eligible, atezolizumab + bevacizumab is
    statuses = dict(
        re.findall(
            r"^(.+?) — (eligible|not eligible|needs information)",
            page.locator("#options").inner_text(),
            re.M,
        )
    )
    assert statuses["Atezolizumab + bevacizumab (systemic, when TACE is not suitable)"] == (
        "eligible"
    )
    assert [k for k, v in statuses.items() if k.startswith("TACE") and v != "not eligible"] == []
    page.get_by_text("Edit the course").click()
    page.locator("#c-regimen").select_option("atezolizumab-bevacizumab")
    page.get_by_role("button", name="Save the course").click()
    course_header = page.locator("section[aria-labelledby=h-course-header]")
    playwright.expect(course_header).to_contain_text("Regimen: atezolizumab-bevacizumab")
    course = page.locator("section[aria-labelledby=h-course-header]").inner_text()
    assert "Regimen: atezolizumab-bevacizumab" in course
    assert _decision(page) == "tace-failure"  # nothing proposes TACE after the failure
    assert (
        "no dated schedule is encoded for atezolizumab-bevacizumab"
        in page.locator("#schedule").inner_text()
    )
    j.step("switched_to_systemic")

    # the summaries say what the patient page says
    page.get_by_role("link", name="MDT summary (HTML)").click(timeout=SLOW_MS)
    mdt = page.locator("body").inner_text()
    assert "tace-failure" in mdt or "TACE failure" in mdt
    assert "TACE failure (refractoriness, JSH-LCSGJ criteria) on 2026-07-06" in mdt
    assert "J-PW01" in mdt
    j.step("mdt_summary")
    page.goto(f"{site.base}/api/patients/{pid}/summary/patient.html")
    plain = page.locator("body").inner_text()
    assert "2026-07-06" in plain
    j.step("patient_summary")
    page.goto(f"{site.base}/patients/{pid}")
    pdf = j.download("MDT summary (PDF)", tmp_path, "mdt.pdf")
    assert pdf.read_bytes()[:5] == b"%PDF-"
    j.close()


def _seed_course(site: Site) -> int:
    """PW01 with the course of P010 (a new lesion treated at the next TACE), stored through
    the services as an import would."""
    from tacepath.service import patients

    who = system(site.org, "clinician")
    snap = {**example("pathway/intermediate_candidate.json"), "id": "NAV-P010"}
    created = patients.create_patient(site.db, who, snap)
    tl = {**example("timelines/P010_new_lesion_treated_at_next_tace.json"), "id": "NAV-P010"}
    v = patients.replace_timeline(site.db, who, created["id"], tl, version=created["version"])
    patients.update_course(
        site.db, who, created["id"], {"regimen": "tace-sorafenib"}, version=v["version"]
    )
    return int(created["id"])


def test_navigator_finds_the_patient_and_takes_the_summary_and_the_schedule(
    site: Site, browser: Any, tmp_path: Path
) -> None:
    pid = _seed_course(site)
    j = Journey(browser, site, "navigator")
    page = j.page
    j.sign_in("a-navigator")
    page.get_by_label("Search by patient id or regimen").fill("NAV-P0")
    rows = page.locator("#patient-rows tr")
    rows.filter(has_text="NAV-P010").wait_for()
    assert rows.count() == 1
    j.step("search")
    page.get_by_role("link", name="NAV-P010").click()
    page.wait_for_url(f"**/patients/{pid}")
    assert "Enter a follow-up" not in page.locator("main").inner_text()  # clinicians only
    j.step("patient")

    page.get_by_role("link", name="Patient summary (HTML)").click(timeout=SLOW_MS)
    assert "NAV-P010" in page.locator("body").inner_text()
    j.step("patient_summary")
    page.go_back()
    pdf = j.download("Patient summary (PDF)", tmp_path, "patient.pdf")
    assert pdf.read_bytes()[:5] == b"%PDF-"

    ics = j.download("Schedule as iCalendar (.ics)", tmp_path, "schedule.ics").read_text()
    assert ics.startswith("BEGIN:VCALENDAR")
    assert "PRODID:-//tacepath//treatment schedule//EN" in ics
    starts = re.findall(r"DTSTART;VALUE=DATE:(\d{8})", ics)
    shown = page.locator("#schedule tbody tr td:first-child").all_text_contents()
    assert len(starts) == len(shown) > 0
    assert [s[:4] + "-" + s[4:6] + "-" + s[6:] for s in starts] == [t[:10] for t in shown]
    j.close()


def test_statistician_runs_the_plan_and_downloads_the_results(
    site: Site, browser: Any, tmp_path: Path
) -> None:
    from tacepath.adam.cohort import tactics_like_cohort
    from tacepath.interop.adam_io import write_cohort

    write_cohort(tactics_like_cohort(seed=20200731), tmp_path)
    j = Journey(browser, site, "statistician")
    page = j.page
    j.sign_in("a-statistician")
    page.goto(f"{site.base}/trials")
    page.get_by_label("Name").fill("TACTICS-like (synthetic)")
    page.get_by_role("button", name="Create").click()
    page.wait_for_url(re.compile(r".*/trials/\d+$"))
    j.step("workspace")
    sent = {
        "adsl": "ADSL cut 2020-07-31.csv",
        "adtte": "adtte.csv",
        "adae": "adae.csv",
        "sap": "sap.yaml",
    }
    for kind, name in sent.items():
        path = EXAMPLES / "tactics-like" / "sap.yaml" if kind == "sap" else tmp_path / f"{kind}.csv"
        page.get_by_label("Kind").select_option(kind)
        page.get_by_label("File").set_input_files(
            {"name": name, "mimeType": "text/plain", "buffer": path.read_bytes()}
        )
        page.get_by_role("button", name="Upload").click()
        page.locator("table", has_text="Uploaded files").get_by_text(name).wait_for()
    j.step("uploaded")
    page.get_by_role("button", name="Run the analysis plan").click(timeout=SLOW_MS)
    page.wait_for_url(re.compile(r".*#jobs$"), timeout=SLOW_MS)  # a background job
    page.locator("#jobs").wait_for(timeout=SLOW_MS)
    j.step("analysis_running")
    # the runs list polls itself and the page reloads once the run is done
    analyses = page.locator("table", has_text="Analyses, oldest first").locator("tbody tr")
    analyses.filter(has_text="done").first.wait_for(timeout=SLOW_MS)
    assert analyses.count() == 1
    j.step("analysis_done")

    page.locator("table", has_text="Analyses, oldest first").get_by_role(
        "link", name="view the report"
    ).click()
    report = page.locator("body").inner_text()
    assert "SYNTHETIC" in report
    provenance = report[report.index("1. Provenance") : report.index("2. Hierarchical")]
    for name in ("ADSL_cut_2020-07-31.csv", "adtte.csv", "adae.csv"):
        assert name in provenance  # the uploaded names, made plain
    assert "/tmp" not in provenance
    j.step("report")
    page.go_back()
    results = j.download("results.json", tmp_path, "results.json").read_text()
    assert '"gatekeeping"' in results
    assert "TACEPFS" in results
    pdf = j.download("PDF", tmp_path, "report.pdf")
    assert pdf.read_bytes()[:5] == b"%PDF-"

    # a published curve reconstructed, its patient data downloaded
    page.get_by_role("link", name="Reconstruction").click()
    folder = EXAMPLES / "reconstruct"
    page.get_by_label("Digitised curve").set_input_files(str(folder / "lung_female_curve.csv"))
    page.get_by_label("Number at risk").set_input_files(str(folder / "lung_female_at_risk.csv"))
    page.get_by_label("Arm label").fill("female")
    page.get_by_role("button", name="Reconstruct").click()
    page.get_by_role("link", name="Reconstructed IPD (CSV)").wait_for(timeout=SLOW_MS)
    j.step("reconstruction")
    ipd = j.download("Reconstructed IPD (CSV)", tmp_path, "ipd.csv").read_text().splitlines()
    assert len(ipd) == 1 + 90  # a header and the 90 women at risk at time 0
    j.close()
