"""How a task fails when part of its work did not get through."""

from __future__ import annotations

from states.errors import CaseflowError

__all__ = ["DigestsNotSent", "NoticesNotSent"]


class DigestsNotSent(CaseflowError):
    """Some sweep digests were not accepted by the SMTP server; a retry sends those only."""


class NoticesNotSent(CaseflowError):
    """Some of a transition's notices were not accepted by the SMTP server; a retry sends those only."""
