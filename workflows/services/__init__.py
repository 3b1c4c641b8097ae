"""What a command, flow or request does, in one place: firing a trigger, escalating by hand, migrating a policy,
replaying a scenario, loading the demo, the staff directory and its API tokens, retrying an incident,
following up a transition.
"""

from workflows.services.access import Caller, act_as, caller_from_directory, require_visible, visible_teams
from workflows.services.api_tokens import (
    DEFAULT_EXPIRY_DAYS,
    MAX_EXPIRY_DAYS,
    IssuedToken,
    TokenInfo,
    authenticate,
    create_token,
    list_tokens,
    revoke_token,
)
from workflows.services.case_service import REFUSED_EVENT, CaseService, InputTooLong
from workflows.services.demo import DEMO_PREFIX, DEMO_STAFF, is_empty, load_demo
from workflows.services.errors import (
    ActorRefused,
    DemoTooSmall,
    EscalationRefused,
    FollowUpFailed,
    NotVisible,
    PolicyVersionMismatch,
    ScenarioInvalid,
    StaffExists,
    StaffImportInvalid,
    StaffInactive,
    StaffInvalid,
    StaffNotFound,
    TokenAlreadyRevoked,
    TokenExpiryInvalid,
    TokenNotFound,
    TokenRefused,
    UnknownCase,
    WorkerNotAllocatable,
)
from workflows.services.escalation import (
    EscalationReason,
    EscalationRequest,
    ManagerEscalations,
)
from workflows.services.policy_migration import DueDateMove, MigrationReport, migrate
from workflows.services.scenario import ScenarioOutcome, load_scenario, replay
from workflows.services.staff import ImportReport, StaffDirectory, StaffMember
from workflows.services.staff_fields import ID_ALPHABET, StaffEntry, known_roles
from workflows.services.staff_import import read_staff_csv
from workflows.services.transition_follow_up import FollowedUp, follow_up_transition, outstanding_table

__all__ = [
    "DEFAULT_EXPIRY_DAYS",
    "DEMO_PREFIX",
    "DEMO_STAFF",
    "ID_ALPHABET",
    "MAX_EXPIRY_DAYS",
    "REFUSED_EVENT",
    "ActorRefused",
    "Caller",
    "CaseService",
    "DemoTooSmall",
    "DueDateMove",
    "EscalationReason",
    "EscalationRefused",
    "EscalationRequest",
    "FollowUpFailed",
    "FollowedUp",
    "ImportReport",
    "InputTooLong",
    "IssuedToken",
    "ManagerEscalations",
    "MigrationReport",
    "NotVisible",
    "PolicyVersionMismatch",
    "ScenarioInvalid",
    "ScenarioOutcome",
    "StaffDirectory",
    "StaffEntry",
    "StaffExists",
    "StaffImportInvalid",
    "StaffInactive",
    "StaffInvalid",
    "StaffMember",
    "StaffNotFound",
    "TokenAlreadyRevoked",
    "TokenExpiryInvalid",
    "TokenInfo",
    "TokenNotFound",
    "TokenRefused",
    "UnknownCase",
    "WorkerNotAllocatable",
    "act_as",
    "authenticate",
    "caller_from_directory",
    "create_token",
    "follow_up_transition",
    "is_empty",
    "known_roles",
    "list_tokens",
    "load_demo",
    "load_scenario",
    "migrate",
    "outstanding_table",
    "read_staff_csv",
    "replay",
    "require_visible",
    "revoke_token",
    "visible_teams",
]
