"""What the scheduler refuses to start with."""

from __future__ import annotations

from states.errors import CaseflowError

__all__ = ["SweepTimeAmbiguous"]


class SweepTimeAmbiguous(CaseflowError):
    """The sweep time falls in an hour the clocks skip or repeat."""
