"""YAML input: anchors, aliases and tags are refused, so a few hundred bytes cannot expand
into gigabytes (the "billion laughs" alias bomb), and errors name a line, never a whole value."""

from __future__ import annotations

import resource
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tacepath.cli import app
from tacepath.errors import InputError, Problem
from tacepath.interop import files

runner = CliRunner()


def _bomb(levels: int = 9) -> str:
    """Nine levels of nine aliases each: 9**9 (387 million) strings once expanded."""
    names = "abcdefghij"
    lines = ['a: &a "lol"']
    for i in range(1, levels + 1):
        n, m = names[i], names[i - 1]
        lines.append(f"{n}: &{n} [" + ",".join([f"*{m}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def test_alias_bomb_is_refused_at_its_first_alias() -> None:
    text = _bomb()
    assert len(text.encode()) < 400
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(InputError) as exc:
        files.parse_yaml(text, name="sap.yaml")
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kib < 50 * 1024
    message = str(exc.value)
    assert "line 1" in message
    assert "anchor" in message
    assert len(message) < 300


@pytest.mark.parametrize(
    ("text", "line", "what"),
    [
        ("a: 1\nb: &x 2\n", 2, "anchor"),
        ("a: 1\nb: 2\nc: *x\n", 3, "alias"),
        ("a: !!python/object:os.system x\n", 1, "tag"),
        ("a: !!binary aGVsbG8=\n", 1, "tag"),
        ("a: !custom 3\n", 1, "tag"),
        ("a: !!set {x, y}\n", 1, "tag"),
        ("a:\n  - 1\n  - !!str 2\n", 3, "tag"),
    ],
)
def test_anchors_aliases_and_tags_are_refused_with_their_line(
    text: str, line: int, what: str
) -> None:
    with pytest.raises(InputError) as exc:
        files.parse_yaml(text, name="plan.yaml")
    message = str(exc.value)
    assert f"line {line}," in message
    assert what in message


def test_plain_yaml_still_reads() -> None:
    text = "a: 1\nb: [x, 'y', \"z\"]\nc: {d: 2020-01-02, e: null, f: 1.5}\n"
    assert files.parse_yaml(text, name="x.yaml") == {
        "a": 1,
        "b": ["x", "y", "z"],
        "c": {"d": __import__("datetime").date(2020, 1, 2), "e": None, "f": 1.5},
    }


def test_patient_yaml_with_an_alias_is_refused_by_the_cli(tmp_path: Path) -> None:
    patient = tmp_path / "p.yaml"
    patient.write_text(_bomb(), encoding="utf-8")
    r = runner.invoke(app, ["assess", str(patient)])
    assert r.exit_code == 2
    assert "anchor" in r.stderr
    assert len(r.stdout) + len(r.stderr) < 2000


def test_analyze_with_an_alias_bomb_plan_prints_a_few_lines(tmp_path: Path) -> None:
    sap = tmp_path / "sap.yaml"
    sap.write_text("endpoints: " + _bomb(6).replace("\n", "\n  ").rstrip() + "\n")
    r = runner.invoke(
        app, ["analyze", "--sap", str(sap), "--adsl", str(sap), "--adtte", str(sap),
              "--out", str(tmp_path / "out")],
    )  # fmt: skip
    assert r.exit_code == 2
    assert len(r.stdout) + len(r.stderr) < 2000


def test_a_problem_shows_a_short_excerpt_of_a_huge_value() -> None:
    text = str(Problem("endpoints", "x" * 1_000_000, "a list"))
    assert len(text) < 400
    assert text.startswith("endpoints: got 'xxx")
    assert "…" in text
