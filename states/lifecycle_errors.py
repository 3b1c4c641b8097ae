"""Errors the lifecycle raises when a trigger is refused; a refused trigger changes nothing."""

from __future__ import annotations

from states.errors import CaseflowError


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
