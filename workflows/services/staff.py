"""The staff directory: who manages which team (id, role, team; never a name)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError

from workflows.persistence import StaffRow
from workflows.services.errors import StaffExists
from workflows.settings import utc_now

__all__ = ["StaffExists", "StaffMember", "add_staff", "list_staff"]

_staff = StaffRow.__table__


@dataclass(frozen=True)
class StaffMember:
    """One member of staff: id, role and team (None: service-wide)."""

    id: str
    role: str
    team: str | None


def add_staff(engine: Engine, member: StaffMember) -> None:
    """Record a member of staff; an id already recorded is refused."""
    try:
        with engine.begin() as connection:
            connection.execute(
                insert(_staff), {"id": member.id, "role": member.role, "team": member.team, "created_at": utc_now()}
            )
    except IntegrityError:
        raise StaffExists(f"staff {member.id}: already recorded") from None


def list_staff(engine: Engine) -> list[StaffMember]:
    """Every member of staff, by id."""
    with engine.connect() as connection:
        rows = connection.execute(select(_staff.c.id, _staff.c.role, _staff.c.team).order_by(_staff.c.id))
        return [StaffMember(row.id, row.role, row.team) for row in rows]
