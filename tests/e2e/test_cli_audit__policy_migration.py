"""`caseflow policy migrate` through the console script's entry point: the dry run lists, the real run moves and audits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.cli_in_process import run_main
from tests.e2e.cli import clean_environment
from tests.integration.policy_migration_builders import planning_case, policies_at_2026_2
from tests.staff_builders import add_staff
from workflows.services import StaffEntry

pytestmark = pytest.mark.e2e


def test_policy_migrate_lists_then_applies_the_moves_and_the_audit_trail_still_verifies(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    planning_case(engine)
    policies_at_2026_2(tmp_path)  # writes tmp_path/policies, the config folder the CLI reads
    env = clean_environment(
        CASEFLOW_DATABASE_URL=database_url, CASEFLOW_CONFIG_DIR=str(tmp_path), CASEFLOW_DATA_DIR=str(tmp_path / "data")
    )

    add_staff(engine, [StaffEntry("ops-1", "ops-1@example.org", ("service_manager",), ())])
    unknown = run_main("policy", "migrate", "--to", "2026.2", "--actor", "nobody", env=env)
    assert (unknown.returncode, unknown.stderr.strip()) == (2, "error: --actor nobody: not in the staff directory")

    dry = run_main("policy", "migrate", "--to", "2026.2", "--authority", "default", "--dry-run", "--json", env=env)
    applied = run_main("policy", "migrate", "--to", "2026.2", "--actor", "ops-1", env=env)
    verified = run_main("audit", "verify", env=env)

    assert dry.returncode == 0, dry.stderr
    # hold_icpc: 10 WD after Tue 11-03 is Tue 11-17; reports to family: 3 WD before Tue 11-24 is Thu 11-19.
    assert [(m["kind"], m["old_due"], m["new_due"]) for m in json.loads(dry.stdout)["moves"]] == [
        ("hold_icpc", "2026-11-24", "2026-11-17"),
        ("share_reports_with_family", "2026-11-20", "2026-11-19"),
    ]
    assert applied.returncode == 0, applied.stderr
    lines = applied.stdout.splitlines()
    assert lines[0] == "policy version 2026.2 (default): 2 due dates moved in 1 cases"
    assert lines[1].startswith("CP-1 action ") and lines[1].endswith(
        "hold_icpc: 2026-11-24 -> 2026-11-17 "
        "(hold_icpc: 10 working days after strategy_discussion_date in policy default 2026.2 (was 2026.1))"
    )
    assert lines[-1] == "1 cases restamped to 2026.2, each in one audited transaction"
    # Four triggers (referral, s47, convene, agency reports done) and the migration.
    assert (verified.returncode, verified.stdout.strip()) == (0, "OK: 5 audit events in 1 cases verified")


def test_policy_migrate_to_a_version_no_policy_is_at_is_one_error_line(database_url: str, tmp_path: Path) -> None:
    env = clean_environment(CASEFLOW_DATABASE_URL=database_url, CASEFLOW_DATA_DIR=str(tmp_path))

    result = run_main("policy", "migrate", "--to", "2099.9", "--dry-run", env=env)

    assert result.returncode == 2
    assert result.stderr.startswith("error: no loaded policy is at version 2099.9 (loaded: ")
    assert len(result.stderr.splitlines()) == 1
