"""The application database's tables, by concern; importing this package makes `Base.metadata` whole.

Alembic migrations (`workflows/persistence/migrations`) own the schema; these models describe it.
"""

from workflows.persistence.models.cases import NAMING_CONVENTION, ActionRow, AuditEventRow, Base, CaseRow, OutboxRow
from workflows.persistence.models.escalations import (
    OPEN_ACTIONS_BY_DUE_DATE,
    EscalationRow,
    ReminderRow,
    StaffRow,
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

__all__ = [
    "NAMING_CONVENTION",
    "OPEN_ACTIONS_BY_DUE_DATE",
    "SCHEDULER_JOBS_TABLE",
    "ActionRow",
    "AuditEventRow",
    "Base",
    "CaseRow",
    "DispatchWorkerRow",
    "EscalationRow",
    "IncidentRow",
    "NotificationRow",
    "OutboxRow",
    "ReminderRow",
    "SchedulerLeaseRow",
    "StaffRow",
    "SweepDigestRow",
    "SweepProgressRow",
]
