"""How a task fails when part of its work did not get through."""

from __future__ import annotations

from states.errors import CaseflowError

__all__ = ["DigestsNotSent"]


class DigestsNotSent(CaseflowError):
    """Some sweep digests were not accepted by the SMTP server; a retry sends those only."""
