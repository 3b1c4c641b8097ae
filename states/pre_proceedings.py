"""The pre-proceedings track: a second region of the case, run beside its status (BPMN: a parallel sub-process).

When a plan is not keeping a child safe, a legal planning meeting may start pre-proceedings (the Public Law Outline)
while the child protection or child in need plan goes on: the case keeps its status, and core groups, visits and
reviews carry on. The track has its own states and its own table of triggers, in one place like the lifecycle's.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from transitions import MachineError

from states.errors import TransitionNotAllowed
from states.state_table import move, sources_of, table_machine

__all__ = [
    "PRE_PROCEEDINGS_TRIGGERS",
    "TRACK_ACTIONS",
    "TRACK_MACHINE",
    "TRACK_TRANSITIONS",
    "TrackSpec",
    "TrackStatus",
    "next_track_status",
    "track_allowed_from",
]


class TrackStatus(StrEnum):
    """Where the case's pre-proceedings track is. Values are persisted (cases.pre_proceedings) and public.

    none: no pre-proceedings open (never started, or the last episode ended).
    letter_due: pre-proceedings decided; the letter before proceedings is due.
    letter_sent: the letter went (offering an FGDM or saying why not); the initial meeting is due.
    meetings: the initial pre-proceedings meeting was held; reviews go on until the decision.
    issuing: the decision was to issue care proceedings; the court application is due.
    applied: the application was made; the letter initiating proceedings is due, and ends the track.
    """

    NONE = "none"
    LETTER_DUE = "letter_due"
    LETTER_SENT = "letter_sent"
    MEETINGS = "meetings"
    ISSUING = "issuing"
    APPLIED = "applied"


@dataclass(frozen=True)
class TrackSpec:
    """One row of the track's table, as TransitionSpec is one of the lifecycle's."""

    trigger: str
    sources: tuple[TrackStatus, ...]
    dest: TrackStatus
    condition: str | None = None
    route: str | None = None


T = TrackStatus
TRACK_TRANSITIONS: tuple[TrackSpec, ...] = (
    TrackSpec("start_pre_proceedings", (T.NONE,), T.LETTER_DUE),
    TrackSpec("send_letter_before_proceedings", (T.LETTER_DUE,), T.LETTER_SENT),
    # An FGDM offered in the letter may be held (or declined) at any time before the court application.
    *(TrackSpec("record_fgdm", (status,), status) for status in (T.LETTER_SENT, T.MEETINGS, T.ISSUING)),
    TrackSpec("hold_pre_proceedings_meeting", (T.LETTER_SENT, T.MEETINGS), T.MEETINGS),
    TrackSpec("decide_pre_proceedings", (T.MEETINGS,), T.NONE, 'outcome == "step_down"', "step_down"),
    TrackSpec(
        "decide_pre_proceedings", (T.MEETINGS,), T.ISSUING, 'outcome == "issue_proceedings"', "issue_proceedings"
    ),
    TrackSpec("apply_to_court", (T.ISSUING,), T.APPLIED),
    TrackSpec("send_letter_initiating_proceedings", (T.APPLIED,), T.NONE),
)
PRE_PROCEEDINGS_TRIGGERS: tuple[str, ...] = tuple(dict.fromkeys(spec.trigger for spec in TRACK_TRANSITIONS))


TRACK_MACHINE = table_machine(TRACK_TRANSITIONS, TrackStatus, TrackStatus.NONE)


@lru_cache(maxsize=256)
def next_track_status(status: TrackStatus, trigger: str, route: str | None = None) -> TrackStatus:
    """The track status `trigger` leads to from `status`; raises TransitionNotAllowed if the track is elsewhere."""
    try:
        moved = move(TRACK_MACHINE, status, trigger, route)
    except MachineError:
        raise TransitionNotAllowed(
            f"trigger {trigger!r} is not allowed while pre-proceedings are {status.value!r}: "
            f"allowed while {', '.join(track_allowed_from(trigger))}"
        ) from None
    if moved is None:
        raise TransitionNotAllowed(f"trigger {trigger!r} with pre-proceedings {status.value!r} has no route {route!r}")
    return TrackStatus(moved)


def track_allowed_from(trigger: str) -> tuple[str, ...]:
    """The track statuses `trigger` may be fired in, in table order."""
    return sources_of(TRACK_TRANSITIONS, trigger)


# The actions the track opens; they live beside any status where a plan runs and end with the track.
TRACK_ACTIONS: frozenset[str] = frozenset(
    {
        "send_letter_before_proceedings",
        "hold_initial_pre_proceedings_meeting",
        "hold_fgdm",
        "review_pre_proceedings",
        "conclude_pre_proceedings",
        "apply_to_court",
        "send_letter_initiating_proceedings",
    }
)
