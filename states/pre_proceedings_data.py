"""What each trigger of the pre-proceedings track carries (the Public Law Outline beside the plan)."""

from __future__ import annotations

from typing import Literal

from pydantic import model_validator

from states.event_base import EventData, IsoDate

__all__ = [
    "PRE_PROCEEDINGS_DATA_MODELS",
    "ApplyToCourt",
    "DecidePreProceedings",
    "FgdmNotOfferedReason",
    "FgdmOutcome",
    "HoldPreProceedingsMeeting",
    "PreProceedingsOutcome",
    "RecordFgdm",
    "SendLetterBeforeProceedings",
    "SendLetterInitiatingProceedings",
    "StartPreProceedings",
]

# Why the letter before proceedings offered no family group decision-making meeting (s.31ZA Children Act 1989).
FgdmNotOfferedReason = Literal["not_in_childs_interests", "fgdm_held_recently", "other"]
FgdmOutcome = Literal["held", "declined", "not_held"]
PreProceedingsOutcome = Literal["step_down", "issue_proceedings"]


class _Dated(EventData):
    """A step of the track recorded on the day it happened."""

    date: IsoDate
    HAPPENED = ("date",)
    OCCURRED = "date"


class StartPreProceedings(EventData):
    # The legal planning meeting's decision to start pre-proceedings.
    decision_date: IsoDate
    HAPPENED = ("decision_date",)
    OCCURRED = "decision_date"


class SendLetterBeforeProceedings(_Dated):
    fgdm_offered: bool
    fgdm_not_offered_reason: FgdmNotOfferedReason | None = None

    @model_validator(mode="after")
    def _reason_exactly_when_not_offered(self) -> SendLetterBeforeProceedings:
        if not self.fgdm_offered and self.fgdm_not_offered_reason is None:
            raise ValueError(
                "fgdm_not_offered_reason is required when no FGDM is offered "
                "(not_in_childs_interests, fgdm_held_recently or other)"
            )
        if self.fgdm_offered and self.fgdm_not_offered_reason is not None:
            raise ValueError("fgdm_not_offered_reason is only given when no FGDM is offered")
        return self


class RecordFgdm(_Dated):
    outcome: FgdmOutcome


class HoldPreProceedingsMeeting(_Dated):
    """The first meeting after the letter is the initial pre-proceedings meeting; later ones are reviews."""


class DecidePreProceedings(_Dated):
    outcome: PreProceedingsOutcome
    ROUTE = "outcome"


class ApplyToCourt(_Dated):
    """The application for a care or supervision order."""


class SendLetterInitiatingProceedings(_Dated):
    """The letter telling the parents proceedings have been issued: the track ends."""


PRE_PROCEEDINGS_DATA_MODELS: dict[str, type[EventData]] = {
    "start_pre_proceedings": StartPreProceedings,
    "send_letter_before_proceedings": SendLetterBeforeProceedings,
    "record_fgdm": RecordFgdm,
    "hold_pre_proceedings_meeting": HoldPreProceedingsMeeting,
    "decide_pre_proceedings": DecidePreProceedings,
    "apply_to_court": ApplyToCourt,
    "send_letter_initiating_proceedings": SendLetterInitiatingProceedings,
}
