"""What a command, flow or request does, in one place: firing a trigger, escalating by hand, migrating a policy,
replaying a scenario, loading the demo, the staff directory and its API tokens, who a bearer token or an OpenID
Connect sign-in names, retrying an incident, following up a transition.
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
from workflows.services.bearer import bearer_member, verifier_for
from workflows.services.case_service import REFUSED_EVENT, CaseService, InputTooLong
from workflows.services.demo import DEMO_PREFIX, DEMO_STAFF, is_empty, load_demo
from workflows.services.errors import (
    ActorRefused,
    DemoTooSmall,
    EscalationRefused,
    FollowUpFailed,
    NotVisible,
    OidcNotConfigured,
    OidcUnavailable,
    PasswordInvalid,
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
)
from workflows.services.escalation import (
    EscalationReason,
    EscalationRequest,
    ManagerEscalations,
    escalation_levels,
    manager_role_over,
)
from workflows.services.jwks import ACCEPTED_ALGORITHMS, KeySet
from workflows.services.oidc import OidcVerifier
from workflows.services.oidc_sign_in import (
    OidcSignIn,
    PendingSignIn,
    ProviderEndpoints,
    authorization_url,
    code_challenge,
    discover,
)
from workflows.services.policy_migration import DueDateMove, MigrationReport, migrate
from workflows.services.scenario import ScenarioOutcome, load_scenario, replay
from workflows.services.staff import ImportReport, StaffDirectory, StaffMember
from workflows.services.staff_fields import ID_ALPHABET, StaffEntry, known_roles
from workflows.services.staff_import import read_staff_csv
from workflows.services.staff_passwords import MIN_PASSWORD_LENGTH, StaffPasswords
from workflows.services.transition_follow_up import FollowedUp, follow_up_transition, outstanding_table

__all__ = [
    "ACCEPTED_ALGORITHMS",
    "DEFAULT_EXPIRY_DAYS",
    "DEMO_PREFIX",
    "DEMO_STAFF",
    "ID_ALPHABET",
    "MAX_EXPIRY_DAYS",
    "MIN_PASSWORD_LENGTH",
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
    "KeySet",
    "ManagerEscalations",
    "MigrationReport",
    "NotVisible",
    "OidcNotConfigured",
    "OidcSignIn",
    "OidcUnavailable",
    "OidcVerifier",
    "PasswordInvalid",
    "PendingSignIn",
    "PolicyVersionMismatch",
    "ProviderEndpoints",
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
    "StaffPasswords",
    "TokenAlreadyRevoked",
    "TokenExpiryInvalid",
    "TokenInfo",
    "TokenNotFound",
    "TokenRefused",
    "UnknownCase",
    "act_as",
    "authenticate",
    "authorization_url",
    "bearer_member",
    "caller_from_directory",
    "code_challenge",
    "create_token",
    "discover",
    "escalation_levels",
    "follow_up_transition",
    "is_empty",
    "known_roles",
    "list_tokens",
    "load_demo",
    "load_scenario",
    "manager_role_over",
    "migrate",
    "outstanding_table",
    "read_staff_csv",
    "replay",
    "require_visible",
    "revoke_token",
    "verifier_for",
    "visible_teams",
]
