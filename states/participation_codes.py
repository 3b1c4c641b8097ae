"""The closed lists a child's participation in a conference is recorded in: no free text."""

from __future__ import annotations

from typing import Literal

__all__ = ["ATTENDING", "NotInvitedReason", "ParticipationWay"]

# Why the child is not invited (or, under the policy's age, why they are invited all the same: `other`).
NotInvitedReason = Literal["not_in_childs_interests", "too_young", "child_declined", "other"]

# How the child contributes to the conference: taking part in it, their views brought to it, or not at all.
ParticipationWay = Literal[
    "in_person",
    "remote",
    "part_of_meeting",
    "views_by_letter",
    "views_by_drawing",
    "views_by_audio_video",
    "views_by_app",
    "advocate_speaks",
    "none",
]

# The ways that mean the child attends the conference (in person, remotely or for a part): they need an invitation.
ATTENDING = frozenset({"in_person", "remote", "part_of_meeting"})
