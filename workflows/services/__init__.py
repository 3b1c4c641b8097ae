"""What a command, flow or request does, in one place: firing a trigger, escalating by hand, migrating a policy,
replaying a scenario, loading the demo, the staff directory and its API tokens, retrying an incident,
following up a transition.
"""

from workflows.services.access import Caller, act_as, caller_from_directory, require_visible, visible_teams
from workflows.services.access_log import CHANNELS, CaseRead, list_access, record_access
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
    PrivacyRequestInvalid,
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
)
from workflows.services.escalation import (
    EscalationReason,
    EscalationRequest,
    ManagerEscalations,
)
from workflows.services.policy_migration import DueDateMove, MigrationReport, migrate
from workflows.services.privacy import DPO_ROLE, ERASURE_REASONS, erase, rectify
from workflows.services.scenario import ScenarioOutcome, load_scenario, replay
from workflows.services.staff import ImportReport, StaffDirectory, StaffMember
from workflows.services.staff_fields import ID_ALPHABET, StaffEntry, known_roles
from workflows.services.staff_import import read_staff_csv
from workflows.services.subject_access import subject_access, write_subject_access
from workflows.services.transition_follow_up import FollowedUp, follow_up_transition, outstanding_table

__all__ = [
    "CHANNELS",
    "DEFAULT_EXPIRY_DAYS",
    "DEMO_PREFIX",
    "DEMO_STAFF",
    "DPO_ROLE",
    "ERASURE_REASONS",
    "ID_ALPHABET",
    "MAX_EXPIRY_DAYS",
    "REFUSED_EVENT",
    "ActorRefused",
    "Caller",
    "CaseRead",
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
    "PrivacyRequestInvalid",
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
    "act_as",
    "authenticate",
    "caller_from_directory",
    "create_token",
    "erase",
    "follow_up_transition",
    "is_empty",
    "known_roles",
    "list_access",
    "list_tokens",
    "load_demo",
    "load_scenario",
    "migrate",
    "outstanding_table",
    "read_staff_csv",
    "record_access",
    "rectify",
    "replay",
    "require_visible",
    "revoke_token",
    "subject_access",
    "visible_teams",
    "write_subject_access",
]
