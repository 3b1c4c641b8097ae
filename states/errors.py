"""The one base error of caseflow and the domain's specific errors.

Every error carries a message fit to show a person as one line: what, where, what was expected.
"""

from __future__ import annotations


class CaseflowError(Exception):
    """Base of every error caseflow raises on purpose; the CLI prints it as one line and exits non-zero."""


class CalendarCoverageError(CaseflowError):
    """A date lies outside the years the bank-holiday data covers."""


class ClosureDayInvalid(CaseflowError, ValueError):
    """A closure day is neither a date nor a valid yearly range of month-days."""


class PolicyInvalid(CaseflowError):
    """A policy file does not validate: which file, which key, what is wrong."""

    def __init__(self, source: str, key: str, problem: str) -> None:
        self.source, self.key, self.problem = source, key, problem
        super().__init__(f"{source}: {key}: {problem}")


class PolicyNotFound(CaseflowError):
    """No policy of that name exists."""


class NotInPolicy(CaseflowError):
    """A timescale or action was asked of a policy that does not define it."""


class TriggerRefused(CaseflowError):
    """Base of every refusal of a trigger (C audits them all alike)."""


class UnknownTrigger(TriggerRefused):
    """The trigger is not one of the lifecycle's; the message lists the allowed ones."""


class TransitionNotAllowed(TriggerRefused):
    """The trigger exists but is not allowed from the case's current status (or its guard on the case fails)."""


class InvalidEventData(TriggerRefused):
    """The data carried by a trigger is missing, malformed or contradicts the case or the clock."""


class PermissionDenied(TriggerRefused):
    """The actor's role may not fire this trigger under the policy."""


class OpenActionsBlockTransition(TriggerRefused):
    """Leaving the phase would leave mandatory actions open that the policy refuses (or needs an override reason for)."""

    def __init__(self, message: str, kinds: tuple[str, ...]) -> None:
        super().__init__(message)
        self.kinds = kinds
