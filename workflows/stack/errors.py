"""What stops the embedded stack starting or keeps it from running."""

from __future__ import annotations

from states.errors import CaseflowError

__all__ = ["PrefectUnreachable", "StackPartFailed"]


class PrefectUnreachable(CaseflowError):
    """The configured Prefect server does not answer, or the local one did not start."""


class StackPartFailed(CaseflowError):
    """A part of the stack did not start, or exited while the stack was running."""
