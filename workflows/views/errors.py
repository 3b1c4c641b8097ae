"""What a listing or a case view cannot show as asked."""

from __future__ import annotations

from states.errors import CaseflowError
from states.lifecycle import CaseStatus

__all__ = ["TimelineNotWritten", "UnknownStatus"]


class TimelineNotWritten(CaseflowError):
    """The picture or page could not be written where asked."""


class UnknownStatus(CaseflowError):
    """A status filter that is not one of the lifecycle's statuses."""

    def __init__(self, status: str) -> None:
        known = ", ".join(s.value for s in CaseStatus if s is not CaseStatus.NEW)
        super().__init__(f"status {status!r}: not a case status (expected one of {known})")
