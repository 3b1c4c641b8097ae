"""The caseflow command line. Every error is one line on stderr and a non-zero exit, never a traceback."""

from __future__ import annotations

import sys

import typer

from states.errors import CaseflowError
from workflows.cli import db, simulate, up
from workflows.cli import policy
from workflows.cli import bpmn
from workflows.cli import audit
from workflows.cli import sweep, escalate, staff
from workflows.cli import export
from workflows.cli import report
from workflows.cli import incidents, scheduler
from workflows.cli import cases

app = typer.Typer(
    name="caseflow",
    help="Child protection conference case orchestration.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(db.app, name="db")
app.add_typer(policy.app, name="policy")
app.add_typer(bpmn.app, name="bpmn")
app.add_typer(audit.app, name="audit")
app.command(name="up")(up.up)
app.command(name="simulate")(simulate.simulate)
app.command(name="sweep")(sweep.sweep)
app.command(name="escalate")(escalate.escalate)
app.add_typer(staff.app, name="staff")
app.add_typer(export.app, name="export")
app.add_typer(report.app, name="report")
app.add_typer(incidents.app, name="incidents")
app.command(name="scheduler")(scheduler.scheduler)
app.command(name="cases")(cases.cases)
app.add_typer(cases.app, name="case")
app.command(name="trigger")(cases.trigger)
app.command(name="overdue")(cases.overdue)

__all__ = ["app", "main"]


def main() -> None:
    """Console-script entry point."""
    try:
        # Without standalone mode click returns a command's typer.Exit code instead of exiting with it.
        code = app(standalone_mode=False)
    except CaseflowError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except (typer.Abort, KeyboardInterrupt):
        typer.echo("aborted", err=True)
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception as exc:  # click's usage errors and anything unforeseen: still one line, never a traceback
        import click

        if isinstance(exc, click.ClickException):
            typer.echo(f"error: {exc.format_message()}", err=True)
            sys.exit(exc.exit_code)
        typer.echo(f"error: unexpected {type(exc).__name__}: {exc}", err=True)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
