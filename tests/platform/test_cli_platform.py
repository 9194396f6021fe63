"""``tacepath users`` and ``tacepath import`` from the command line."""

from __future__ import annotations

import json
from typing import Any

from typer.testing import CliRunner

from tacepath.cli import app
from tacepath.interop.fhir import record_to_bundle
from tests.platform.conftest import EXAMPLES, example


def test_users_add_list_and_import(database_url: str, tmp_path: Any) -> None:
    run = CliRunner()
    r = run.invoke(
        app,
        [
            "users",
            "add",
            "alice",
            "--role",
            "admin",
            "--organisation",
            "City",
            "--password-stdin",
            "--database-url",
            database_url,
        ],
        input="a long enough password\n",
    )
    assert r.exit_code == 0, r.output
    r = run.invoke(
        app,
        [
            "users",
            "add",
            "bob",
            "--role",
            "boss",
            "--organisation",
            "City",
            "--password-stdin",
            "--database-url",
            database_url,
        ],
        input="short\n",
    )
    assert r.exit_code == 2
    assert "role: got 'boss'" in r.output
    assert "password" in r.output
    r = run.invoke(app, ["users", "list", "--database-url", database_url])
    assert "alice" in r.output
    assert "admin" in r.output
    assert "City" in r.output
    r = run.invoke(
        app,
        [
            "import",
            "csv",
            str(EXAMPLES / "cohort.csv"),
            "--organisation",
            "City",
            "--database-url",
            database_url,
        ],
    )
    assert r.exit_code == 0, r.output
    assert "6 patients created" in r.output
    bundle = tmp_path / "b.json"
    bundle.write_text(
        json.dumps(record_to_bundle(example("pathway/P003_snapshot.json"), None, "P777"))
    )
    r = run.invoke(
        app,
        ["import", "fhir", str(bundle), "--organisation", "City", "--database-url", database_url],
    )
    assert r.exit_code == 0
    assert '"created": true' in r.output
    r = run.invoke(
        app,
        [
            "import",
            "csv",
            str(EXAMPLES / "cohort.csv"),
            "--organisation",
            "Nowhere",
            "--database-url",
            database_url,
        ],
    )
    assert r.exit_code == 2
    assert "--organisation" in r.output
