"""The trial report on a phone: wide tables (Kaplan–Meier, cumulative incidence, testing,
subgroups) scroll sideways inside labelled, focusable regions; the page itself never does."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tacepath.adam.model import AnalysisData
from tacepath.analysis import run_analysis
from tacepath.interop.adam_io import read_dataset
from tacepath.interop.sap_io import load_sap

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "fixtures" / "r" / "data"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="module")
def html(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("matplotlib")
    from tacepath.report.trial_report import write_trial_report

    adsl, s1 = read_dataset(DATA / "tactics_like_adsl.csv", kind="ADSL")
    tte, s2 = read_dataset(DATA / "tactics_like_cr_adtte.csv", kind="ADTTE")
    plan, _ = load_sap(ROOT / "examples" / "tactics-like" / "sap-extended.yaml")
    result = run_analysis(plan, AnalysisData(adsl=adsl, adtte=tte, sources=(s1, s2)))
    return write_trial_report(result, tmp_path_factory.mktemp("report"), pdf=False).html


def _regions(text: str) -> list[tuple[str, str]]:
    """(aria-label, the region's first table header row) of every scroll region."""
    pattern = re.compile(
        r'<div class="scroll" role="region" aria-label="([^"]+)" tabindex="0">\s*'
        r"<table[^>]*>\s*<tr>(.*?)</tr>",
        re.S,
    )
    return pattern.findall(text)


def test_wide_tables_sit_in_labelled_regions(html: Path) -> None:
    text = html.read_text(encoding="utf-8")
    regions = _regions(text)
    labels = [label for label, _ in regions]
    assert "Kaplan–Meier estimates of TACE-specific PFS per arm (scrolls sideways)" in labels
    assert "Kaplan–Meier estimates of Overall survival per arm (scrolls sideways)" in labels
    assert (
        "Table: cumulative incidence of untaceable progression per arm (scrolls sideways)" in labels
    )
    km = [h for label, h in regions if label.startswith("Kaplan")]
    assert all("S(12), % (CI)" in h for h in km)
    assert text.count('class="scroll"') == len(regions)  # every region wraps a table
    assert 'name="viewport" content="width=device-width' in text


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")
def test_page_never_scrolls_sideways_at_390_px(html: Path) -> None:
    sync = pytest.importorskip("playwright.sync_api")
    with sync.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            for width in (1366, 390):
                page = browser.new_page(viewport={"width": width, "height": 900})
                page.goto(html.as_uri())
                page_width, view = page.evaluate(
                    "() => [document.documentElement.scrollWidth,"
                    " document.documentElement.clientWidth]"
                )
                assert page_width <= view, width
                widths = page.evaluate(
                    "() => [...document.querySelectorAll('.scroll')].map("
                    "e => [e.getAttribute('aria-label'), e.scrollWidth, e.clientWidth])"
                )
                km = [w for w in widths if w[0].startswith("Kaplan")]
                assert km
                if width == 390:  # the table is wider than the phone: its region scrolls
                    assert all(scroll > client for _, scroll, client in km)
                else:
                    assert all(scroll <= client for _, scroll, client in km)
                page.close()
        finally:
            browser.close()
