"""Builders for the policy migration tests: a case in conference planning, and the policies at version 2026.2.

The case: referral Mon 2026-11-02, strategy discussion Tue 11-03, conference decided Wed 11-04 for Tue 11-24,
agency reports submitted (closed) on Tue 11-17. Version 2026.2 of the default policy shortens three timescales.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

from sqlalchemy import Engine

from states.policy import Policy
from tests.integration.test_case_service__builders import (
    CONVENE,
    SOCIAL_WORKER,
    TEAM_MANAGER,
    in_s47_enquiry,
    make_service,
)
from workflows.persistence import load_all_policies
from workflows.settings import REPOSITORY_CONFIG_DIR

# Each edit: (the 2026.1 rule, the 2026.2 rule).
EDITS = (
    ('version: "2026.1"', 'version: "2026.2"'),
    (
        "{amount: 15, unit: working_days, direction: after, counts_from: strategy_discussion_date",
        "{amount: 10, unit: working_days, direction: after, counts_from: strategy_discussion_date",
    ),
    (
        "{amount: 2, unit: working_days, direction: before, counts_from: conference_date",
        "{amount: 3, unit: working_days, direction: before, counts_from: conference_date",
    ),
    (
        "{amount: 3, unit: working_days, direction: before, counts_from: conference_date",
        "{amount: 5, unit: working_days, direction: before, counts_from: conference_date",
    ),
)


def policies_at_2026_2(tmp_path: Path) -> dict[str, Policy]:
    """The repository's policies, with the default (not the authority profiles) edited to version 2026.2."""
    folder = tmp_path / "policies"
    shutil.copytree(REPOSITORY_CONFIG_DIR / "policies", folder)
    path = folder / "default.yaml"
    text = path.read_text(encoding="utf-8")
    # Reverse order, so the 2 -> 3 edit is not caught by the 3 -> 5 one.
    for old, new in reversed(EDITS):
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")
    return load_all_policies(folder)


def planning_case(engine: Engine) -> None:
    """CP-1, the case of this module's docstring: in conference planning, its agency reports done."""
    service = make_service(engine)
    in_s47_enquiry(service)
    service.fire("CP-1", "convene_icpc", CONVENE, TEAM_MANAGER, date(2026, 11, 4))
    done = {"kind": "submit_agency_reports", "done_on": "2026-11-17"}
    service.fire("CP-1", "complete_action", done, SOCIAL_WORKER, date(2026, 11, 17))
