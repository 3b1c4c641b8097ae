"""Read models for operations and managers: case listings and the late-work dashboard (one case: case_detail).

Only references, statuses, codes, roles and dates leave here: never a date of birth, an address or free text
(a child's views, a closure reason, an escalation note). Lateness is counted in working days under each case's
own policy, live as of the date asked, so it needs no sweep to have run.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, select

from states.lifecycle import CaseStatus
from states.policy import Policy
from workflows.persistence import (
    ActionRow,
    AuditEventRow,
    CaseRow,
    EscalationRow,
    NotificationRow,
)
from workflows.views.errors import UnknownStatus
from workflows.views.lateness import BELOW_LADDER, OPEN, Lateness, day_of

__all__ = [
    "GROUPINGS",
    "CaseFilter",
    "CaseSummary",
    "OverdueItem",
    "UnknownStatus",
    "as_json",
    "list_cases",
    "overdue_actions",
    "overdue_counts",
]

_cases = CaseRow.__table__
_actions = ActionRow.__table__
_events = AuditEventRow.__table__
_escalations = EscalationRow.__table__
_notifications = NotificationRow.__table__

NO_TEAM = "(no team)"


@dataclass(frozen=True)
class CaseFilter:
    """Which cases a listing shows; with `owner_role`, only that role's open actions are counted."""

    status: str | None = None
    team: str | None = None
    owner_role: str | None = None
    overdue_only: bool = False


@dataclass(frozen=True)
class CaseSummary:
    """One line of the case listing."""

    reference: str
    authority: str
    team: str | None
    status: str
    open_actions: int
    overdue_actions: int
    next_due_on: date | None
    most_working_days_late: int


@dataclass(frozen=True)
class OverdueItem:
    """One late open action on the dashboard: the rung of its case's ladder it has reached."""

    reference: str
    authority: str
    team: str | None
    kind: str
    owner_role: str
    due_on: date
    working_days_late: int
    level: str


def _check_status(status: str | None) -> None:
    if status is not None and status not in {s.value for s in CaseStatus if s is not CaseStatus.NEW}:
        raise UnknownStatus(status)


def list_cases(
    connection: Connection, policies: Mapping[str, Policy], as_of: date, where: CaseFilter = CaseFilter()
) -> list[CaseSummary]:
    """The cases matching `where`, by reference, with their open and overdue action counts as of `as_of`."""
    _check_status(where.status)
    joined = and_(_actions.c.case_id == _cases.c.id, _actions.c.status == OPEN)
    if where.owner_role is not None:
        joined = and_(joined, _actions.c.owner_role == where.owner_role)
    query = (
        select(_cases.c.reference, _cases.c.authority, _cases.c.team, _cases.c.status, _actions.c.due_on)
        .select_from(_cases.outerjoin(_actions, joined))
        .order_by(_cases.c.reference, _actions.c.due_on)
    )
    if where.status is not None:
        query = query.where(_cases.c.status == where.status)
    if where.team is not None:
        query = query.where(_cases.c.team == where.team)
    summaries = _summaries(connection.execute(query).all(), Lateness(policies), as_of)
    if where.owner_role is not None:
        summaries = [s for s in summaries if s.open_actions]
    if where.overdue_only:
        summaries = [s for s in summaries if s.overdue_actions]
    return summaries


def _summaries(rows: Sequence[Any], lateness: Lateness, as_of: date) -> list[CaseSummary]:
    grouped: dict[str, list[Any]] = {}
    for row in rows:
        grouped.setdefault(row.reference, []).append(row)
    return [_summary(group, lateness, as_of) for group in grouped.values()]


def _summary(rows: Sequence[Any], lateness: Lateness, as_of: date) -> CaseSummary:
    first = rows[0]
    due = [day_of(row.due_on) for row in rows if row.due_on is not None]
    late = [lateness.late(first.authority, day, as_of) for day in due if day is not None]
    upcoming = [day for day in due if day is not None and day >= as_of]
    return CaseSummary(
        reference=first.reference,
        authority=first.authority,
        team=first.team,
        status=first.status,
        open_actions=len(due),
        overdue_actions=sum(1 for days in late if days > 0),
        next_due_on=min(upcoming) if upcoming else None,
        most_working_days_late=max(late, default=0),
    )


def overdue_actions(connection: Connection, policies: Mapping[str, Policy], as_of: date) -> list[OverdueItem]:
    """Every open action at least one working day late as of `as_of`, most late first."""
    rows = connection.execute(
        select(
            _cases.c.reference,
            _cases.c.authority,
            _cases.c.team,
            _actions.c.kind,
            _actions.c.owner_role,
            _actions.c.due_on,
        )
        .join(_cases, _cases.c.id == _actions.c.case_id)
        .where(_actions.c.status == OPEN, _actions.c.due_on < as_of)
    )
    lateness = Lateness(policies)
    items = []
    for row in rows:
        due = day_of(row.due_on)
        assert due is not None  # the column is NOT NULL
        late = lateness.late(row.authority, due, as_of)
        if late > 0:
            where = (row.reference, row.authority, row.team)
            items.append(OverdueItem(*where, row.kind, row.owner_role, due, late, lateness.level(row.authority, late)))
    return sorted(items, key=lambda item: (-item.working_days_late, item.reference, item.kind))


GROUPINGS: dict[str, Callable[[OverdueItem], str]] = {
    "level": lambda item: item.level,
    "team": lambda item: item.team or NO_TEAM,
    "kind": lambda item: item.kind,
}


def overdue_counts(items: Iterable[OverdueItem], by: str, policies: Mapping[str, Policy]) -> dict[str, int]:
    """How many late actions per level (in ladder order), team or action kind (most first); `by` is a GROUPINGS key."""
    counts = Counter(GROUPINGS[by](item) for item in items)
    if by == "level":
        ladder = [rung.level for policy in policies.values() for rung in policy.escalation]
        order = [BELOW_LADDER, *dict.fromkeys(ladder)]
        ranked = sorted(counts, key=lambda level: (order.index(level) if level in order else len(order), level))
        return {level: counts[level] for level in ranked}
    return dict(sorted(counts.items(), key=lambda pair: (-pair[1], pair[0])))


def as_json(value: Any) -> Any:
    """A read model (dataclass, list, dict) as JSON-ready values: dates and times in ISO 8601."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {field.name: as_json(getattr(value, field.name)) for field in dataclasses.fields(value)}
    if isinstance(value, list | tuple):
        return [as_json(item) for item in value]
    if isinstance(value, dict):
        return {str(key): as_json(item) for key, item in value.items()}
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value
