"""A child's views erased through the command line: recorded at a child-only conference, erased by a data-protection
officer, then the audit chain still verifies and the text is in no table of the database (every table, not only the
ones the code models: a copy left in a table nobody reads would still be held)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from tests.cli_in_process import Ran, run_main

pytestmark = pytest.mark.both_databases

# A marker no code writes on its own: found anywhere, it came from the child's views given below.
VIEWS = "MARKER-VIEWS-5d1e I want to stay at my school"
# Dates checked by hand against the 2026 calendar: referral Mon 2 Nov, strategy discussion Tue 3 Nov, conference
# convened Wed 4 Nov for Tue 24 Nov, child-only conference arranged Thu 5 Nov and held Mon 16 Nov (no bank holiday
# in November), the erasure on the same day.
TODAY = ("--today", "2026-11-16")
STAFF = (
    ("sw-1", "social_worker", "north"),
    ("tm-1", "team_manager", "north"),
    ("chair-1", "cp_chair", "north"),
    ("dpo-1", "data_protection_officer", None),
)


@pytest.fixture
def env(engine: Engine, database_url: str, tmp_path: Path) -> dict[str, str]:
    """The command line on this database, its staff directory holding everyone the journey needs."""
    key_file = tmp_path / "audit-keys"
    key_file.write_text("child-views-test " + "ef" * 32 + "\n")
    environment = {
        "CASEFLOW_DATABASE_URL": database_url,
        "CASEFLOW_DATA_DIR": str(tmp_path / "data"),
        "CASEFLOW_AUDIT_KEY_FILE": str(key_file),
        "CASEFLOW_LOG_LEVEL": "WARNING",
        "HOME": str(tmp_path),
    }
    for staff_id, role, team in STAFF:
        teams = ("--team", team) if team else ()
        _ok(
            run_main(
                "staff", "add", staff_id, "--role", role, *teams, "--email", f"{staff_id}@example.org", env=environment
            )
        )
    return environment


def _ok(ran: Ran) -> str:
    assert ran.returncode == 0, ran
    return ran.stdout


def _fire(env: dict[str, str], trigger: str, actor: str, role: str, *data: str) -> None:
    _ok(run_main("trigger", "CP-COC-1", trigger, *data, "--actor", actor, "--role", role, *TODAY, env=env))


def _child_only_conference_held(env: dict[str, str]) -> None:
    _fire(
        env, "receive_referral", "sw-1", "social_worker", "date_of_birth=2014-03-10", "team=north", "--on", "2026-11-02"
    )
    _fire(env, "start_s47", "sw-1", "social_worker", "strategy_discussion_date=2026-11-03", "--on", "2026-11-03")
    _fire(
        env,
        "convene_icpc",
        "tm-1",
        "team_manager",
        "decision_date=2026-11-04",
        "conference_date=2026-11-24",
        "--on",
        "2026-11-04",
    )
    _fire(env, "complete_action", "sw-1", "social_worker", "kind=request_advocate", "--on", "2026-11-05")
    arranged = ("date=2026-11-16", "chair_decided_on=2026-11-05", "in_childs_interests=true", "--on", "2026-11-05")
    _fire(env, "arrange_child_only_conference", "chair-1", "cp_chair", *arranged)
    held = ("date=2026-11-16", f"child_views={VIEWS}", "shared_with_conference=all", "who_feeds_back=chair")
    _fire(env, "hold_child_only_conference", "chair-1", "cp_chair", *held, "--on", "2026-11-16")


def _tables_holding(engine: Engine, marker: str) -> list[str]:
    """Every table of the database (as the database lists them) with a row whose text holds `marker`."""
    if engine.dialect.name == "sqlite":
        listing = "SELECT name FROM sqlite_master WHERE type = 'table'"
    else:
        listing = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
    with engine.connect() as conn:
        tables = conn.execute(sa.text(listing)).scalars().all()
        assert "audit_events" in tables and "private_text" in tables
        return [
            table
            for table in tables
            if any(marker in _as_text(row) for row in conn.execute(sa.text(f'SELECT * FROM "{table}"')))
        ]


def _as_text(row: sa.Row[object]) -> str:
    return " ".join(value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value) for value in row)


def test_erasing_a_childs_views_leaves_the_chain_verifying_and_the_views_in_no_table(
    engine: Engine, env: dict[str, str]
) -> None:
    _child_only_conference_held(env)
    # Before: the views are kept beside the chain (and in the case's facts), never in it.
    assert sorted(_tables_holding(engine, VIEWS)) == ["cases", "private_text"]

    erased = _ok(
        run_main(
            "privacy", "erase", "CP-COC-1", "child_views", "--reason", "data_subject_request",
            "--actor", "dpo-1", "--role", "data_protection_officer", env=env,
        )
    )  # fmt: skip

    assert erased.startswith("case CP-COC-1: field child_views erased (audit event seq ")
    assert _tables_holding(engine, VIEWS) == []
    # Not only the whole text: no distinctive part of it either.
    assert _tables_holding(engine, "MARKER-VIEWS") == []
    verified = _ok(run_main("audit", "verify", env=env)).strip()
    assert verified.startswith("OK: ") and verified.endswith("audit events in 1 cases verified")
