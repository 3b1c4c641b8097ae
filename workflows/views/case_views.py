"""Read models for operations and managers: case listings, one case in full, the late-work dashboard.

Only references, statuses, codes, roles and dates leave here: never a date of birth, an address or free text
(a child's views, a closure reason, an escalation note). Lateness is counted in working days under each case's
own policy, live as of the date asked, so it needs no sweep to have run.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, select

from states.errors import CaseflowError
from states.lifecycle import CaseStatus
from states.policy import Policy, PolicyNotFound
from workflows.persistence import (
    FIRED_EVENT,
    ActionRow,
    AuditEventRow,
    CaseNotFound,
    CaseRow,
    EscalationRow,
    NotificationRow,
)
from workflows.services import REFUSED_EVENT

__all__ = [
    "BELOW_LADDER",
    "FIRED_EVENT",
    "GROUPINGS",
    "REFUSED_EVENT",
    "ActionView",
    "CaseDetail",
    "CaseFilter",
    "CaseSummary",
    "EscalationView",
    "HistoryEntry",
    "NotificationView",
    "OverdueItem",
    "UnknownStatus",
    "as_json",
    "case_detail",
    "list_cases",
    "overdue_actions",
    "overdue_counts",
]

_cases = CaseRow.__table__
_actions = ActionRow.__table__
_events = AuditEventRow.__table__
_escalations = EscalationRow.__table__
_notifications = NotificationRow.__table__

OPEN = "open"
# An action late by fewer working days than the first rung of its policy's ladder.
BELOW_LADDER = "below_ladder"
NO_TEAM = "(no team)"

# Facts holding codes rather than dates; every other fact shown must be a `..._date` or a count or flag.
# Free-text facts (child_views, closure_reason, ...) match neither rule, so they never leave the database.
CODE_FACTS = frozenset(
    {
        "conference_kind",
        "icpc_outcome",
        "initial_category",
        "latest_category",
        "sub_category",
        "child_only_conference_return",
        "plan_end_reason",
    }
)
_CODE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class UnknownStatus(CaseflowError):
    """A status filter that is not one of the lifecycle's statuses."""

    def __init__(self, status: str) -> None:
        known = ", ".join(s.value for s in CaseStatus if s is not CaseStatus.NEW)
        super().__init__(f"status {status!r}: not a case status (expected one of {known})")


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
class ActionView:
    """An action with its lateness: as of the date asked while open, on the day it was done once done."""

    id: int
    kind: str
    owner_role: str
    status: str
    mandatory: bool
    opened_on: date
    due_on: date
    done_on: date | None
    close_reason: str | None
    working_days_late: int


@dataclass(frozen=True)
class HistoryEntry:
    """One audit event of the case, without its payload (which may carry free text)."""

    seq: int
    event: str
    trigger: str | None
    occurred_on: date | None
    from_status: str | None
    to_status: str | None
    actor_id: str
    actor_role: str


@dataclass(frozen=True)
class EscalationView:
    """An escalation raised by the sweep (on an action) or by a manager (on the case); the note stays behind."""

    id: int
    level: str
    source: str
    action_kind: str | None
    due_on: date | None
    working_days_overdue: int | None
    raised_on: date
    raised_by: str | None
    reason_code: str | None


@dataclass(frozen=True)
class NotificationView:
    """A notice sent to a role about the case, and what became of its e-mail copy."""

    kind: str
    recipient_role: str
    action_kind: str | None
    due_on: date | None
    created_at: datetime
    email: str  # emailed / failed / inbox_only


@dataclass(frozen=True)
class CaseDetail:
    """One case in full, as of a date: everything `case show` and the timeline need."""

    reference: str
    authority: str
    team: str | None
    status: str
    version: int
    as_of: date
    facts: dict[str, Any]
    actions: list[ActionView]
    history: list[HistoryEntry]
    escalations: list[EscalationView]
    notifications: list[NotificationView]

    @property
    def open_actions(self) -> list[ActionView]:
        """The actions still open, soonest due first."""
        return sorted((a for a in self.actions if a.status == OPEN), key=lambda a: (a.due_on, a.id))


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


class _Lateness:
    """Working days late under each authority's calendar, one calendar per authority."""

    def __init__(self, policies: Mapping[str, Policy]) -> None:
        self._policies = policies
        self._memo: dict[tuple[str, date, date], int] = {}

    def policy(self, authority: str) -> Policy:
        try:
            return self._policies[authority]
        except KeyError:
            message = f"authority {authority!r}: no policy loaded for it (its cases cannot be shown)"
            raise PolicyNotFound(message) from None

    def late(self, authority: str, due_on: date, on: date) -> int:
        """Working days after `due_on` up to and including `on`; 0 when not late."""
        key = (authority, due_on, on)
        if key not in self._memo:
            between = self.policy(authority).calendar().working_days_between(due_on, on) if on > due_on else 0
            self._memo[key] = max(between, 0)
        return self._memo[key]

    def level(self, authority: str, working_days_late: int) -> str:
        rung = self.policy(authority).escalation_level(working_days_late)
        return rung.level if rung is not None else BELOW_LADDER


def _day(value: Any) -> date | None:
    # SQLite hands dates back as ISO text through some paths, PostgreSQL as dates.
    return date.fromisoformat(value) if isinstance(value, str) else value


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
    summaries = _summaries(connection.execute(query).all(), _Lateness(policies), as_of)
    if where.owner_role is not None:
        summaries = [s for s in summaries if s.open_actions]
    if where.overdue_only:
        summaries = [s for s in summaries if s.overdue_actions]
    return summaries


def _summaries(rows: Sequence[Any], lateness: _Lateness, as_of: date) -> list[CaseSummary]:
    grouped: dict[str, list[Any]] = {}
    for row in rows:
        grouped.setdefault(row.reference, []).append(row)
    return [_summary(group, lateness, as_of) for group in grouped.values()]


def _summary(rows: Sequence[Any], lateness: _Lateness, as_of: date) -> CaseSummary:
    first = rows[0]
    due = [_day(row.due_on) for row in rows if row.due_on is not None]
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


def case_detail(connection: Connection, policies: Mapping[str, Policy], reference: str, as_of: date) -> CaseDetail:
    """The case called `reference` as of `as_of`; CaseNotFound if there is none."""
    case = connection.execute(
        select(_cases.c.id, _cases.c.authority, _cases.c.team, _cases.c.status, _cases.c.version, _cases.c.facts).where(
            _cases.c.reference == reference
        )
    ).one_or_none()
    if case is None:
        raise CaseNotFound(reference)
    lateness = _Lateness(policies)
    return CaseDetail(
        reference=reference,
        authority=case.authority,
        team=case.team,
        status=case.status,
        version=case.version,
        as_of=as_of,
        facts=shareable_facts(case.facts or {}),
        actions=_action_views(connection, case.id, case.authority, lateness, as_of),
        history=_history(connection, reference),
        escalations=_escalation_views(connection, case.id),
        notifications=_notification_views(connection, reference),
    )


def shareable_facts(facts: Mapping[str, Any]) -> dict[str, Any]:
    """The recorded facts that are dates, codes, counts or flags, by name; free text is left out."""
    return {name: value for name, value in sorted(facts.items()) if _shareable(name, value)}


def _shareable(name: str, value: Any) -> bool:
    if value is None or isinstance(value, bool | int):
        return True
    if not isinstance(value, str):
        return False
    if name.endswith("_date"):
        return bool(_ISO_DATE.match(value))
    return name in CODE_FACTS and bool(_CODE.match(value))


def _action_views(
    connection: Connection, case_id: int, authority: str, lateness: _Lateness, as_of: date
) -> list[ActionView]:
    rows = connection.execute(select(_actions).where(_actions.c.case_id == case_id).order_by(_actions.c.id))
    views = []
    for row in rows:
        due, done = _day(row.due_on), _day(row.done_on)
        assert due is not None  # the column is NOT NULL
        until = as_of if row.status == OPEN else done if row.status == "done" else None
        late = lateness.late(authority, due, until) if until is not None else 0
        views.append(
            ActionView(
                id=row.id,
                kind=row.kind,
                owner_role=row.owner_role,
                status=row.status,
                mandatory=bool(row.mandatory),
                opened_on=_day(row.opened_on) or due,
                due_on=due,
                done_on=done,
                close_reason=row.close_reason,
                working_days_late=late,
            )
        )
    return views


def _history(connection: Connection, reference: str) -> list[HistoryEntry]:
    rows = connection.execute(
        select(
            _events.c.seq,
            _events.c.event_type,
            _events.c.trigger,
            _events.c.occurred_on,
            _events.c.from_status,
            _events.c.to_status,
            _events.c.actor_id,
            _events.c.actor_role,
        )
        .where(_events.c.case_reference == reference)
        .order_by(_events.c.seq)
    )
    return [
        HistoryEntry(
            row.seq,
            row.event_type,
            row.trigger,
            _day(row.occurred_on),
            row.from_status,
            row.to_status,
            row.actor_id,
            row.actor_role,
        )
        for row in rows
    ]


def _escalation_views(connection: Connection, case_id: int) -> list[EscalationView]:
    rows = connection.execute(
        select(
            _escalations.c.id,
            _escalations.c.level,
            _escalations.c.source,
            _actions.c.kind,
            _escalations.c.due_on,
            _escalations.c.working_days_overdue,
            _escalations.c.raised_on,
            _escalations.c.raised_by,
            _escalations.c.reason_code,
        )
        .select_from(_escalations.outerjoin(_actions, _actions.c.id == _escalations.c.action_id))
        .where(_escalations.c.case_id == case_id)
        .order_by(_escalations.c.raised_on, _escalations.c.id)
    )
    return [
        EscalationView(
            row.id,
            row.level,
            row.source,
            row.kind,
            _day(row.due_on),
            row.working_days_overdue,
            _day(row.raised_on) or date.min,
            row.raised_by,
            row.reason_code,
        )
        for row in rows
    ]


def _email_state(emailed_at: datetime | None, attempts: int) -> str:
    if emailed_at is not None:
        return "emailed"
    return "failed" if attempts else "inbox_only"


def _notification_views(connection: Connection, reference: str) -> list[NotificationView]:
    rows = connection.execute(
        select(
            _notifications.c.kind,
            _notifications.c.recipient_role,
            _notifications.c.action_kind,
            _notifications.c.due_on,
            _notifications.c.created_at,
            _notifications.c.emailed_at,
            _notifications.c.email_attempts,
        )
        .where(_notifications.c.case_reference == reference)
        .order_by(_notifications.c.created_at, _notifications.c.id)
    )
    return [
        NotificationView(
            row.kind,
            row.recipient_role,
            row.action_kind,
            _day(row.due_on),
            row.created_at,
            _email_state(row.emailed_at, row.email_attempts or 0),
        )
        for row in rows
    ]


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
    lateness = _Lateness(policies)
    items = []
    for row in rows:
        due = _day(row.due_on)
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
