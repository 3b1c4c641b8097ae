"""The application database: SQLAlchemy models by concern, engine and unit of work, the case store, the audit chain,
the outbox, the transition store and Alembic migrations. Nothing above reaches a table except through here.
"""

from workflows.persistence import audit, case_store
from workflows.persistence.audit import AuditRecord, ChainHead, ChainReport
from workflows.persistence.case_rows import ACTION_FIELDS, CASE_COLUMNS, CHANGEABLE_FIELDS, case_values
from workflows.persistence.case_store import FIRED_EVENT, CaseNotFound, ConcurrentUpdate, LoadedCase
from workflows.persistence.database import SQLITE_PRAGMAS, make_engine, make_session_factory
from workflows.persistence.errors import OutboxRowMissing
from workflows.persistence.kept_cases import KeptCases
from workflows.persistence.models import (
    SCHEDULER_JOBS_TABLE,
    ActionRow,
    ApiTokenRow,
    AuditEventRow,
    Base,
    CaseRow,
    ConsoleSessionRow,
    DispatchWorkerRow,
    EscalationRow,
    IncidentRow,
    NotificationRow,
    OutboxRow,
    ReminderRow,
    SchedulerLeaseRow,
    StaffPasswordRow,
    StaffRoleRow,
    StaffRow,
    StaffTeamRow,
    SweepDigestRow,
    SweepProgressRow,
)
from workflows.persistence.policies import available_policies, load_all_policies, load_policy
from workflows.persistence.schema import require_schema
from workflows.persistence.transition_store import (
    ERROR_LENGTH,
    TransitionRecord,
    load_notice,
    load_transition,
    load_transition_record,
    mark_emailed,
    open_actions,
    record_email_failure,
    record_escalations,
    record_reminders,
    unsent_emails,
)
from workflows.persistence.unique_insert import insert_new
from workflows.persistence.unit_of_work import KeptConnection, Transactional

__all__ = [
    "ACTION_FIELDS",
    "CASE_COLUMNS",
    "CHANGEABLE_FIELDS",
    "ERROR_LENGTH",
    "FIRED_EVENT",
    "SCHEDULER_JOBS_TABLE",
    "SQLITE_PRAGMAS",
    "ActionRow",
    "ApiTokenRow",
    "AuditEventRow",
    "AuditRecord",
    "Base",
    "CaseNotFound",
    "CaseRow",
    "ChainHead",
    "ChainReport",
    "ConcurrentUpdate",
    "ConsoleSessionRow",
    "DispatchWorkerRow",
    "EscalationRow",
    "IncidentRow",
    "KeptCases",
    "KeptConnection",
    "LoadedCase",
    "NotificationRow",
    "OutboxRow",
    "OutboxRowMissing",
    "ReminderRow",
    "SchedulerLeaseRow",
    "StaffPasswordRow",
    "StaffRoleRow",
    "StaffRow",
    "StaffTeamRow",
    "SweepDigestRow",
    "SweepProgressRow",
    "Transactional",
    "TransitionRecord",
    "audit",
    "available_policies",
    "case_store",
    "case_values",
    "insert_new",
    "load_all_policies",
    "load_notice",
    "load_policy",
    "load_transition",
    "load_transition_record",
    "make_engine",
    "make_session_factory",
    "mark_emailed",
    "open_actions",
    "record_email_failure",
    "record_escalations",
    "record_reminders",
    "require_schema",
    "unsent_emails",
]
