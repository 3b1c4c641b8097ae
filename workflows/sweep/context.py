"""What a sweep works with: the application database, every authority's policy, and the sweep's logger."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from states.policy import Policy
from workflows.logs import get_logger

__all__ = ["LOGGER", "SweepContext", "sweep_log"]

LOGGER = "caseflow.sweep"


@dataclass(frozen=True)
class SweepContext:
    """What a sweep needs: the application database and every authority's policy."""

    engine: Engine
    policies: Mapping[str, Policy]


def sweep_log() -> Any:
    """The sweep's logger."""
    # Bound at each use, not at import: a logger bound before logging is configured keeps structlog's defaults.
    return get_logger(LOGGER)
