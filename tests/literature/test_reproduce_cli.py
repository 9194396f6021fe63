"""`tacepath reproduce` and `tacepath surrogacy` from the command line, with no network."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tacepath.cli import app

runner = CliRunner()


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to open a connection or resolve a name fails the test."""

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"network use attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def _run(*args: str | Path) -> tuple[int, str, str]:
    r = runner.invoke(app, [str(a) for a in args])
    return r.exit_code, r.stdout, r.stderr


@pytest.mark.usefixtures("no_network")
def test_reproduce_tactics_prints_the_table() -> None:
    code, out, _ = _run("reproduce", "tactics")
    assert code == 0
    assert "PSEUDO-DATA" in out
    assert "paper   tacepath      diff  verdict" in out
    for verdict in ("reproduced", "close", "differs", "by construction"):
        assert verdict in out


@pytest.mark.usefixtures("no_network")
def test_reproduce_tactics_json_contract() -> None:
    code, out, _ = _run("reproduce", "tactics", "--json")
    assert code == 0
    d = json.loads(out)
    assert isinstance(d["rows"], list)
    assert d["rows"]
    for row in d["rows"]:
        assert {"quantity", "paper", "reproduced", "difference", "verdict"} <= set(row)
    fisher = next(r for r in d["rows"] if r["quantity"].startswith("Fisher's exact test p, two"))
    assert fisher["paper"] == 0.014
    assert fisher["reproduced"] == pytest.approx(0.0261585518, abs=1e-10)


@pytest.mark.usefixtures("no_network")
def test_reproduce_writes_html_and_plot(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    html, png = tmp_path / "report.html", tmp_path / "km.png"
    code, out, _ = _run("reproduce", "tactics", "--html", html, "--plot", png)
    assert code == 0, out
    text = html.read_text(encoding="utf-8")
    assert "PSEUDO-DATA reconstructed from printed numbers" in text
    assert "data:image/png;base64," in text
    assert "not reproducible from what is printed" in text
    assert png.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.usefixtures("no_network")
def test_reproduce_list() -> None:
    code, out, _ = _run("reproduce", "--list")
    assert code == 0
    assert "TACTICS" in out
    assert "full reproduction" in out
    assert "tacepath reproduce emerald-1" in out
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("LAUNCH "))
    end = next(
        (i for i, line in enumerate(lines[start + 1 :], start + 1) if not line.startswith(" ")),
        len(lines),
    )
    launch = "\n".join(lines[start:end])
    assert "not reproducible" in launch
    assert "missing: a number-at-risk table" in launch
    assert "run:" not in launch
    code, out, _ = _run("reproduce", "--list", "--json")
    assert code == 0
    levels = {t["trial"]: t["level"] for t in json.loads(out)["trials"]}
    assert levels["TACTICS"] == "full"
    assert levels["EMERALD-1"] == "consistency"
    assert levels["LAUNCH"] == "none"


def test_reproduce_errors_exit_2(tmp_path: Path) -> None:
    code, _, err = _run("reproduce", "launch")
    assert code == 2
    assert "LAUNCH lacks" in err
    code, _, err = _run("reproduce")
    assert code == 2
    assert "--list" in err
    code, _, err = _run("reproduce", "tactics", "--html", tmp_path / "r.txt")
    assert code == 2
    assert "--html" in err
    code, _, err = _run("reproduce", "emerald-1", "--plot", tmp_path / "km.png")
    assert code == 2
    assert "--plot" in err


@pytest.mark.usefixtures("no_network")
def test_reproduce_emerald1() -> None:
    code, out, _ = _run("reproduce", "emerald-1", "--json")
    assert code == 0
    d = json.loads(out)
    assert d["level"] == "consistency"
    assert all(r["verdict"] == "reproduced" for r in d["rows"])


@pytest.mark.usefixtures("no_network")
def test_surrogacy_cli(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    png = tmp_path / "s.png"
    code, out, _ = _run("surrogacy", "--json", "--plot", png)
    assert code == 0
    d = json.loads(out)
    assert [t["trial"] for t in d["trials"]] == [
        "BRISK-TA",
        "SPACE",
        "TACE-2",
        "ORIENTAL",
        "TACTICS",
    ]
    assert d["paper"]["value"] == 0.56
    assert d["paper"]["status"] == "quoted, not reproduced"
    assert png.read_bytes()[:4] == b"\x89PNG"
    code, out, _ = _run("surrogacy")
    assert code == 0
    assert "quoted, not reproduced" in out
