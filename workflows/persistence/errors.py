"""What the database layer reports: a missing row it was asked for."""

from __future__ import annotations

from states.errors import CaseflowError

__all__ = ["OutboxRowMissing"]


class OutboxRowMissing(CaseflowError):
    """The outbox row or its case is not in the database."""
