"""The case lifecycle: statuses, the transition table (data, in one place) and the one shared state machine."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from transitions import MachineError

from states.errors import TransitionNotAllowed, UnknownTrigger
from states.pre_proceedings import PRE_PROCEEDINGS_TRIGGERS
from states.state_table import move, sources_of, table_machine


class CaseStatus(StrEnum):
    """Where a case is in its lifecycle. Values are persisted and public: renaming one needs a migration.

    new: pseudo-status before the case exists; only receive_referral and receive_transfer_in leave it.
    referred: a referral is in; a decision on the next step is due within a working day.
    s47_enquiry: a strategy discussion started a section 47 enquiry; the initial conference clock runs.
    icpc_planning: an initial (or transfer-in, or pre-birth) conference has been decided and is being prepared.
    child_only_conference: a child-only conference is arranged before the main conference it came from.
    core_groups: a child protection plan is running: core groups, statutory visits, reviews due.
    review_planning: a review conference has been convened and is being prepared; the plan still runs.
    cin_plan: the child is on a child in need plan (never at the same time as a child protection plan).
    closed: the case is closed; follow-up actions of its last conference may still be completed.
    """

    NEW = "new"
    REFERRED = "referred"
    S47_ENQUIRY = "s47_enquiry"
    ICPC_PLANNING = "icpc_planning"
    CHILD_ONLY_CONFERENCE = "child_only_conference"
    CORE_GROUPS = "core_groups"
    REVIEW_PLANNING = "review_planning"
    CIN_PLAN = "cin_plan"
    CLOSED = "closed"


@dataclass(frozen=True)
class TransitionSpec:
    """One row of the transition table; `condition` is a label for people and diagrams, `route` selects the row."""

    trigger: str
    sources: tuple[CaseStatus, ...]
    dest: CaseStatus
    condition: str | None = None
    route: str | None = None


S = CaseStatus
# Statuses a case may be in once it exists; self-loop triggers are written out once per status they stay in.
_LIVE = (
    S.REFERRED,
    S.S47_ENQUIRY,
    S.ICPC_PLANNING,
    S.CHILD_ONLY_CONFERENCE,
    S.CORE_GROUPS,
    S.REVIEW_PLANNING,
    S.CIN_PLAN,
)
_ON_PLAN = (S.CORE_GROUPS, S.REVIEW_PLANNING, S.CHILD_ONLY_CONFERENCE)
_PLANNING = (S.ICPC_PLANNING, S.REVIEW_PLANNING, S.CHILD_ONLY_CONFERENCE)
# Where a CP or CIN plan may run: the pre-proceedings track runs beside the status there and never changes it.
_PLAN_RUNS = (*_ON_PLAN, S.CIN_PLAN)


def _outcome(trigger: str, sources: tuple[CaseStatus, ...], dest: CaseStatus, outcome: str) -> TransitionSpec:
    return TransitionSpec(trigger, sources, dest, f'outcome == "{outcome}"', outcome)


def _back_to(trigger: str, planning: CaseStatus) -> TransitionSpec:
    return TransitionSpec(trigger, (S.CHILD_ONLY_CONFERENCE,), planning, f"came from {planning}", planning.value)


def _stays(trigger: str, statuses: tuple[CaseStatus, ...]) -> tuple[TransitionSpec, ...]:
    return tuple(TransitionSpec(trigger, (status,), status) for status in statuses)


TRANSITIONS: tuple[TransitionSpec, ...] = (
    TransitionSpec("receive_referral", (S.NEW,), S.REFERRED),
    TransitionSpec("receive_transfer_in", (S.NEW,), S.ICPC_PLANNING),
    TransitionSpec("start_s47", (S.REFERRED,), S.S47_ENQUIRY),
    TransitionSpec("close_no_further_action", (S.REFERRED, S.S47_ENQUIRY), S.CLOSED),
    _outcome("icpc_not_required", (S.S47_ENQUIRY,), S.CIN_PLAN, "cin_plan"),
    _outcome("icpc_not_required", (S.S47_ENQUIRY,), S.CLOSED, "no_further_action"),
    TransitionSpec("convene_icpc", (S.S47_ENQUIRY,), S.ICPC_PLANNING),
    *_stays("set_conference_date", _PLANNING),
    *_stays("record_child_participation", _PLANNING),
    TransitionSpec("arrange_child_only_conference", (S.ICPC_PLANNING, S.REVIEW_PLANNING), S.CHILD_ONLY_CONFERENCE),
    _back_to("hold_child_only_conference", S.ICPC_PLANNING),
    _back_to("hold_child_only_conference", S.REVIEW_PLANNING),
    _back_to("cancel_child_only_conference", S.ICPC_PLANNING),
    _back_to("cancel_child_only_conference", S.REVIEW_PLANNING),
    _outcome("hold_icpc", (S.ICPC_PLANNING,), S.CORE_GROUPS, "cp_plan"),
    _outcome("hold_icpc", (S.ICPC_PLANNING,), S.CIN_PLAN, "cin_plan"),
    _outcome("hold_icpc", (S.ICPC_PLANNING,), S.CLOSED, "no_further_action"),
    *_stays("hold_core_group", _ON_PLAN),
    *_stays("record_visit", _ON_PLAN),
    TransitionSpec("convene_review", (S.CORE_GROUPS,), S.REVIEW_PLANNING),
    _outcome("hold_review", (S.REVIEW_PLANNING,), S.CORE_GROUPS, "continue_plan"),
    _outcome("hold_review", (S.REVIEW_PLANNING,), S.CIN_PLAN, "end_plan_cin"),
    _outcome("hold_review", (S.REVIEW_PLANNING,), S.CLOSED, "end_plan_close"),
    _outcome("end_plan", (S.CORE_GROUPS, S.REVIEW_PLANNING), S.CLOSED, "close"),
    _outcome("end_plan", (S.CORE_GROUPS, S.REVIEW_PLANNING), S.CIN_PLAN, "cin_plan"),
    TransitionSpec("close_case", (S.CIN_PLAN,), S.CLOSED),
    *_stays("record_birth", _LIVE),
    *_stays("complete_action", (*_LIVE, S.CLOSED)),
    # The pre-proceedings track (states/pre_proceedings.py holds its own table): the case stays in its status.
    *(spec for trigger in PRE_PROCEEDINGS_TRIGGERS for spec in _stays(trigger, _PLAN_RUNS)),
    *_stays("allocate", _LIVE),
)

TRIGGERS: tuple[str, ...] = tuple(dict.fromkeys(spec.trigger for spec in TRANSITIONS))
CREATING_TRIGGERS: frozenset[str] = frozenset(spec.trigger for spec in TRANSITIONS if S.NEW in spec.sources)


MACHINE = table_machine(TRANSITIONS, CaseStatus, CaseStatus.NEW)


def next_status(status: CaseStatus, trigger: str, route: str | None = None) -> CaseStatus:
    """The status `trigger` leads to from `status`, given the route (outcome) chosen; raises if not allowed."""
    if trigger not in MACHINE.events:
        raise UnknownTrigger(f"unknown trigger {trigger!r}: expected one of {', '.join(TRIGGERS)}")
    return _allowed_move(status, trigger, route)


# Saves 42% CPU per trigger on the lifecycle benchmark (3,330 -> 5,770/s): the machine's conditions look at the route
# alone, so a move it allowed once is allowed always, and asking it (add_model, remove_model) costs more than fire().
@lru_cache(maxsize=1024)
def _allowed_move(status: CaseStatus, trigger: str, route: str | None) -> CaseStatus:
    try:
        moved = move(MACHINE, status, trigger, route)
    except MachineError:
        raise TransitionNotAllowed(
            f"trigger {trigger!r} is not allowed from status {status.value!r}: "
            f"allowed from {', '.join(allowed_from(trigger))}"
        ) from None
    if moved is None:
        raise TransitionNotAllowed(f"trigger {trigger!r} from status {status.value!r} has no route {route!r}")
    return CaseStatus(moved)


def allowed_from(trigger: str) -> tuple[str, ...]:
    """The statuses `trigger` may be fired from, in table order."""
    return sources_of(TRANSITIONS, trigger)


def triggers_from(status: CaseStatus) -> tuple[str, ...]:
    """The triggers that may be fired from `status`, in table order."""
    return tuple(dict.fromkeys(spec.trigger for spec in TRANSITIONS if status in spec.sources))
