"""Pre-proceedings episodes for a few of the demo's plan cases: started, letters with and without an FGDM offered,
meetings, one stepped down, one to the court application and the letter initiating proceedings.

Steps are offsets in days after the case's last step so far, spaced so that moving each date back to a working day
keeps them in order; the demo dates the case so that the last step is never after today.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["EPISODE_EVERY", "episode_steps"]

# One plan case in this many gets an episode; which one of the shapes below follows from the case's number.
EPISODE_EVERY = 6
_Add = Callable[..., int]


def _letter(add: _Add, at: int, offered: bool) -> int:
    at = add(at + 5, "start_pre_proceedings")
    if offered:
        return add(at + 7, "send_letter_before_proceedings", fgdm_offered=True)
    # A family group decision-making meeting was held in the last months: the letter says so rather than offer one.
    return add(
        at + 7, "send_letter_before_proceedings", fgdm_offered=False, fgdm_not_offered_reason="fgdm_held_recently"
    )


def episode_steps(add: _Add, last: int, number: int, cp_plan: bool) -> None:
    """Add one episode's steps after offset `last`; `number` picks its shape, `cp_plan` adds core groups beside it."""
    shape = number % 5
    if shape == 0:  # just started: the letter before proceedings is due
        add(last + 5, "start_pre_proceedings")
        return
    at = _letter(add, last, offered=shape != 2)
    if shape == 1:  # FGDM offered and held, initial meeting held, reviews to come
        at = add(at + 14, "record_fgdm", outcome="held")
        add(at + 7, "hold_pre_proceedings_meeting")
        return
    at = add(at + 10, "hold_pre_proceedings_meeting")
    if cp_plan:
        at = add(at + 7, "hold_core_group")
    if shape == 2:  # no FGDM offered (held recently), a review meeting, no decision yet
        add(at + 35, "hold_pre_proceedings_meeting")
    elif shape == 3:  # FGDM offered and declined; things improved: stepped down
        at = add(at + 7, "record_fgdm", outcome="declined")
        add(at + 28, "decide_pre_proceedings", outcome="step_down")
    else:  # FGDM held, a review, then the decision to issue, the court application and the letter initiating
        at = add(at + 7, "record_fgdm", outcome="held")
        at = add(at + 35, "hold_pre_proceedings_meeting")
        at = add(at + 7, "decide_pre_proceedings", outcome="issue_proceedings")
        at = add(at + 5, "apply_to_court")
        add(at + 2, "send_letter_initiating_proceedings")
