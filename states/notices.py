"""What a notice and a sweep digest say: case references, action kinds, roles and dates, never anything personal."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

__all__ = ["NOTICE_TEXT", "WHOLE_SERVICE", "Digest", "DigestLine", "Notice"]

# The team of a digest to a role over the whole service (or about cases with no team).
WHOLE_SERVICE = ""

# What each kind of notice asks of its recipient, in words; the kind itself is a persisted code.
NOTICE_TEXT: Mapping[str, str] = {
    "invitations": "send the conference invitations",
    "leaflet": "send the conference leaflet to the child and family",
    "advocate_request": "request an advocate for the child",
    "decision_letter": "send the decision letter and outline plan",
    "feedback_request": "ask the child and parents for feedback on the conference",
    "outstanding": "an action is still open although the case has moved on",
    "reminder": "an action is due soon",
    "escalation": "an action is overdue",
}


@dataclass(frozen=True)
class Notice:
    """A message to a role about one case: reference, what to do, which action, by when."""

    key: str
    case_reference: str
    kind: str
    recipient_role: str
    action_id: int | None = None
    action_kind: str | None = None
    due_on: date | None = None


@dataclass(frozen=True)
class DigestLine:
    """One reminder or escalation in a digest: the case reference and the action, never anything personal."""

    case_reference: str
    action_kind: str
    due_on: date
    working_days_late: int | None  # None: a reminder, not due yet
    level: str


@dataclass(frozen=True)
class Digest:
    """What one sweep raised for one role of one team: how many actions, and the first lines of them."""

    id: int
    as_of: date
    recipient_role: str
    team: str  # WHOLE_SERVICE for a service-wide role or cases with no team
    actions: int
    lines: tuple[DigestLine, ...]
    staff_id: str = ""  # the allocated worker whose cases it covers; "" for the role's recipients
