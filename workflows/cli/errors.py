"""What the CLI refuses before any service sees it: one line each, exit 2."""

from __future__ import annotations

from states.errors import CaseflowError

__all__ = [
    "ActorNotStaff",
    "DateInvalid",
    "DateOptionInvalid",
    "FieldInvalid",
    "OptionsInvalid",
    "TriggerNotAllowedNow",
]


class DateOptionInvalid(CaseflowError):
    """A date given on the command line that is not a date."""


class DateInvalid(CaseflowError):
    """A date option or field that is not a date."""


class FieldInvalid(CaseflowError):
    """A `field=value` argument of `trigger` that is malformed or of the wrong type."""


class TriggerNotAllowedNow(CaseflowError):
    """A trigger unknown to the lifecycle, or not allowed from the case's status; lists the ones that are."""


class OptionsInvalid(CaseflowError):
    """Options that contradict each other, or a command given nothing to do."""


class ActorNotStaff(CaseflowError):
    """A staff id given on the command line (`--actor`, `--manager`) that is not an active member of the directory
    holding the role acted in; nothing about any case was read or changed."""
