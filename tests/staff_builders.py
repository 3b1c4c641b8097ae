"""A staff directory for tests that act through the CLI: the CLI acts only as an active member holding the role."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Engine

from workflows.persistence import load_all_policies
from workflows.services import StaffDirectory, StaffEntry, known_roles
from workflows.settings import REPOSITORY_CONFIG_DIR

# The actors the case-view caseload and its CLI tests fire as (tests/integration/case_views_builders.py), each over
# both of its teams.
CASELOAD_STAFF = (
    StaffEntry("sw-1", "sw-1@example.org", ("social_worker",), ("north", "south")),
    StaffEntry("sw-9", "sw-9@example.org", ("social_worker",), ("east",)),
    StaffEntry("tm-1", "tm-1@example.org", ("team_manager",), ("north", "south")),
    StaffEntry("chair-1", "chair-1@example.org", ("cp_chair",), ()),
    StaffEntry("bs-1", "bs-1@example.org", ("business_support",), ("north", "south")),
)


def add_staff(engine: Engine, entries: Iterable[StaffEntry] = CASELOAD_STAFF) -> StaffDirectory:
    """Record `entries` in the directory of `engine`'s database (roles as the repository's policies name them)."""
    directory = StaffDirectory(engine, known_roles(load_all_policies(REPOSITORY_CONFIG_DIR / "policies")))
    for entry in entries:
        directory.add(entry)
    return directory
