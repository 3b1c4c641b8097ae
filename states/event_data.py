"""What each trigger carries: one strict pydantic model per trigger, and its checks against the case and the clock."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import StringConstraints, ValidationError, model_validator

from states.data_problems import describe
from states.errors import InvalidEventData

# The base lives in its own module so the pre-proceedings track's data builds on it too; re-exported as before.
from states.event_base import Code as Code
from states.event_base import Count as Count
from states.event_base import EventData as EventData
from states.event_base import Identifier as Identifier
from states.event_base import IsoDate as IsoDate
from states.event_base import LeavingData as LeavingData
from states.event_base import Text as Text
from states.field_text import DatedFields, FieldText, TriggerInput, dated_fields, typed_fields
from states.input_rules import latest_planned
from states.participation_codes import ATTENDING, NotInvitedReason, ParticipationWay
from states.personal_data import CHILD_PERSONAL_FIELDS
from states.pre_proceedings_data import PRE_PROCEEDINGS_DATA_MODELS

Category = Literal["NEG", "PHY", "SAB", "EMO", "MUL"]
SubCategory = Literal["extra_familial_harm"]
EndPlanReason = Literal["turned_18", "died", "left_uk", "transferred_out"]


# The authority's own id for the child: the census sends it as LAchildID, at most 20 letters and digits
# (DfE rules 1570 and 1580).
ChildId = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9]{1,20}$")]
# A unique pupil number, as the census schema's upntype writes it: a letter, 11 digits, a digit or letter.
Upn = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z][0-9]{11}[0-9A-Za-z]$")]
# A member of staff's id, as the staff directory keeps it (not personal data of the child: safe to repeat).
StaffId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
Sex = Literal["M", "F", "U"]  # the census codes: male, female, unknown


class _BirthFacts(LeavingData):
    date_of_birth: IsoDate | None = None
    expected_delivery_date: IsoDate | None = None
    team: Identifier | None = None
    # Who the child is in the authority's records (optional, personal): the child id links the child's cases.
    child_id: ChildId | None = None
    sex: Sex | None = None
    upn: Upn | None = None
    # Child protection plans the child had in other authorities, as far as known (a transfer-in's plan there,
    # for one): the census's NumberOfPreviousCPP counts them. A count, not personal: it is audited.
    earlier_plans_elsewhere: Count | None = None
    # The social worker the case is allocated to from the start (the service checks the staff directory).
    allocated_worker: StaffId | None = None

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


class RecordChildParticipation(EventData):
    """The decision whether the child is invited to the conference being planned, and how they contribute."""

    invited: bool
    reason: NotInvitedReason | None = None
    how: list[ParticipationWay]
    advocate: bool

    @model_validator(mode="after")
    def _ways_agree(self) -> RecordChildParticipation:
        ways = set(self.how)
        if not ways or len(ways) != len(self.how):
            raise ValueError("how: give one or more ways, each once")
        if "none" in ways and len(ways) > 1:
            raise ValueError("how: none cannot be given with another way")
        if not self.invited and ways & ATTENDING:
            raise ValueError(f"how: {', '.join(sorted(ways & ATTENDING))} needs the child invited")
        if "advocate_speaks" in ways and not self.advocate:
            raise ValueError("how: advocate_speaks needs advocate true")
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


class Allocate(EventData):
    worker: StaffId
    date: IsoDate | None = None
    HAPPENED = ("date",)
    OCCURRED = "date"


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
    "record_child_participation": RecordChildParticipation,
    "record_birth": RecordBirth,
    "complete_action": CompleteAction,
    **PRE_PROCEEDINGS_DATA_MODELS,
    "allocate": Allocate,
}


def parse_event_data(trigger: str, data: TriggerInput) -> EventData:
    """Validate `data` for `trigger` (typing `field=value` text first); the first problem is one InvalidEventData."""
    model = DATA_MODELS[trigger]
    if isinstance(data, FieldText):
        data = typed_fields(trigger, model, data)
    elif isinstance(data, DatedFields):
        data = dated_fields(trigger, model, data)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        message, field = describe(trigger, model, exc.errors(include_url=False)[0])
        raise InvalidEventData(message, field) from None


def check_dates(trigger: str, data: EventData, referral_date: date, today: date) -> None:
    """Refuse a happened date after `today` (the clock in force) or before the referral, a planned date before the
    referral or more than a year after `today`."""
    for name in data.HAPPENED:
        value = getattr(data, name)
        if value is not None and value > today:
            raise InvalidEventData(
                f"{trigger}: {_label(name, value)} is after today ({today}): it has not happened yet", name
            )
    for name in (*data.HAPPENED, *data.PLANNED):
        value = getattr(data, name)
        if value is not None and value < referral_date:
            raise InvalidEventData(f"{trigger}: {_label(name, value)} is before the referral ({referral_date})", name)
    for name in data.PLANNED:
        value = getattr(data, name)
        if value is not None and value > latest_planned(today):
            raise InvalidEventData(
                f"{trigger}: {name} {value} is more than a year after today ({today}): expected a date up to "
                f"{latest_planned(today)}",
                name,
            )


def _label(name: str, value: date) -> str:
    return name if name in CHILD_PERSONAL_FIELDS else f"{name} {value}"
