"""One case in full, for a manager or operations: recorded dates and codes, actions with lateness, history,
escalations and notices. Never a date of birth, an address or free text (a child's views, a reason, a note).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, select

from states.policy import Policy
from workflows.persistence import (
    ActionRow,
    AuditEventRow,
    CaseNotFound,
    CaseRow,
    EscalationRow,
    NotificationRow,
)
from workflows.views.lateness import OPEN, Lateness, day_of

__all__ = [
    "CODE_FACTS",
    "ActionView",
    "CaseDetail",
    "EscalationView",
    "HistoryEntry",
    "NotificationView",
    "case_detail",
    "shareable_facts",
]

_cases = CaseRow.__table__
_actions = ActionRow.__table__
_events = AuditEventRow.__table__
_escalations = EscalationRow.__table__
_notifications = NotificationRow.__table__

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
    raised_via: str | None = None  # a manual one: cli, api, or prefect_ui_on_behalf (an operator for the manager)


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
    # The pre-proceedings track beside the status ("none" when no pre-proceedings are open).
    pre_proceedings: str = "none"
    allocated_worker: str | None = None  # the staff id of the social worker who holds the case

    @property
    def open_actions(self) -> list[ActionView]:
        """The actions still open, soonest due first."""
        return sorted((a for a in self.actions if a.status == OPEN), key=lambda a: (a.due_on, a.id))


def case_detail(connection: Connection, policies: Mapping[str, Policy], reference: str, as_of: date) -> CaseDetail:
    """The case called `reference` as of `as_of`; CaseNotFound if there is none."""
    case = connection.execute(
        select(
            _cases.c.id,
            _cases.c.authority,
            _cases.c.team,
            _cases.c.allocated_worker,
            _cases.c.status,
            _cases.c.version,
            _cases.c.facts,
            _cases.c.pre_proceedings,
        ).where(_cases.c.reference == reference)
    ).one_or_none()
    if case is None:
        raise CaseNotFound(reference)
    lateness = Lateness(policies)
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
        pre_proceedings=case.pre_proceedings,
        allocated_worker=case.allocated_worker,
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
    connection: Connection, case_id: int, authority: str, lateness: Lateness, as_of: date
) -> list[ActionView]:
    rows = connection.execute(select(_actions).where(_actions.c.case_id == case_id).order_by(_actions.c.id))
    views = []
    for row in rows:
        due, done = day_of(row.due_on), day_of(row.done_on)
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
                opened_on=day_of(row.opened_on) or due,
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
            day_of(row.occurred_on),
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
            _escalations.c.raised_via,
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
            day_of(row.due_on),
            row.working_days_overdue,
            day_of(row.raised_on) or date.min,
            row.raised_by,
            row.reason_code,
            row.raised_via,
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
            day_of(row.due_on),
            row.created_at,
            _email_state(row.emailed_at, row.email_attempts or 0),
        )
        for row in rows
    ]
