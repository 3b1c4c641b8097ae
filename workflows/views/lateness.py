"""Lateness in working days under each case's own policy, live as of the date asked (no sweep needed)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from states.policy import Policy, PolicyNotFound

__all__ = ["BELOW_LADDER", "OPEN", "Lateness", "day_of"]

OPEN = "open"
# An action late by fewer working days than the first rung of its policy's ladder.
BELOW_LADDER = "below_ladder"


class Lateness:
    """Working days late under each authority's calendar, one calendar per authority."""

    def __init__(self, policies: Mapping[str, Policy]) -> None:
        self._policies = policies
        self._memo: dict[tuple[str, date, date], int] = {}

    def policy(self, authority: str) -> Policy:
        try:
            return self._policies[authority]
        except KeyError:
            message = f"authority {authority!r}: no policy loaded for it (its cases cannot be shown)"
            raise PolicyNotFound(message) from None

    def late(self, authority: str, due_on: date, on: date) -> int:
        """Working days after `due_on` up to and including `on`; 0 when not late."""
        key = (authority, due_on, on)
        if key not in self._memo:
            between = self.policy(authority).calendar().working_days_between(due_on, on) if on > due_on else 0
            self._memo[key] = max(between, 0)
        return self._memo[key]

    def level(self, authority: str, working_days_late: int) -> str:
        rung = self.policy(authority).escalation_level(working_days_late)
        return rung.level if rung is not None else BELOW_LADDER


def day_of(value: Any) -> date | None:
    # SQLite hands dates back as ISO text through some paths, PostgreSQL as dates.
    return date.fromisoformat(value) if isinstance(value, str) else value
