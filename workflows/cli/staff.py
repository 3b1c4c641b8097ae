"""`caseflow staff ...`: the staff records manager escalation checks (id, role, team)."""

from __future__ import annotations

from typing import Annotated

import typer

from workflows.bootstrap import bootstrap
from workflows.services import StaffMember, add_staff, list_staff

app = typer.Typer(help="Staff records: who manages which team.", no_args_is_help=True)


@app.command()
def add(
    staff_id: Annotated[str, typer.Argument(help="Staff id (no names).")],
    role: Annotated[str, typer.Option("--role", help="Role, e.g. team_manager.")],
    team: Annotated[str | None, typer.Option("--team", help="Team; omit for a service-wide manager.")] = None,
) -> None:
    """Add a member of staff."""
    add_staff(bootstrap().engine, StaffMember(staff_id, role, team))
    typer.echo(f"staff {staff_id} added: {role}, team {team or '(service-wide)'}")


@app.command(name="list")
def list_() -> None:
    """List staff: id, role, team."""
    for member in list_staff(bootstrap().engine):
        typer.echo(f"{member.id}\t{member.role}\t{member.team or '(service-wide)'}")
