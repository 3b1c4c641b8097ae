"""How a flow run fails when its work is done but not all of it reached people."""

from __future__ import annotations

from states.errors import CaseflowError

__all__ = ["DigestsUndelivered", "NotificationsUndelivered"]


class NotificationsUndelivered(CaseflowError):
    """Every step ran, but some e-mails failed all their retries; each has an incident."""


class DigestsUndelivered(CaseflowError):
    """The sweep is done and its digests recorded, but some e-mails failed every retry; each has an incident."""
