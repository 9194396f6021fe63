"""The root Typer application and the registration of every command group."""

from __future__ import annotations

import typer

from tacepath import __version__

app = typer.Typer(
    name="tacepath",
    help=(
        "Evidence-based tools for TACE combined with systemic therapy in hepatocellular "
        "carcinoma.\n\nExamples:\n\n  tacepath demo\n\n"
        "  tacepath assess examples/patients.json --json"
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="markdown",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"tacepath {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """tacepath command line."""


def _register() -> None:
    # Imported for their side effect of adding commands to ``app``.
    from tacepath.cli import (  # noqa: F401
        clinical,
        design,
        endpoints,
        evidence,
        federate,
        grade,
        pathway,
        platform,
        reconstruct,
        reproduce,
        response,
        survival,
        trials,
        worklist,
    )


_register()
