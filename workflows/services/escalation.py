"""Escalating by hand: a manager over a case's team raises it up the ladder by hand; every attempt is audited.

Who is a manager over a team comes from the staff directory: an active member holding a manager role, and either
the case's team among their teams, or no teams at all (service-wide) with a service-wide role (service manager,
head of service). A team manager with no teams is over no team.

The reason is a code from a fixed list, because Prefect shows a flow's parameters to everyone who can see the
run. Free text about the child (`note`) is accepted only by the in-process service (the CLI), which stores it in
the escalations table and nowhere else: not in the audit payload, logs, run names or parameters.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, Engine, insert, select
from sqlalchemy.exc import IntegrityError

from states.policy import OWNER_LEVEL, SERVICE_WIDE_ROLES, Policy
from workflows.logs import get_logger
from workflows.persistence import AuditRecord, CaseRow, EscalationRow, audit
from workflows.services.errors import EscalationRefused, UnknownCase
from workflows.services.staff import StaffMember, load_member
from workflows.settings import utc_now

__all__ = [
    "ESCALATED_EVENT",
    "MANAGER_ROLES",
    "RAISED_VIA_API",
    "RAISED_VIA_CLI",
    "RAISED_VIA_CONSOLE",
    "RAISED_VIA_PREFECT_UI",
    "REFUSED_EVENT",
    "EscalationReason",
    "EscalationRefused",
    "EscalationRequest",
    "ManagerEscalations",
    "UnknownCase",
    "escalation_levels",
    "manager_role_over",
]

ESCALATED_EVENT = "escalation_raised"
REFUSED_EVENT = "escalation_refused"
MANAGER_ROLES = ("team_manager", "service_manager", "head_of_service")
AUDIT_ATTEMPTS = 5
# How a manual escalation came in, recorded on its row and its audit events: the manager themself at the command
# line, or an operator in the Prefect UI on behalf of the named manager (the form cannot prove who fills it in).
RAISED_VIA_CLI = "cli"
RAISED_VIA_PREFECT_UI = "prefect_ui_on_behalf"
RAISED_VIA_API = "api"
RAISED_VIA_CONSOLE = "console"

_cases = CaseRow.__table__
_escalations = EscalationRow.__table__
LOGGER = "caseflow.manager_escalation"


def _log() -> Any:
    # Bound at each use, not at import: a logger bound before logging is configured keeps structlog's defaults.
    return get_logger(LOGGER)


class EscalationReason(StrEnum):
    """Why a manager escalates a case: a fixed list, safe to show in the Prefect UI."""

    DEADLINE_MISSED = "deadline_missed"
    PLAN_NOT_PROGRESSING = "plan_not_progressing"
    SAFETY_CONCERN = "safety_concern"
    PROFESSIONAL_DISAGREEMENT = "professional_disagreement"
    RESOURCES = "resources"
    OTHER = "other"


@dataclass(frozen=True)
class _Case:
    id: int
    reference: str
    authority: str
    team: str | None


@dataclass(frozen=True)
class EscalationRequest:
    """One manager's request, without the free-text note."""

    case_reference: str
    level: str
    reason: EscalationReason
    manager_id: str
    today: date
    raised_via: str = RAISED_VIA_CLI


def manager_role_over(member: StaffMember, case_team: str | None) -> str | None:
    """The manager role in which `member` is over `case_team` (the first in MANAGER_ROLES order), or None."""
    for role in MANAGER_ROLES:
        if role not in member.roles:
            continue
        if case_team in member.teams or (member.service_wide and role in SERVICE_WIDE_ROLES):
            return role
    return None


def _acting_role(member: StaffMember) -> str:
    """The role an attempt is audited under when it is refused: a manager role the member holds, else their first."""
    held = [role for role in MANAGER_ROLES if role in member.roles]
    return (held or list(member.roles) or ["unknown"])[0]


def _not_over(member: StaffMember, case_team: str | None) -> str:
    teams = f"team{'s' if len(member.teams) > 1 else ''} {', '.join(member.teams) or 'none'}"
    return f"a {' and '.join(member.roles)} of {teams} is not a manager over team {case_team or 'none'}"


def escalation_levels(policy: Policy) -> list[str]:
    """The levels a manager may escalate a case of `policy` to, lowest first."""
    return [rung.level for rung in policy.escalation if rung.level != OWNER_LEVEL]


class ManagerEscalations:
    """Raise an escalation by hand: checked against the staff directory and the case's policy, audited either way."""

    def __init__(self, engine: Engine, policies: dict[str, Policy], clock: Callable[[], datetime] = utc_now) -> None:
        self._engine, self._policies, self._clock = engine, policies, clock

    def raise_escalation(
        self, request: EscalationRequest, note: str | None = None, request_key: str | None = None
    ) -> int:
        """The new escalation's id (the existing one's for a repeated request_key); EscalationRefused if not allowed."""
        with self._engine.connect() as connection:
            case = self._case(connection, request.case_reference)
            role, problem = self._check(connection, case, request)
        if problem is not None:
            self._audit(case, request, role, REFUSED_EVENT, {"problem": problem})
            # `escalation_level`, not `level`: structlog's own `level` key (the log level) would overwrite it.
            _log().warning(
                "escalation_refused",
                case_ref=case.reference,
                manager_id=request.manager_id,
                escalation_level=request.level,
            )
            raise EscalationRefused(case.reference, request.manager_id, problem)
        escalation_id = self._record(case, request, role, note, request_key)
        _log().info(
            "escalation_raised", case_ref=case.reference, escalation_level=request.level, escalation_id=escalation_id
        )
        return escalation_id

    def _case(self, connection: Connection, reference: str) -> _Case:
        row = connection.execute(
            select(_cases.c.id, _cases.c.reference, _cases.c.authority, _cases.c.team).where(
                _cases.c.reference == reference
            )
        ).first()
        if row is None:
            raise UnknownCase(f"case {reference}: no such case")
        return _Case(row.id, row.reference, row.authority, row.team)

    def _check(self, connection: Connection, case: _Case, request: EscalationRequest) -> tuple[str, str | None]:
        member = load_member(connection, request.manager_id)
        if member is None:
            return "unknown", "no staff record with that id"
        if not member.active:
            return _acting_role(member), "the staff record is deactivated"
        role = manager_role_over(member, case.team)
        if role is None:
            return _acting_role(member), _not_over(member, case.team)
        policy = self._policies.get(case.authority)
        levels = escalation_levels(policy) if policy is not None else []
        if request.level not in levels:
            return role, f"level {request.level!r} is not on the ladder (levels: {', '.join(levels) or 'none'})"
        return role, None

    def _record(self, case: _Case, request: EscalationRequest, role: str, note: str | None, key: str | None) -> int:
        # A concurrent audit append can take the same seq: read the chain head again and retry.
        for _ in range(AUDIT_ATTEMPTS - 1):
            try:
                return self._record_once(case, request, role, note, key)
            except IntegrityError:
                continue
        return self._record_once(case, request, role, note, key)

    def _record_once(
        self, case: _Case, request: EscalationRequest, role: str, note: str | None, key: str | None
    ) -> int:
        with self._engine.begin() as connection:
            existing = self._existing(connection, key)
            if existing is not None:
                return existing
            escalation_id = self._insert(connection, case, request, note, key)
            payload: dict[str, object] = {"escalation_id": escalation_id, "has_note": bool(note)}
            self._append(connection, case, request, role, ESCALATED_EVENT, payload)
            return escalation_id

    def _existing(self, connection: Connection, key: str | None) -> int | None:
        if key is None:
            return None
        return connection.execute(select(_escalations.c.id).where(_escalations.c.request_key == key)).scalar()

    def _insert(
        self, connection: Connection, case: _Case, request: EscalationRequest, note: str | None, key: str | None
    ) -> int:
        row = {
            "case_id": case.id,
            "action_id": None,
            "level": request.level,
            "source": "manual",
            "raised_on": request.today,
            "raised_by": request.manager_id,
            "raised_via": request.raised_via,
            "reason_code": request.reason.value,
            "note": note,
            "request_key": key,
            "created_at": self._clock(),
        }
        return int(connection.execute(insert(_escalations).returning(_escalations.c.id), row).scalar_one())

    def _audit(
        self, case: _Case, request: EscalationRequest, role: str, event: str, payload: dict[str, object]
    ) -> None:
        for _ in range(AUDIT_ATTEMPTS - 1):
            try:
                self._audit_once(case, request, role, event, payload)
                return
            except IntegrityError:
                continue
        self._audit_once(case, request, role, event, payload)

    def _audit_once(
        self, case: _Case, request: EscalationRequest, role: str, event: str, payload: dict[str, object]
    ) -> None:
        with self._engine.begin() as connection:
            self._append(connection, case, request, role, event, payload)

    def _append(
        self,
        connection: Connection,
        case: _Case,
        request: EscalationRequest,
        role: str,
        event: str,
        payload: dict[str, object],
    ) -> None:
        record = AuditRecord(
            event_type=event,
            actor_id=request.manager_id,
            actor_role=role,
            trigger="escalate",
            occurred_on=request.today,
            payload={
                "level": request.level,
                "reason": request.reason.value,
                "raised_via": request.raised_via,
                **payload,
            },
        )
        audit.append(connection, case.reference, audit.chain_head(connection, case.reference), record, self._clock())
