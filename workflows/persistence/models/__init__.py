"""The application database's tables, by concern; importing this package makes `Base.metadata` whole.

Alembic migrations (`workflows/persistence/migrations`) own the schema; these models describe it.
"""

from workflows.persistence.models.api_requests import IdempotentRequestRow
from workflows.persistence.models.cases import NAMING_CONVENTION, ActionRow, AuditEventRow, Base, CaseRow, OutboxRow
from workflows.persistence.models.console import ConsoleSessionRow, StaffPasswordRow
from workflows.persistence.models.escalations import (
    OPEN_ACTIONS_BY_DUE_DATE,
    EscalationRow,
    ReminderRow,
    SweepProgressRow,
)
from workflows.persistence.models.notifications import (
    SCHEDULER_JOBS_TABLE,
    DispatchWorkerRow,
    IncidentRow,
    NotificationRow,
    SchedulerLeaseRow,
    SweepDigestRow,
)
from workflows.persistence.models.privacy import CaseReadRow, PrivateTextRow
from workflows.persistence.models.staff import ApiTokenRow, StaffRoleRow, StaffRow, StaffTeamRow

__all__ = [
    "NAMING_CONVENTION",
    "OPEN_ACTIONS_BY_DUE_DATE",
    "SCHEDULER_JOBS_TABLE",
    "ActionRow",
    "ApiTokenRow",
    "AuditEventRow",
    "Base",
    "CaseReadRow",
    "CaseRow",
    "ConsoleSessionRow",
    "DispatchWorkerRow",
    "EscalationRow",
    "IdempotentRequestRow",
    "IncidentRow",
    "NotificationRow",
    "OutboxRow",
    "PrivateTextRow",
    "ReminderRow",
    "SchedulerLeaseRow",
    "StaffPasswordRow",
    "StaffRoleRow",
    "StaffRow",
    "StaffTeamRow",
    "SweepDigestRow",
    "SweepProgressRow",
]
