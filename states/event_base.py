"""The base of every trigger's data: strict pydantic models, strict ISO dates, codes, identifiers and short text.

The rules of what input is accepted are in states/input_rules.py; these types apply them to trigger data.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from states.errors import InputInvalid
from states.input_rules import COUNT_MAX, DATE_FORMAT, MAX_IDENTIFIER, check_year, parse_date

__all__ = ["Code", "Count", "EventData", "Identifier", "IsoDate", "LeavingData", "Text"]


def _iso_date(value: Any) -> Any:
    """A date object, or text strictly YYYY-MM-DD (the error never repeats the value: the field may be personal)."""
    if isinstance(value, datetime):
        raise ValueError(f"expected a date ({DATE_FORMAT}), not a date and time")
    if isinstance(value, str):
        try:
            return parse_date(value, "", personal=True)
        except InputInvalid as exc:
            raise ValueError(exc.expected) from None
    return value


def _sane_year(value: date) -> date:
    try:
        return check_year(value, "", personal=True)
    except InputInvalid as exc:
        raise ValueError(exc.expected) from None


IsoDate = Annotated[date, BeforeValidator(_iso_date), AfterValidator(_sane_year)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Code = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
# A team, as the staff directory names teams: the identifier alphabet of states/input_rules.py.
Identifier = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]+$", max_length=MAX_IDENTIFIER)]
Count = Annotated[int, Field(ge=0, le=COUNT_MAX)]


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
