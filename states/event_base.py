"""The base of every trigger's data: strict pydantic models, ISO dates, codes and short free text."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, StringConstraints

__all__ = ["Code", "EventData", "IsoDate", "LeavingData", "Text"]


def _iso_date(value: Any) -> Any:
    if isinstance(value, datetime):
        raise ValueError("expected a date (YYYY-MM-DD), not a date and time")
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ValueError("expected a date as YYYY-MM-DD") from None
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Code = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]


class EventData(BaseModel):
    """Base of every trigger's data: strict types, no unknown keys, dates as date objects or YYYY-MM-DD."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    # Dates of things that already happened: not after today, not before the referral.
    HAPPENED: ClassVar[tuple[str, ...]] = ()
    # Dates of things planned: not before the referral.
    PLANNED: ClassVar[tuple[str, ...]] = ()
    # The field whose date the trigger is recorded as having occurred on (today when absent or empty).
    OCCURRED: ClassVar[str | None] = None
    # The field whose value selects the row of the transition table.
    ROUTE: ClassVar[str | None] = None

    def occurred_on(self, today: date) -> date:
        """The date the trigger is recorded as having occurred on."""
        value = getattr(self, self.OCCURRED, None) if self.OCCURRED else None
        return value if isinstance(value, date) else today

    def route(self) -> str | None:
        """The value that selects the row of the transition table, if the trigger has several."""
        return getattr(self, self.ROUTE) if self.ROUTE else None


class LeavingData(EventData):
    """Data of a trigger that leaves a phase: it may carry the reason for leaving open actions behind."""

    override_reason: Text | None = None
