"""`caseflow staff ...`: the staff directory (id, e-mail, roles, teams, active) and its API tokens."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from workflows.bootstrap import bootstrap
from workflows.cli.errors import OptionsInvalid
from workflows.cli.staff_tokens import app as tokens
from workflows.persistence import require_schema
from workflows.services import (
    ID_ALPHABET,
    StaffDirectory,
    StaffEntry,
    StaffMember,
    StaffPasswords,
    known_roles,
    read_staff_csv,
)

app = typer.Typer(help="The staff directory: who may act, in which roles, over which teams.", no_args_is_help=True)
app.add_typer(tokens, name="token")

ROLE_HELP = "A role of the policies, e.g. team_manager; repeat for several."
TEAM_HELP = f"A team ({ID_ALPHABET}); repeat for several; none: service-wide."


@contextmanager
def _directory() -> Iterator[StaffDirectory]:
    app_ = bootstrap()
    require_schema(app_.engine)
    try:
        yield StaffDirectory(app_.engine, known_roles(app_.policies))
    finally:
        app_.engine.dispose()


def _teams(member: StaffMember) -> str:
    return ",".join(member.teams) or "(service-wide)"


def _line(member: StaffMember) -> str:
    state = "active" if member.active else "deactivated"
    return f"{member.id}\t{','.join(member.roles)}\t{_teams(member)}\t{member.email or '(no e-mail)'}\t{state}"


@app.command()
def add(
    staff_id: Annotated[str, typer.Argument(help=f"Staff id ({ID_ALPHABET}); never a name.")],
    role: Annotated[list[str], typer.Option("--role", help=ROLE_HELP)],
    email: Annotated[str, typer.Option("--email", help="Their e-mail address.")],
    team: Annotated[list[str] | None, typer.Option("--team", help=TEAM_HELP)] = None,
) -> None:
    """Add a member of staff."""
    with _directory() as directory:
        member = directory.add(StaffEntry(staff_id, email, tuple(role), tuple(team or ())))
    typer.echo(f"staff {member.id} added: {', '.join(member.roles)}; teams {_teams(member)}")


@app.command()
def update(
    staff_id: Annotated[str, typer.Argument(help="Staff id.")],
    email: Annotated[str | None, typer.Option("--email", help="A new e-mail address.")] = None,
    role: Annotated[list[str] | None, typer.Option("--role", help="Replaces every role; repeat for several.")] = None,
    team: Annotated[list[str] | None, typer.Option("--team", help="Replaces every team; repeat for several.")] = None,
    no_teams: Annotated[bool, typer.Option("--no-teams", help="Remove every team: service-wide.")] = False,
) -> None:
    """Change a member's e-mail, roles or teams; what is not given stays as it is."""
    if team and no_teams:
        raise OptionsInvalid(f"staff {staff_id}: give --team or --no-teams, not both")
    if email is None and not role and not team and not no_teams:
        raise OptionsInvalid(f"staff {staff_id}: nothing to change: give --email, --role, --team or --no-teams")
    teams = () if no_teams else (tuple(team) if team else None)
    with _directory() as directory:
        member = directory.update(staff_id, email=email, roles=tuple(role) if role else None, teams=teams)
    typer.echo(f"staff {member.id} updated: {', '.join(member.roles)}; teams {_teams(member)}")


@app.command()
def deactivate(staff_id: Annotated[str, typer.Argument(help="Staff id.")]) -> None:
    """Deactivate a member of staff: they act on nothing more, and every token they hold is revoked."""
    with _directory() as directory:
        revoked = directory.deactivate(staff_id)
    typer.echo(f"staff {staff_id} deactivated; {revoked} API token(s) revoked")


@app.command()
def password(
    staff_id: Annotated[str, typer.Argument(help="Staff id.")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input (its first line).")
    ] = False,
) -> None:
    """Set a member's console password (stored as an argon2 hash); read from standard input, never an argument."""
    if not password_stdin:
        raise OptionsInvalid(f"staff {staff_id}: give --password-stdin and the password on standard input")
    # Only the line ending is taken off: spaces are part of a password.
    secret = sys.stdin.readline().removesuffix("\n").removesuffix("\r")
    app_ = bootstrap()
    require_schema(app_.engine)
    try:
        StaffPasswords(app_.engine).set(staff_id, secret)
    finally:
        app_.engine.dispose()
    typer.echo(f"staff {staff_id}: console password set")


@app.command(name="list")
def list_(as_json: Annotated[bool, typer.Option("--json", help="A JSON list instead of a table.")] = False) -> None:
    """List staff: id, roles, teams, e-mail, active or deactivated."""
    with _directory() as directory:
        members = directory.members()
    if as_json:
        rows = [
            {"id": m.id, "email": m.email, "roles": list(m.roles), "teams": list(m.teams), "active": m.active}
            for m in members
        ]
        typer.echo(json.dumps(rows, indent=2))
        return
    for member in members:
        typer.echo(_line(member))


@app.command(name="import")
def import_(
    file: Annotated[
        Path, typer.Argument(help="CSV with the columns id,email,roles,teams; roles and teams split by ';'.")
    ],
) -> None:
    """Add and update staff from a CSV file: every row or, if any row is bad, none."""
    with _directory() as directory:
        entries = read_staff_csv(file, directory.roles)
        report = directory.save_all(entries)
    typer.echo(f"{file}: {report.added} added, {report.updated} updated")
