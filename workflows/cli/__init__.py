"""The caseflow command line. Every error is one line on stderr and a non-zero exit, never a traceback.

Commands are loaded when they run: importing Prefect, Alembic and matplotlib for every command would make even
`caseflow --help` take seconds. COMMANDS is the one registry; `app` builds the whole Typer app for tests.
"""

from __future__ import annotations

import importlib
import sys
from dataclasses import dataclass
from datetime import date
from typing import Any

import typer
from typer.core import TyperGroup

from states.errors import CaseflowError
from states.input_rules import clock_date as date_option
from states.input_rules import escaped, shown
from states.input_rules import parse_date as parse_strict_date
from workflows.cli.errors import (
    ActorNotStaff,
    OptionsInvalid,
)

__all__ = [
    "COMMANDS",
    "ActorNotStaff",
    "OptionsInvalid",
    "app",
    "cli",
    "date_option",
    "main",
    "parse_date",
]


def parse_date(value: str, where: str) -> date:
    """A date from the command line, strictly YYYY-MM-DD (states/input_rules.py); else one line naming the option."""
    return parse_strict_date(value, where)


@dataclass(frozen=True)
class CommandEntry:
    """A top-level command: the module and attribute it lives in (a Typer group or a function) and its summary."""

    name: str
    module: str
    attribute: str
    summary: str


COMMANDS: tuple[CommandEntry, ...] = (
    CommandEntry(
        "up", "workflows.cli.up", "up", "Run the stack: database, Prefect server, deployments, worker, scheduler, API."
    ),
    CommandEntry("cases", "workflows.cli.cases", "cases", "List cases, with filters and lateness."),
    CommandEntry("case", "workflows.cli.cases", "app", "One case: show it in full, draw its timeline."),
    CommandEntry("trigger", "workflows.cli.cases", "trigger", "Fire a lifecycle trigger on a case."),
    CommandEntry("overdue", "workflows.cli.cases", "overdue", "The late-work dashboard: by level, team or kind."),
    CommandEntry("escalate", "workflows.cli.escalate", "escalate", "Raise an escalation on a case by hand."),
    CommandEntry("sweep", "workflows.cli.sweep", "sweep", "Run the deadline sweep as of a date."),
    CommandEntry("incidents", "workflows.cli.incidents", "app", "Failed runs and undelivered outbox rows; retry."),
    CommandEntry("scheduler", "workflows.cli.scheduler", "scheduler", "Run the nightly sweep and outbox dispatch."),
    CommandEntry("api", "workflows.cli.api", "api", "Serve the HTTP API for case-management systems."),
    CommandEntry("worker", "workflows.cli.worker", "worker", "Deliver case-transition work; run any number."),
    CommandEntry("simulate", "workflows.cli.simulate", "simulate", "Replay a scenario file in a throwaway database."),
    CommandEntry("staff", "workflows.cli.staff", "app", "The staff directory and API tokens."),
    CommandEntry("export", "workflows.cli.export", "app", "Statutory returns: DfE CIN census, Ofsted Annex A."),
    CommandEntry("report", "workflows.cli.report", "app", "Management reports: timeliness measures."),
    CommandEntry("audit", "workflows.cli.audit", "app", "Verify the hash-chained audit trail; list a case's reads."),
    CommandEntry("privacy", "workflows.cli.privacy", "app", "Rectify or erase free text; subject access export."),
    CommandEntry("policy", "workflows.cli.policy", "app", "Timescale policies: show, check, migrate."),
    CommandEntry("bpmn", "workflows.cli.bpmn", "app", "The lifecycle as BPMN 2.0 or a Mermaid diagram."),
    CommandEntry("db", "workflows.cli.db", "app", "Create and migrate the application database."),
)
_BY_NAME = {entry.name: entry for entry in COMMANDS}


def _typer_of(entry: CommandEntry) -> typer.Typer:
    target: Any = getattr(importlib.import_module(entry.module), entry.attribute)
    if isinstance(target, typer.Typer):
        return target
    single = typer.Typer(pretty_exceptions_enable=False, add_completion=False)
    single.command(name=entry.name)(target)
    return single


def _load(entry: CommandEntry) -> Any:
    loaded = _typer_of(entry)
    # A group stays a group even with one subcommand (`report timeliness`, `audit verify`): get_command would
    # collapse a one-command Typer app into that command.
    command = typer.main.get_group(loaded) if entry.attribute == "app" else typer.main.get_command(loaded)
    command.name = entry.name
    return command


class _LazyGroup(TyperGroup):
    """Typer's group, but its commands are imported only when asked for by name."""

    def list_commands(self, ctx: Any) -> list[str]:
        return [entry.name for entry in COMMANDS]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        entry = _BY_NAME.get(cmd_name)
        return _load(entry) if entry else None

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(entry.name, entry.summary) for entry in COMMANDS])


# Plain (not Rich) help at the top level: Rich help would import every command to describe it.
cli = _LazyGroup(
    name="caseflow", help="Child protection conference case orchestration.", rich_markup_mode=None, no_args_is_help=True
)


def __getattr__(name: str) -> Any:
    """`app`: the whole CLI as one Typer app (every command imported), for typer.testing.CliRunner."""
    if name != "app":
        raise AttributeError(name)
    whole = typer.Typer(name="caseflow", no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False)
    for entry in COMMANDS:
        loaded = _typer_of(entry)
        if entry.attribute == "app":
            whole.add_typer(loaded, name=entry.name)
        else:
            whole.registered_commands.extend(loaded.registered_commands)
    return whole


def _printable(message: str) -> str:
    """`message` with every non-printable character but the line break escaped: no terminal control reaches it."""
    return "\n".join(escaped(line) for line in message.split("\n"))


def _fail(message: str, code: int) -> None:
    typer.echo(f"error: {_printable(message)}", err=True)
    sys.exit(code)


def _undecodable_argument() -> int | None:
    """The position of the first argument that was not valid UTF-8 (Python keeps its bytes as surrogates)."""
    for position, argument in enumerate(sys.argv[1:], start=1):
        try:
            argument.encode("utf-8")
        except UnicodeEncodeError:
            return position
    return None


def main() -> None:
    """Console-script entry point."""
    undecodable = _undecodable_argument()
    if undecodable is not None:
        _fail(f"argument {undecodable} is not valid UTF-8 text: expected UTF-8", 2)
    try:
        # Without standalone mode click returns a command's typer.Exit code instead of exiting with it.
        code = cli.main(prog_name="caseflow", standalone_mode=False)
    except CaseflowError as exc:
        _fail(str(exc), 2)
    except OSError as exc:  # a file the command was told to read or write: a missing folder, a full device
        where = shown(str(exc.filename)) if exc.filename is not None else "a file"
        _fail(f"{where}: cannot be read or written: {exc.strerror or type(exc).__name__}", 2)
    except (typer.Abort, KeyboardInterrupt):
        typer.echo("aborted", err=True)
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.TyperException as exc:  # click's usage errors, as Typer vendors them
        if type(exc).__name__ == "NoArgsIsHelpError":  # a bare `caseflow` (or group): the help, as --help shows it
            typer.echo(exc.format_message())
            sys.exit(0)
        _fail(exc.format_message(), getattr(exc, "exit_code", 2))
    except Exception as exc:  # anything unforeseen: still one line, never a traceback
        _fail(f"unexpected {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}", 1)
    sys.exit(code if isinstance(code, int) else 0)
