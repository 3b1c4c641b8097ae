"""The pre-proceedings episodes of a case, read from its audit trail as the other return facts are."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

__all__ = ["Episode", "apply_track"]


@dataclass(frozen=True)
class Episode:
    """One pre-proceedings episode: from the decision to start it to its end (stepping down, the letter
    initiating proceedings, or the plan or case ending), as the audit trail recorded each step."""

    start: date
    letter: date | None = None
    fgdm_offered: bool | None = None
    fgdm_outcome: str | None = None  # held, declined or not_held; None while not recorded
    fgdm_recorded: date | None = None
    initial_meeting: date | None = None
    reviews: tuple[date, ...] = ()  # the meetings after the initial one
    decision: date | None = None
    outcome: str | None = None  # step_down or issue_proceedings
    court_application: date | None = None
    letter_initiating: date | None = None
    ended: date | None = None

    def overlaps(self, start: date, end: date) -> bool:
        """Whether the episode ran at any time from `start` to `end` inclusive."""
        return self.start <= end and (self.ended is None or self.ended >= start)


def _letter(episode: Episode, on: date, data: Mapping[str, Any]) -> Episode:
    return replace(episode, letter=on, fgdm_offered=bool(data.get("fgdm_offered")))


def _fgdm(episode: Episode, on: date, data: Mapping[str, Any]) -> Episode:
    return replace(episode, fgdm_outcome=str(data["outcome"]), fgdm_recorded=on)


def _meeting(episode: Episode, on: date, data: Mapping[str, Any]) -> Episode:
    if episode.initial_meeting is None:
        return replace(episode, initial_meeting=on)
    return replace(episode, reviews=(*episode.reviews, on))


def _decision(episode: Episode, on: date, data: Mapping[str, Any]) -> Episode:
    return replace(episode, decision=on, outcome=str(data["outcome"]))


_STEPS: dict[str, Callable[[Episode, date, Mapping[str, Any]], Episode]] = {
    "send_letter_before_proceedings": _letter,
    "record_fgdm": _fgdm,
    "hold_pre_proceedings_meeting": _meeting,
    "decide_pre_proceedings": _decision,
    "apply_to_court": lambda episode, on, data: replace(episode, court_application=on),
    "send_letter_initiating_proceedings": lambda episode, on, data: replace(episode, letter_initiating=on),
}


def apply_track(
    episodes: tuple[Episode, ...], trigger: str, on: date, payload: Mapping[str, Any]
) -> tuple[Episode, ...]:
    """The episodes after one fired trigger: a new one at start_pre_proceedings, the open one moved on by its
    own triggers, and ended on the day any trigger (its own, ending the plan, closing the case) ended the track."""
    if trigger == "start_pre_proceedings":
        return (*episodes, Episode(start=on))
    if not episodes:
        return episodes
    *earlier, current = episodes
    step = _STEPS.get(trigger)
    if step is not None:
        current = step(current, on, payload.get("data", {}))
    track = payload.get("pre_proceedings") or {}
    if track.get("to") == "none" and track.get("from") != "none":
        current = replace(current, ended=on)
    return (*earlier, current)
