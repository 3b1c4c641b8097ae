"""What a command, flow or request does, in one place: firing a trigger, escalating by hand, migrating a policy,
replaying a scenario, loading the demo, the staff directory, retrying an incident, following up a transition.
"""

from workflows.services.case_service import REFUSED_EVENT, CaseService, InputTooLong
from workflows.services.demo import DEMO_PREFIX, DEMO_STAFF, is_empty, load_demo
from workflows.services.errors import (
    DemoTooSmall,
    EscalationRefused,
    FollowUpFailed,
    PolicyVersionMismatch,
    ScenarioInvalid,
    StaffExists,
    UnknownCase,
)
from workflows.services.escalation import (
    EscalationReason,
    EscalationRequest,
    ManagerEscalations,
)
from workflows.services.policy_migration import DueDateMove, MigrationReport, migrate
from workflows.services.scenario import ScenarioOutcome, load_scenario, replay
from workflows.services.staff import StaffMember, add_staff, list_staff
from workflows.services.transition_follow_up import FollowedUp, follow_up_transition, outstanding_table

__all__ = [
    "DEMO_PREFIX",
    "DEMO_STAFF",
    "REFUSED_EVENT",
    "CaseService",
    "DemoTooSmall",
    "DueDateMove",
    "EscalationReason",
    "EscalationRefused",
    "EscalationRequest",
    "FollowUpFailed",
    "FollowedUp",
    "InputTooLong",
    "ManagerEscalations",
    "MigrationReport",
    "PolicyVersionMismatch",
    "ScenarioInvalid",
    "ScenarioOutcome",
    "StaffExists",
    "StaffMember",
    "UnknownCase",
    "add_staff",
    "follow_up_transition",
    "is_empty",
    "list_staff",
    "load_demo",
    "load_scenario",
    "migrate",
    "outstanding_table",
    "replay",
]
