"""`caseflow staff ...`: the staff records manager escalation checks (id, role, team)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from states.errors import CaseflowError
from workflows.bootstrap import bootstrap
from workflows.escalation_models import StaffRow

app = typer.Typer(help="Staff records: who manages which team.", no_args_is_help=True)
_staff = StaffRow.__table__


class StaffExists(CaseflowError):
    """A staff record with that id already exists."""


@app.command()
def add(
    staff_id: Annotated[str, typer.Argument(help="Staff id (no names).")],
    role: Annotated[str, typer.Option("--role", help="Role, e.g. team_manager.")],
    team: Annotated[str | None, typer.Option("--team", help="Team; omit for a service-wide manager.")] = None,
) -> None:
    """Add a member of staff."""
    engine = bootstrap().engine
    try:
        with engine.begin() as connection:
            row = {"id": staff_id, "role": role, "team": team, "created_at": datetime.now(UTC)}
            connection.execute(insert(_staff), row)
    except IntegrityError:
        raise StaffExists(f"staff {staff_id}: already recorded") from None
    typer.echo(f"staff {staff_id} added: {role}, team {team or '(service-wide)'}")


@app.command(name="list")
def list_staff() -> None:
    """List staff: id, role, team."""
    engine = bootstrap().engine
    with engine.connect() as connection:
        for row in connection.execute(select(_staff.c.id, _staff.c.role, _staff.c.team).order_by(_staff.c.id)):
            typer.echo(f"{row.id}\t{row.role}\t{row.team or '(service-wide)'}")
