"""The course plot draws the tumour markers under the course when the timeline has them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tacepath.domain.timeline import parse_timeline
from tacepath.response.course import assess_response
from tests.cases import ROOT

pytest.importorskip("matplotlib")


def _height(raw: dict[str, object], path: Path) -> int:
    from matplotlib import image

    from tacepath.report.course_plot import plot_course

    tl = parse_timeline(raw)
    plot_course(tl, assess_response(tl), path)
    return int(image.imread(str(path)).shape[0])


def test_marker_panel_is_added_only_with_markers(tmp_path: Path) -> None:
    raw = json.loads((ROOT / "examples/timelines/P007_jsh_refractory.json").read_text())
    with_markers = _height(raw, tmp_path / "with.png")
    without = _height({**raw, "markers": []}, tmp_path / "without.png")
    # 8.6 in against 6.5 in at 120 dpi, cropped to the drawing: about 250 px taller
    assert with_markers - without > 200
