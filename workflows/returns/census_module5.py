"""Census module 5: one <PreProceedingsandFGDM> per pre-proceedings episode of the census year, in CINdetails.

Each item is sent only when the draft DfE rules can take it: a date only inside the census year (9005, 9006,
9008, 9009, 9012, 9013: "cannot fall outside the reporting year"), so an episode that started before the year is
sent with the steps it took in the year, and one still open at the year's end with the steps taken by then; the
FGDM offer only beside the letter's date (9007); whether an FGDM was facilitated only once its outcome was
recorded by the year's end (else left out: unknown at the census date); the count of review meetings held by the
year's end whenever an initial meeting was held by then (9015Q); PPOutcome from a decision made by the year's end
through PP_OUTCOME_CODES (9011).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from lxml import etree

from workflows.returns.pre_proceedings_facts import Episode

__all__ = ["PP_OUTCOME_CODES", "pre_proceedings_blocks"]

BLOCK = "PreProceedingsandFGDM"
# The decision to step down or to issue, as the census's PPOutcome codes (rule 9011: A, B or C). The DfE's
# specification of module 5 could not be read: the meanings of A, B and C must be confirmed against it when it
# can. Until then: the validator project's sample return pairs A with a court application, so issuing care
# proceedings is A; stepping down is B. C is not sent.
PP_OUTCOME_CODES: Mapping[str, str] = {"issue_proceedings": "A", "step_down": "B"}
# FGDMMeetingFac: 1 when an FGDM meeting was held, 0 when it was declined or not held.
_FACILITATED = {"held": "1", "declined": "0", "not_held": "0"}


def _in(value: date | None, start: date, end: date) -> date | None:
    return value if value is not None and start <= value <= end else None


def _add(parent: etree._Element, tag: str, value: object | None) -> None:
    if value is None:
        return
    etree.SubElement(parent, tag).text = value.isoformat() if isinstance(value, date) else str(value)


def _block(details: etree._Element, episode: Episode, start: date, end: date) -> None:
    block = etree.SubElement(details, BLOCK)
    letter = _in(episode.letter, start, end)
    initial_held = episode.initial_meeting is not None and episode.initial_meeting <= end
    decided = episode.decision is not None and episode.decision <= end
    fgdm_known = episode.fgdm_offered and episode.fgdm_recorded is not None and episode.fgdm_recorded <= end
    _add(block, "PPStartDate", _in(episode.start, start, end))
    _add(block, "LBPSentDate", letter)
    _add(block, "FGDMMeetingOffer", None if letter is None else "1" if episode.fgdm_offered else "0")
    _add(block, "FGDMMeetingFac", _FACILITATED[episode.fgdm_outcome or ""] if fgdm_known else None)
    _add(block, "InitialPPMeetingDate", _in(episode.initial_meeting, start, end))
    reviews = sum(1 for held in episode.reviews if held <= end)
    _add(block, "ReviewMeetingsCount", reviews if initial_held else None)
    _add(block, "StepDecisionDate", _in(episode.decision, start, end))
    _add(block, "PPOutcome", PP_OUTCOME_CODES[episode.outcome] if decided and episode.outcome else None)
    _add(block, "CourtAppDate", _in(episode.court_application, start, end))
    _add(block, "LetterInitCPDate", _in(episode.letter_initiating, start, end))


def pre_proceedings_blocks(details: etree._Element, episodes: tuple[Episode, ...], start: date, end: date) -> None:
    """Append a block to `details` for each episode that ran at any time in the census year `start`-`end`."""
    for episode in episodes:
        if episode.overlaps(start, end):
            _block(details, episode, start, end)
