"""What the CLI refuses before any service sees it: one line each, exit 2."""

from __future__ import annotations

from states.errors import CaseflowError

__all__ = [
    "ActorNotStaff",
    "OptionsInvalid",
]


class OptionsInvalid(CaseflowError):
    """Options that contradict each other, or a command given nothing to do."""


class ActorNotStaff(CaseflowError):
    """A staff id given on the command line (`--actor`, `--manager`) that is not an active member of the directory
    holding the role acted in; nothing about any case was read or changed."""
