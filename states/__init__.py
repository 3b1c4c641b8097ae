"""The pure domain of caseflow: statuses, the transition table, firing triggers, actions, policy and calendar."""

from states.case import Action, Actor, Case, TransitionResult
from states.errors import (
    CaseflowError,
    InputInvalid,
    InvalidEventData,
    OpenActionsBlockTransition,
    PermissionDenied,
    TransitionNotAllowed,
    TriggerRefused,
    UnknownTrigger,
)
from states.firing import fire
from states.lifecycle import TRANSITIONS, TRIGGERS, CaseStatus, TransitionSpec
from states.policy import Policy, PolicyInvalid, PolicyNotFound
from states.pre_proceedings import TrackStatus
from states.working_days import CalendarCoverageError, WorkingDayCalendar

__all__ = [
    "TRANSITIONS",
    "TRIGGERS",
    "Action",
    "Actor",
    "CalendarCoverageError",
    "Case",
    "CaseStatus",
    "CaseflowError",
    "InputInvalid",
    "InvalidEventData",
    "OpenActionsBlockTransition",
    "PermissionDenied",
    "Policy",
    "PolicyInvalid",
    "PolicyNotFound",
    "TrackStatus",
    "TransitionNotAllowed",
    "TransitionResult",
    "TransitionSpec",
    "TriggerRefused",
    "UnknownTrigger",
    "WorkingDayCalendar",
    "fire",
]
