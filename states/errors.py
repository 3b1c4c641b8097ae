"""The one base error of caseflow and the domain's specific errors.

Every error carries a message fit to show a person as one line: what, where, what was expected.
"""

from __future__ import annotations

from typing import ClassVar


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


class InputInvalid(CaseflowError, ValueError):
    """A value outside what caseflow accepts (states/input_rules.py): where it was given, what was expected.

    A ValueError too, so a pydantic validator that raises it reports it as the field's own problem.
    """

    def __init__(self, where: str, expected: str) -> None:
        self.where, self.expected = where, expected
        super().__init__(f"{where}: {expected}" if where else expected)


class TriggerRefused(CaseflowError):
    """Base of every refusal of a trigger (the case service audits them all alike, under `category`)."""

    # The reason category a `trigger_refused` audit event records: a persisted contract, like trigger names.
    category: ClassVar[str] = "bad_data"


class UnknownTrigger(TriggerRefused):
    """The trigger is not one of the lifecycle's; the message lists the allowed ones."""

    category = "unknown_trigger"


class TransitionNotAllowed(TriggerRefused):
    """The trigger exists but is not allowed from the case's current status (or its guard on the case fails)."""

    category = "wrong_status"


class InvalidEventData(TriggerRefused):
    """The data carried by a trigger is missing, malformed or contradicts the case or the clock.

    `field` names the field at fault when one is (a refusal records the field, never its value).
    """

    category = "bad_data"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class PermissionDenied(TriggerRefused):
    """The actor's role may not fire this trigger under the policy."""

    category = "not_permitted"


class OpenActionsBlockTransition(TriggerRefused):
    """Leaving the phase would leave mandatory actions open that the policy refuses (or needs an override reason for)."""

    category = "open_actions"

    def __init__(self, message: str, kinds: tuple[str, ...]) -> None:
        super().__init__(message)
        self.kinds = kinds
