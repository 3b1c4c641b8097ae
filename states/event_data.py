"""What each trigger carries: one strict pydantic model per trigger, and its checks against the case and the clock."""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from typing import Annotated, Any, ClassVar, Literal, get_args, get_origin

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    NonNegativeInt,
    StringConstraints,
    ValidationError,
    model_validator,
)
from pydantic_core import ErrorDetails

from states.errors import InvalidEventData
from states.personal_data import CHILD_PERSONAL_FIELDS

Category = Literal["NEG", "PHY", "SAB", "EMO", "MUL"]
SubCategory = Literal["extra_familial_harm"]
EndPlanReason = Literal["turned_18", "died", "left_uk", "transferred_out"]


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
# The authority's own id for the child: the census sends it as LAchildID, at most 20 letters and digits
# (DfE rules 1570 and 1580).
ChildId = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9]{1,20}$")]
# A unique pupil number, as the census schema's upntype writes it: a letter, 11 digits, a digit or letter.
Upn = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z][0-9]{11}[0-9A-Za-z]$")]
Sex = Literal["M", "F", "U"]  # the census codes: male, female, unknown


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


class _BirthFacts(LeavingData):
    date_of_birth: IsoDate | None = None
    expected_delivery_date: IsoDate | None = None
    team: Code | None = None
    # Who the child is in the authority's records (optional, personal): the child id links the child's cases.
    child_id: ChildId | None = None
    sex: Sex | None = None
    upn: Upn | None = None
    # Child protection plans the child had in other authorities, as far as known (a transfer-in's plan there,
    # for one): the census's NumberOfPreviousCPP counts them. A count, not personal: it is audited.
    earlier_plans_elsewhere: NonNegativeInt | None = None

    @model_validator(mode="after")
    def _born_or_expected(self) -> _BirthFacts:
        if (self.date_of_birth is None) == (self.expected_delivery_date is None):
            raise ValueError("give exactly one of date_of_birth or expected_delivery_date (pre-birth)")
        return self


class ReceiveReferral(_BirthFacts):
    referral_date: IsoDate
    HAPPENED = ("referral_date",)
    OCCURRED = "referral_date"


class ReceiveTransferIn(_BirthFacts):
    transfer_notice_date: IsoDate
    HAPPENED = ("transfer_notice_date",)
    OCCURRED = "transfer_notice_date"


class StartS47(LeavingData):
    strategy_discussion_date: IsoDate
    HAPPENED = ("strategy_discussion_date",)
    OCCURRED = "strategy_discussion_date"


class CloseNoFurtherAction(LeavingData):
    reason: Text
    date: IsoDate | None = None
    HAPPENED = ("date",)
    OCCURRED = "date"


class IcpcNotRequired(LeavingData):
    outcome: Literal["cin_plan", "no_further_action"]
    date: IsoDate | None = None
    HAPPENED = ("date",)
    OCCURRED = "date"
    ROUTE = "outcome"


class ConveneIcpc(LeavingData):
    decision_date: IsoDate
    conference_date: IsoDate | None = None
    advocate_requested: bool = False
    HAPPENED = ("decision_date",)
    PLANNED = ("conference_date",)
    OCCURRED = "decision_date"

    @model_validator(mode="after")
    def _conference_after_decision(self) -> ConveneIcpc:
        if self.conference_date is not None and self.conference_date < self.decision_date:
            raise ValueError(f"conference_date {self.conference_date} is before decision_date {self.decision_date}")
        return self


class SetConferenceDate(EventData):
    conference_date: IsoDate
    PLANNED = ("conference_date",)


class ArrangeChildOnlyConference(LeavingData):
    date: IsoDate
    chair_decided_on: IsoDate
    in_childs_interests: bool
    age_override_reason: Text | None = None
    HAPPENED = ("chair_decided_on",)
    PLANNED = ("date",)
    OCCURRED = "chair_decided_on"


class HoldChildOnlyConference(LeavingData):
    date: IsoDate
    child_views: Text
    shared_with_conference: Text
    who_feeds_back: Text
    HAPPENED = ("date",)
    OCCURRED = "date"


class CancelChildOnlyConference(LeavingData):
    reason: Text
    date: IsoDate | None = None
    HAPPENED = ("date",)
    OCCURRED = "date"


class _Category(LeavingData):
    category: Category | None = None
    sub_category: SubCategory | None = None

    @model_validator(mode="after")
    def _sub_category_of_neglect(self) -> _Category:
        if self.sub_category is not None and self.category != "NEG":
            raise ValueError("sub_category extra_familial_harm belongs to category NEG only")
        return self


class HoldIcpc(_Category):
    date: IsoDate
    outcome: Literal["cp_plan", "cin_plan", "no_further_action"]
    HAPPENED = ("date",)
    OCCURRED = "date"
    ROUTE = "outcome"

    @model_validator(mode="after")
    def _category_with_a_plan(self) -> HoldIcpc:
        if self.outcome == "cp_plan" and self.category is None:
            raise ValueError("category is required for a cp_plan outcome (NEG, PHY, SAB, EMO or MUL)")
        if self.outcome != "cp_plan" and self.category is not None:
            raise ValueError(f"category is only given with a cp_plan outcome, not {self.outcome}")
        return self


class HoldCoreGroup(EventData):
    date: IsoDate
    HAPPENED = ("date",)
    OCCURRED = "date"


class RecordVisit(EventData):
    date: IsoDate
    child_seen: bool
    seen_alone: bool
    HAPPENED = ("date",)
    OCCURRED = "date"

    @model_validator(mode="after")
    def _alone_only_if_seen(self) -> RecordVisit:
        if self.seen_alone and not self.child_seen:
            raise ValueError("seen_alone is true but child_seen is false")
        return self


class ConveneReview(LeavingData):
    conference_date: IsoDate
    PLANNED = ("conference_date",)


class HoldReview(_Category):
    date: IsoDate
    outcome: Literal["continue_plan", "end_plan_cin", "end_plan_close"]
    exceptional_reason: Text | None = None
    HAPPENED = ("date",)
    OCCURRED = "date"
    ROUTE = "outcome"


class EndPlan(LeavingData):
    date: IsoDate
    reason: EndPlanReason
    # Every listed reason usually ends the service too (an adult, a death, a move away): close unless told.
    outcome: Literal["close", "cin_plan"] = "close"
    HAPPENED = ("date",)
    OCCURRED = "date"
    ROUTE = "outcome"

    @model_validator(mode="after")
    def _no_cin_plan_after_death(self) -> EndPlan:
        if self.reason == "died" and self.outcome == "cin_plan":
            raise ValueError("a plan ended because the child died cannot step down to a cin_plan")
        return self


class CloseCase(LeavingData):
    date: IsoDate
    reason: Text
    HAPPENED = ("date",)
    OCCURRED = "date"


class RecordBirth(EventData):
    date_of_birth: IsoDate
    HAPPENED = ("date_of_birth",)
    # No OCCURRED: the birth is recorded on the day it is recorded. A date of birth is personal and never an
    # event's date (it would reach the outbox, the audit trail and the escalations it raises).


class CompleteAction(EventData):
    kind: Code
    done_on: IsoDate
    HAPPENED = ("done_on",)
    OCCURRED = "done_on"


DATA_MODELS: dict[str, type[EventData]] = {
    "receive_referral": ReceiveReferral,
    "receive_transfer_in": ReceiveTransferIn,
    "start_s47": StartS47,
    "close_no_further_action": CloseNoFurtherAction,
    "icpc_not_required": IcpcNotRequired,
    "convene_icpc": ConveneIcpc,
    "set_conference_date": SetConferenceDate,
    "arrange_child_only_conference": ArrangeChildOnlyConference,
    "hold_child_only_conference": HoldChildOnlyConference,
    "cancel_child_only_conference": CancelChildOnlyConference,
    "hold_icpc": HoldIcpc,
    "hold_core_group": HoldCoreGroup,
    "record_visit": RecordVisit,
    "convene_review": ConveneReview,
    "hold_review": HoldReview,
    "end_plan": EndPlan,
    "close_case": CloseCase,
    "record_birth": RecordBirth,
    "complete_action": CompleteAction,
}

# Values of these fields may be personal or free text: an error never repeats them.
_NEVER_ECHOED = CHILD_PERSONAL_FIELDS


@cache
def code_fields(model: type[EventData]) -> frozenset[str]:
    """The fields of `model` whose values come from a closed list or are identifiers: safe to repeat anywhere."""
    return frozenset(name for name, info in model.model_fields.items() if _is_code(info.annotation, info.metadata))


@cache
def free_text_fields(model: type[EventData]) -> frozenset[str]:
    """The fields of `model` that hold free text (views, reasons): kept beside the audit trail, never in it."""
    codes = code_fields(model)
    return frozenset(
        name for name, info in model.model_fields.items() if name not in codes and _is_text(info.annotation)
    )


def _is_text(annotation: Any) -> bool:
    if annotation is str:
        return True
    if get_origin(annotation) is Annotated:  # text unless constrained to a pattern (an identifier or a code)
        base, *metadata = get_args(annotation)
        return _is_text(base) and not any(getattr(item, "pattern", None) for item in metadata)
    return any(_is_text(arg) for arg in get_args(annotation) if get_origin(annotation) is not Literal)


def _is_code(annotation: Any, metadata: list[Any]) -> bool:
    if get_origin(annotation) is Literal:
        return True
    if any(getattr(item, "pattern", None) for item in metadata):
        return True
    return any(_is_code(arg, []) for arg in get_args(annotation) if arg is not type(None))


def _echoable(model: type[EventData], field: str) -> bool:
    info = model.model_fields.get(field)
    if info is None or field in _NEVER_ECHOED:
        return False
    return field in code_fields(model) or info.annotation in (bool, date)


def _describe(trigger: str, model: type[EventData], error: ErrorDetails) -> str:
    field = ".".join(str(part) for part in error["loc"])
    if error["type"] == "missing":
        return f"{trigger}: {field} is required"
    if error["type"] == "extra_forbidden":
        return f"{trigger}: unknown field {field!r} (expected {', '.join(model.model_fields)})"
    message = str(error.get("ctx", {}).get("error", error["msg"])) if error["type"] == "value_error" else error["msg"]
    got = f" (got {error['input']!r})" if field and _echoable(model, field) else ""
    return f"{trigger}: {field + ': ' if field else ''}{message}{got}"


def parse_event_data(trigger: str, data: Any) -> EventData:
    """Validate `data` for `trigger`; the first problem becomes one InvalidEventData line."""
    model = DATA_MODELS[trigger]
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InvalidEventData(_describe(trigger, model, exc.errors(include_url=False)[0])) from None


def check_dates(trigger: str, data: EventData, referral_date: date, today: date) -> None:
    """Refuse a happened date after `today` or before the referral, and a planned date before the referral."""
    for name in data.HAPPENED:
        value = getattr(data, name)
        if value is not None and value > today:
            raise InvalidEventData(
                f"{trigger}: {_label(name, value)} is after today ({today}): it has not happened yet"
            )
    for name in (*data.HAPPENED, *data.PLANNED):
        value = getattr(data, name)
        if value is not None and value < referral_date:
            raise InvalidEventData(f"{trigger}: {_label(name, value)} is before the referral ({referral_date})")


def _label(name: str, value: date) -> str:
    return name if name in _NEVER_ECHOED else f"{name} {value}"
