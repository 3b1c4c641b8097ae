"""The staff directory: who may act, in which roles, over which teams (id, e-mail, roles, teams, active).

Roles are the policies' role names. A member with no teams is service-wide: a service-wide role they hold (service
manager, head of service) covers every team, while a team role (a team manager) held with no team covers none.
Deactivating a member is final (there is no reactivation yet) and revokes every API token they hold, in the same
transaction.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from workflows.logs import get_logger
from workflows.persistence import ApiTokenRow, StaffRoleRow, StaffRow, StaffTeamRow
from workflows.services.errors import StaffExists, StaffInactive, StaffInvalid, StaffNotFound
from workflows.services.staff_fields import (
    FieldProblem,
    StaffEntry,
    email_problem,
    require_valid,
    role_problem,
    team_problem,
)
from workflows.settings import utc_now

__all__ = ["ImportReport", "StaffDirectory", "StaffMember", "load_member"]

_staff, _roles, _teams = StaffRow.__table__, StaffRoleRow.__table__, StaffTeamRow.__table__
_tokens = ApiTokenRow.__table__
LOGGER = "caseflow.staff"


def _log() -> Any:
    # Bound at each use, not at import: a logger bound before logging is configured keeps structlog's defaults.
    return get_logger(LOGGER)


@dataclass(frozen=True)
class StaffMember:
    """One member of staff as the directory holds them; `email` is None only for a record migrated without one."""

    id: str
    email: str | None
    roles: tuple[str, ...]
    teams: tuple[str, ...]
    active: bool = True

    @property
    def service_wide(self) -> bool:
        """No teams: the member's remit is the whole service."""
        return not self.teams


@dataclass(frozen=True)
class ImportReport:
    """What an import did: members added, members updated."""

    added: int
    updated: int


def _members(connection: Connection, ids: Sequence[str] | None = None) -> list[StaffMember]:
    people, roles, teams = select(_staff), select(_roles), select(_teams)
    if ids is not None:
        people = people.where(_staff.c.id.in_(ids))
        roles, teams = roles.where(_roles.c.staff_id.in_(ids)), teams.where(_teams.c.staff_id.in_(ids))
    roles_of: defaultdict[str, list[str]] = defaultdict(list)
    teams_of: defaultdict[str, list[str]] = defaultdict(list)
    for row in connection.execute(roles):
        roles_of[row.staff_id].append(row.role)
    for row in connection.execute(teams):
        teams_of[row.staff_id].append(row.team)
    return [
        StaffMember(
            row.id,
            row.email,
            tuple(sorted(roles_of[row.id])),
            tuple(sorted(teams_of[row.id])),
            row.deactivated_at is None,
        )
        for row in connection.execute(people.order_by(_staff.c.id))
    ]


def load_member(connection: Connection, staff_id: str) -> StaffMember | None:
    """The member of staff with that id, or None."""
    found = _members(connection, [staff_id])
    return found[0] if found else None


def _unique(values: Iterable[str]) -> list[str]:
    return sorted(set(values))


def _set_roles_and_teams(
    connection: Connection, staff_id: str, roles: Iterable[str] | None, teams: Iterable[str] | None
) -> None:
    if roles is not None:
        connection.execute(delete(_roles).where(_roles.c.staff_id == staff_id))
        connection.execute(insert(_roles), [{"staff_id": staff_id, "role": role} for role in _unique(roles)])
    if teams is not None:
        connection.execute(delete(_teams).where(_teams.c.staff_id == staff_id))
        rows = [{"staff_id": staff_id, "team": team} for team in _unique(teams)]
        if rows:
            connection.execute(insert(_teams), rows)


class StaffDirectory:
    """Add, change, deactivate and list members of staff; `roles` are the role names the loaded policies know."""

    def __init__(self, engine: Engine, roles: Collection[str], clock: Callable[[], datetime] = utc_now) -> None:
        self._engine, self._roles, self._clock = engine, roles, clock

    @property
    def roles(self) -> Collection[str]:
        """The role names a member may hold."""
        return self._roles

    def members(self) -> list[StaffMember]:
        """Every member of staff, by id."""
        with self._engine.connect() as connection:
            return _members(connection)

    def get(self, staff_id: str) -> StaffMember:
        """The member with that id; StaffNotFound if none."""
        with self._engine.connect() as connection:
            member = load_member(connection, staff_id)
        if member is None:
            raise StaffNotFound(f"staff {staff_id}: no such member of staff")
        return member

    def add(self, entry: StaffEntry) -> StaffMember:
        """Record a new member of staff, active; an id already recorded is refused."""
        require_valid(entry, self._roles)
        try:
            with self._engine.begin() as connection:
                self._insert(connection, entry)
        except IntegrityError:
            raise StaffExists(f"staff {entry.id}: already recorded") from None
        _log().info("staff_added", staff_id=entry.id, roles=list(entry.roles), teams=list(entry.teams))
        return self.get(entry.id)

    def _insert(self, connection: Connection, entry: StaffEntry) -> None:
        connection.execute(
            insert(_staff), {"id": entry.id, "email": entry.email, "created_at": self._clock(), "deactivated_at": None}
        )
        _set_roles_and_teams(connection, entry.id, entry.roles, entry.teams)

    def update(
        self,
        staff_id: str,
        *,
        email: str | None = None,
        roles: Sequence[str] | None = None,
        teams: Sequence[str] | None = None,
    ) -> StaffMember:
        """Change what is given (roles and teams are replaced whole); what is not given stays."""
        problems = [
            email_problem(email) if email is not None else None,
            role_problem(roles, self._roles) if roles is not None else None,
            team_problem(teams) if teams is not None else None,
        ]
        self._refuse(staff_id, [problem for problem in problems if problem is not None])
        with self._engine.begin() as connection:
            self._require(connection, staff_id)
            if email is not None:
                connection.execute(update(_staff).where(_staff.c.id == staff_id).values(email=email))
            _set_roles_and_teams(connection, staff_id, roles, teams)
        _log().info("staff_updated", staff_id=staff_id, email_changed=email is not None, roles=roles, teams=teams)
        return self.get(staff_id)

    @staticmethod
    def _refuse(staff_id: str, problems: list[FieldProblem]) -> None:
        if problems:
            raise StaffInvalid(f"staff {staff_id}: {'; '.join(str(problem) for problem in problems)}")

    @staticmethod
    def _require(connection: Connection, staff_id: str) -> bool:
        """Whether the member is active, locking their row; StaffNotFound if there is none."""
        row = connection.execute(
            select(_staff.c.id, _staff.c.deactivated_at).where(_staff.c.id == staff_id).with_for_update()
        ).first()
        if row is None:
            raise StaffNotFound(f"staff {staff_id}: no such member of staff")
        return row.deactivated_at is None

    def deactivate(self, staff_id: str) -> int:
        """Deactivate a member and revoke every token they hold; how many tokens were revoked."""
        now = self._clock()
        with self._engine.begin() as connection:
            if not self._require(connection, staff_id):
                raise StaffInactive(f"staff {staff_id}: already deactivated")
            connection.execute(update(_staff).where(_staff.c.id == staff_id).values(deactivated_at=now))
            revoked = connection.execute(
                update(_tokens)
                .where(_tokens.c.staff_id == staff_id, _tokens.c.revoked_at.is_(None))
                .values(revoked_at=now)
            )
        _log().info("staff_deactivated", staff_id=staff_id, tokens_revoked=revoked.rowcount)
        return revoked.rowcount

    def save_all(self, entries: Sequence[StaffEntry]) -> ImportReport:
        """Add the new members and update the known ones, all or nothing; deactivated members stay deactivated."""
        for entry in entries:
            require_valid(entry, self._roles)
        repeated = sorted(staff_id for staff_id, times in Counter(entry.id for entry in entries).items() if times > 1)
        if repeated:
            raise StaffInvalid(f"staff {', '.join(repeated)}: listed more than once")
        try:
            with self._engine.begin() as connection:
                report = self._save_all(connection, entries)
        except IntegrityError:
            raise StaffExists("staff import: a member was added by someone else meanwhile; nothing imported") from None
        _log().info("staff_imported", added=report.added, updated=report.updated)
        return report

    def _save_all(self, connection: Connection, entries: Sequence[StaffEntry]) -> ImportReport:
        # The whole directory's ids: a few thousand at most, and no limit on bound parameters to meet.
        known = set(connection.execute(select(_staff.c.id)).scalars())
        updated = 0
        for entry in entries:
            if entry.id in known:
                connection.execute(update(_staff).where(_staff.c.id == entry.id).values(email=entry.email))
                _set_roles_and_teams(connection, entry.id, entry.roles, entry.teams)
                updated += 1
            else:
                self._insert(connection, entry)
        return ImportReport(added=len(entries) - updated, updated=updated)
