"""``tacepath serve``, ``users``, ``import``, ``audit``: the platform from the command line."""

from __future__ import annotations

import dataclasses
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from tacepath.cli._app import app
from tacepath.cli._io import encoding_option, exit_with_errors, input_file
from tacepath.errors import InputError

if TYPE_CHECKING:
    from fastapi import FastAPI

    from tacepath.service.db import Database
    from tacepath.service.principal import Principal

__all__ = ["worker_app"]

#: The environment variable that hands ``tacepath serve --workers N``'s settings to its
#: worker processes (JSON; the database URL with its password, as on the command line).
SETTINGS_ENV = "TACEPATH_SERVE_SETTINGS"

_DB_HELP = (
    "SQLAlchemy URL of the database (default: TACEPATH_DATABASE_URL, else a SQLite file in "
    "the user data directory); PostgreSQL: postgresql+psycopg://user:password@host/db"
)


def _url(database_url: str | None) -> str:
    from tacepath.service.db import database_url as url

    return url(database_url)


def _shown(url: str) -> str:
    from tacepath.service.db import shown_url

    return shown_url(url)


@app.command("serve")
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    demo: bool = typer.Option(
        False, "--demo", help="Load the demo patients, timelines and trial; print the logins."
    ),
    database_url: str | None = typer.Option(None, "--database-url", help=_DB_HELP),
    insecure_cookies: bool = typer.Option(
        False,
        "--insecure-cookies",
        help="Session cookies without the Secure flag (plain HTTP on a host other than "
        "localhost, for development only).",
    ),
    log_level: str = typer.Option("info", "--log-level", help="uvicorn log level."),
    max_body_mib: float = typer.Option(
        2.0,
        "--max-body-mib",
        min=0.001,
        max=1024,
        help="Largest request body in MiB (413 over it, refused while it is read).",
    ),
    max_upload_mib: float = typer.Option(
        21.0,
        "--max-upload-mib",
        min=0.001,
        max=1024,
        help="Largest body in MiB on the upload routes (trial files, imports, reconstruction).",
    ),
    trusted_proxy: list[str] = typer.Option(
        [],
        "--trusted-proxy",
        help=(
            "Address or network (10.0.0.0/8) of a reverse proxy whose X-Forwarded-For names "
            "the client (login throttling); repeat for several. Default: none, the header "
            "is ignored."
        ),
    ),
    scheduler: str | None = typer.Option(
        None,
        "--scheduler",
        help=(
            "Address of a Dask scheduler (tcp://host:port) that runs the background jobs; its "
            "workers need tacepath and the same (PostgreSQL) database. Default: an in-process "
            "cluster started at the first job."
        ),
    ),
    max_jobs: int = typer.Option(
        2,
        "--max-jobs",
        min=1,
        max=1000,
        help="How many background jobs an organisation may have queued or running at once.",
    ),
    analysis_timeout: float = typer.Option(
        900.0,
        "--analysis-timeout",
        min=1,
        max=86400,
        help="Longest an analysis run may take, in seconds; past it the run fails.",
    ),
    analysis_memory_mib: int = typer.Option(
        4096,
        "--analysis-memory-mib",
        min=64,
        max=1024 * 1024,
        help=(
            "Most memory an analysis run's child process may take (address space, MiB); "
            "past it the run fails."
        ),
    ),
    workers: int = typer.Option(
        1,
        "--workers",
        min=1,
        max=64,
        help=(
            "Server processes (uvicorn workers) sharing the port; all state is in the "
            "database, each process runs the jobs it queued. A SQLite file serves several "
            "processes one writer at a time; PostgreSQL for real load."
        ),
    ),
) -> None:
    """Serve the web application and the REST API (OpenAPI at /docs).

    Examples:

      tacepath serve --demo

      tacepath serve --host 0.0.0.0 --port 8080 --database-url postgresql+psycopg://u:p@db/tp

      tacepath serve --database-url postgresql+psycopg://u:p@db/tp --scheduler tcp://dask:8786

      tacepath serve --database-url postgresql+psycopg://u:p@db/tp --workers 4
    """
    import uvicorn

    from tacepath.app import Settings, create_app
    from tacepath.service.auth import list_users
    from tacepath.service.demo import load_demo

    if demo and database_url is None:
        folder = Path(tempfile.mkdtemp(prefix="tacepath-demo-"))
        url = f"sqlite:///{folder / 'demo.db'}"
    else:
        url = _url(database_url)
    if workers > 1 and _in_memory(url):
        typer.echo(
            "error: --workers: an in-memory SQLite database cannot be shared by several "
            "processes; give a SQLite file or a PostgreSQL URL",
            err=True,
        )
        raise typer.Exit(code=2)
    try:
        settings = Settings(
            database_url=url,
            secure_cookies=not insecure_cookies,
            demo=demo,
            max_body_bytes=int(max_body_mib * 1024 * 1024),
            max_upload_bytes=int(max_upload_mib * 1024 * 1024),
            trusted_proxies=tuple(trusted_proxy),
            job_scheduler=scheduler,
            max_jobs_per_organisation=max_jobs,
            analysis_timeout_s=analysis_timeout,
            analysis_memory_mib=analysis_memory_mib,
            freeze_heap=True,
        )
    except ValueError as exc:
        option = "--scheduler" if str(exc).startswith("job_scheduler") else "--trusted-proxy"
        if str(exc).startswith("analysis"):
            option = "--analysis-timeout / --analysis-memory-mib"
        typer.echo(f"error: {option}: {exc}", err=True)
        raise typer.Exit(code=2) from exc
    try:
        application = create_app(settings)
        logins = load_demo(application.state.db) if demo else []
    except InputError as exc:
        exit_with_errors(exc)
    except FileNotFoundError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=2) from exc
    base = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"
    typer.echo(f"tacepath on {base}  (API docs: {base}/docs; database: {_shown(url)})")
    if logins:
        typer.echo("Demo logins (synthetic patients; passwords are new at every start):")
        for login in logins:
            typer.echo(f"  {login.role:<13} user {login.username:<19} password {login.password}")
    elif not list_users(application.state.db, None):
        typer.echo(
            "No user yet: create the first admin with "
            "`tacepath users add NAME --role admin --organisation ORG`."
        )
    if workers == 1:
        uvicorn.run(application, host=host, port=port, log_level=log_level, proxy_headers=False)
        return
    # The workers make their own applications from the same settings (the database is
    # migrated and the demo loaded once, here); this process only supervises them.
    application.state.jobs.close()
    application.state.db.dispose()
    typer.echo(f"{workers} worker processes")
    os.environ[SETTINGS_ENV] = json.dumps(dataclasses.asdict(settings) | {"migrate": False})
    uvicorn.run(
        "tacepath.cli.platform:worker_app",
        factory=True,
        workers=workers,
        host=host,
        port=port,
        log_level=log_level,
        proxy_headers=False,
    )


def _in_memory(url: str) -> bool:
    from tacepath.service.db import in_memory

    return in_memory(url)


def worker_app() -> FastAPI:
    """The application of one ``tacepath serve --workers N`` worker process, from the
    settings its supervisor put in :data:`SETTINGS_ENV`."""
    from tacepath.app import Settings, create_app

    given = json.loads(os.environ[SETTINGS_ENV])
    given["trusted_proxies"] = tuple(given.get("trusted_proxies") or ())
    return create_app(Settings(**given))


users_app = typer.Typer(
    help=(
        "Users of the platform.\n\nExamples:\n\n"
        "  tacepath users add alice --role admin --organisation 'City Hospital'\n\n"
        "  tacepath users list"
    ),
    no_args_is_help=True,
)
app.add_typer(users_app, name="users")


@users_app.command("add")
def users_add(
    username: str = typer.Argument(..., help="User name (3-80 letters, digits, . _ @ -)."),
    role: str = typer.Option(..., "--role", help="clinician | navigator | statistician | admin"),
    organisation: str = typer.Option(
        ..., "--organisation", help="Organisation name (created if new)."
    ),
    full_name: str = typer.Option("", "--full-name", help="The person's name."),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from standard input (scripts)."
    ),
    database_url: str | None = typer.Option(None, "--database-url", help=_DB_HELP),
) -> None:
    """Add a user (the first admin of an organisation, or any user)."""
    from tacepath.service.auth import create_organisation, create_user
    from tacepath.service.db import Database
    from tacepath.service.errors import AlreadyExists

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    db = Database(_url(database_url))
    try:
        org = create_organisation(db, organisation)
        info = create_user(
            db,
            None,
            organisation_id=org,
            username=username,
            password=password,
            role=role,
            full_name=full_name,
        )
    except InputError as exc:
        exit_with_errors(exc)
    except AlreadyExists as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=2) from exc
    finally:
        db.dispose()
    typer.echo(f"user {info['username']} ({info['role']}) added to {organisation}")


@app.command("migrate")
def migrate_command(
    database_url: str | None = typer.Option(None, "--database-url", help=_DB_HELP),
    app_role: str | None = typer.Option(
        None,
        "--app-role",
        help=(
            "PostgreSQL: the role the server connects as; it is granted the tables, but on "
            "the audit table only SELECT and INSERT (run this command as the schema's owner)."
        ),
    ),
) -> None:
    """Bring the database to the latest schema (as its owner) and grant the application role."""
    from tacepath.service.db import migrate

    url = _url(database_url)
    try:
        revision = migrate(url, app_role)
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=2) from exc
    granted = f"; {app_role} may only read and add to the audit trail" if app_role else ""
    typer.echo(f"{_shown(url)} at revision {revision}{granted}")


audit_app = typer.Typer(
    help="The audit trail: check that nobody rewrote it.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def audit_verify(
    database_url: str | None = typer.Option(None, "--database-url", help=_DB_HELP),
) -> None:
    """Walk the audit trail's hash chain; name each edited, deleted or inserted row.

    Exit 0 when the chain is whole (the head hash printed can be kept elsewhere to compare
    later), 1 when it is broken (the first broken row named first)."""
    from tacepath.service.audit import verify_chain
    from tacepath.service.db import Database

    db = Database(_url(database_url), migrate=False)
    try:
        report = verify_chain(db)
    finally:
        db.dispose()
    if report.ok:
        typer.echo(f"audit chain intact: {report.rows} rows, head {report.head_hash}")
        return
    first_row = report.problems[0][0]
    typer.echo(
        f"audit chain BROKEN at row {first_row if first_row is not None else '(none)'}: "
        f"{len(report.problems)} problem(s) in {report.rows} rows",
        err=True,
    )
    for _row, problem in report.problems:
        typer.echo(f"  {problem}", err=True)
    raise typer.Exit(code=1)


@users_app.command("list")
def users_list(
    database_url: str | None = typer.Option(None, "--database-url", help=_DB_HELP),
) -> None:
    """Every user: name, role, organisation."""
    from tacepath.service.auth import list_users
    from tacepath.service.db import Database

    db = Database(_url(database_url))
    try:
        for u in list_users(db, None):
            state = "" if u["active"] else " (disabled)"
            typer.echo(f"{u['username']:<24} {u['role']:<13} {u['organisation']}{state}")
    finally:
        db.dispose()


import_app = typer.Typer(
    help=(
        "Import records into an organisation.\n\nExamples:\n\n"
        "  tacepath import fhir bundle.json --organisation 'City Hospital'\n\n"
        "  tacepath import csv examples/cohort.csv --organisation 'City Hospital'"
    ),
    no_args_is_help=True,
)
app.add_typer(import_app, name="import")


def _importer(db: Database, organisation: str) -> Principal:
    """The command line acting as a navigator of an existing organisation."""
    from tacepath.service.auth import find_organisation
    from tacepath.service.principal import system_principal

    found = find_organisation(db, organisation)
    if found is None:
        raise InputError("--organisation", organisation, "an existing organisation")
    org_id, name = found
    return system_principal(
        organisation_id=org_id, organisation=name, role="navigator", username="command line"
    )


@import_app.command("fhir")
def import_fhir(
    bundle: Path = input_file(..., metavar="BUNDLE", help="A FHIR R4 Bundle (JSON)."),
    organisation: str = typer.Option(..., "--organisation", help="The organisation's name."),
    database_url: str | None = typer.Option(None, "--database-url", help=_DB_HELP),
) -> None:
    """Import a FHIR R4 Bundle as a patient's record; lists what was not used and why."""
    from tacepath.interop.files import read_json
    from tacepath.service import interop
    from tacepath.service.db import Database

    db = Database(_url(database_url))
    try:
        raw = read_json(bundle, field="BUNDLE", what="FHIR Bundle (JSON)")
        who = _importer(db, organisation)
        report = interop.import_fhir(db, who, raw)
    except InputError as exc:
        exit_with_errors(exc, source=str(bundle))
    finally:
        db.dispose()
    typer.echo(json.dumps(report, indent=2, ensure_ascii=False))


@import_app.command("csv")
def import_csv(
    path: Path = input_file(..., metavar="CSV", help="A cohort CSV (README, 'Cohort files')."),
    organisation: str = typer.Option(..., "--organisation", help="The organisation's name."),
    database_url: str | None = typer.Option(None, "--database-url", help=_DB_HELP),
    encoding: str | None = encoding_option(),
) -> None:
    """Import a registry extract: one patient per row, all rows or none."""
    from tacepath.interop.files import read_text
    from tacepath.service import interop
    from tacepath.service.db import Database

    db = Database(_url(database_url))
    try:
        text = read_text(
            path,
            field="CSV",
            kind="CSV",
            what="cohort CSV file",
            encoding=encoding,
            encoding_option="--encoding",
            max_bytes=interop.MAX_UPLOAD_BYTES,
        )
        who = _importer(db, organisation)
        report = interop.import_csv_text(db, who, text)
    except InputError as exc:
        exit_with_errors(exc, source=str(path))
    finally:
        db.dispose()
    typer.echo(
        f"{report['rows']} rows: {len(report['created'])} patients created, "
        f"{len(report['updated'])} given a new snapshot"
    )
