"""Personal data out of the chain and correctable: free text kept beside the audit trail, rectified and erased by a
data-protection officer with the chain still verifying; reads of a case logged; a child's subject access export."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine
from typer.testing import CliRunner

from tests.integration.test_case_service__builders import SOCIAL_WORKER, TEAM_MANAGER, make_service, referred
from workflows.cli import app
from workflows.persistence import Base, audit, audit_keys
from workflows.services import ActorRefused, StaffDirectory, StaffEntry

pytestmark = pytest.mark.both_databases

# Markers no code writes on its own: found anywhere, they came from the text given.
REASON = "MARKER-REASON-7f3a worried about the family's move"
NEW_REASON = "MARKER-RECTIFIED-91c2 no concerns substantiated after the visit"


@pytest.fixture
def cli(engine: Engine, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """The command line on this database, with an audit key file whose keyring this process signs with too."""
    key_file = tmp_path / "audit-keys"
    key_file.write_text("privacy-test " + "cd" * 32 + "\n")
    audit_keys.install_keyring(audit_keys.load_key_file(key_file))
    for name, value in {
        "CASEFLOW_DATABASE_URL": database_url,
        "CASEFLOW_DATA_DIR": str(tmp_path / "data"),
        "CASEFLOW_AUDIT_KEY_FILE": str(key_file),
        "CASEFLOW_LOG_LEVEL": "WARNING",
    }.items():
        monkeypatch.setenv(name, value)
    directory = StaffDirectory(engine, ["data_protection_officer", "team_manager", "social_worker"])
    directory.add(StaffEntry("dpo-1", "dpo@example.org", ("data_protection_officer",)))
    directory.add(StaffEntry("tm-1", "tm1@example.org", ("team_manager",), ("north",)))
    directory.add(StaffEntry("tm-south", "tms@example.org", ("team_manager",), ("south",)))
    yield engine
    audit_keys.uninstall_keyring()


def closed_with_a_reason(engine: Engine, reference: str = "CP-1") -> None:
    """Referred Mon 2 Nov 2026, closed with no further action Thu 5 Nov with a free-text reason."""
    service = make_service(engine)
    referred(service, reference)
    data = {"reason": REASON, "date": "2026-11-05"}
    service.fire(reference, "close_no_further_action", data, TEAM_MANAGER, date(2026, 11, 5))
    service.close()


def every_table_as_text(engine: Engine, leaving_out: tuple[str, ...] = ()) -> str:
    with engine.connect() as conn:
        return "\n".join(
            repr(conn.execute(sa.select(table)).all())
            for table in Base.metadata.sorted_tables
            if table.name not in leaving_out
        )


def invoke(*args: str, stdin: str | None = None) -> Any:
    return CliRunner().invoke(app, list(args), input=stdin)


def verifies(engine: Engine) -> bool:
    with engine.connect() as conn:
        return audit.verify(conn).ok


def test_free_text_is_kept_beside_the_chain_and_only_its_keyed_hash_in_it(cli: Engine) -> None:
    closed_with_a_reason(cli)

    with cli.connect() as conn:
        payload = conn.execute(sa.text("SELECT payload FROM audit_events WHERE seq = 2")).scalar_one()
        kept = conn.execute(sa.text("SELECT field, text, state FROM private_text")).all()

    assert "MARKER-REASON" not in str(payload)
    assert set(json.loads(payload)["private"] if isinstance(payload, str) else payload["private"]) == {"reason"}
    # The referral's date of birth (a personal fact) is kept beside the chain too.
    assert sorted(tuple(row) for row in kept) == [("date_of_birth", "2016-05-01", "live"), ("reason", REASON, "live")]
    assert "MARKER-REASON" not in every_table_as_text(cli, leaving_out=("cases", "private_text"))
    assert verifies(cli)


def test_erasing_the_reason_leaves_the_chain_verifying_and_the_text_in_no_table(cli: Engine) -> None:
    closed_with_a_reason(cli)

    ran = invoke(
        "privacy", "erase", "CP-1", "reason", "--reason", "retention_expired", "--actor", "dpo-1",
        "--role", "data_protection_officer",
    )  # fmt: skip

    assert ran.exit_code == 0, ran.output
    assert "case CP-1: field reason erased (audit event seq 3)" in ran.stdout
    assert "MARKER-REASON" not in every_table_as_text(cli)
    assert verifies(cli)
    with cli.connect() as conn:
        event = conn.execute(sa.text("SELECT event_type, actor_id FROM audit_events WHERE seq = 3")).one()
    assert tuple(event) == ("private_text_erased", "dpo-1")


def test_rectifying_the_reason_replaces_it_everywhere_and_the_chain_still_verifies(cli: Engine) -> None:
    closed_with_a_reason(cli)

    ran = invoke(
        "privacy", "rectify", "CP-1", "reason", "--actor", "dpo-1", "--role", "data_protection_officer",
        stdin=NEW_REASON + "\n",
    )  # fmt: skip

    assert ran.exit_code == 0, ran.output
    everything = every_table_as_text(cli)
    assert "MARKER-REASON" not in everything
    assert "MARKER-RECTIFIED" in everything
    with cli.connect() as conn:
        facts = conn.execute(sa.select(sa.column("facts")).select_from(sa.table("cases"))).scalar_one()
    assert (json.loads(facts) if isinstance(facts, str) else facts)["closure_reason"] == NEW_REASON
    assert verifies(cli)


def test_only_a_data_protection_officer_may_erase(cli: Engine) -> None:
    closed_with_a_reason(cli)

    ran = invoke(
        "privacy", "erase", "CP-1", "reason", "--reason", "retention_expired", "--actor", "tm-1",
        "--role", "team_manager",
    )  # fmt: skip

    assert isinstance(ran.exception, ActorRefused)
    assert "MARKER-REASON" in every_table_as_text(cli)


def test_a_birth_is_recorded_on_the_day_it_is_recorded_not_on_the_date_of_birth(cli: Engine) -> None:
    service = make_service(cli)
    pre_birth = {"referral_date": "2026-10-01", "expected_delivery_date": "2026-12-01", "team": "north"}
    service.fire("CP-2", "receive_referral", pre_birth, SOCIAL_WORKER, date(2026, 10, 1))
    # Born Sat 31 Oct 2026 (early), recorded on Wed 4 Nov.
    result = service.fire("CP-2", "record_birth", {"date_of_birth": "2026-10-31"}, SOCIAL_WORKER, date(2026, 11, 4))
    service.close()

    assert result.occurred_on == date(2026, 11, 4)
    # Thu 1 Oct 2026 referral; no timescale or date the code writes falls on Sat 31 Oct, so any trace is the birth.
    assert "2026-10-31" not in every_table_as_text(cli, leaving_out=("cases", "private_text"))


def test_a_read_of_a_case_is_logged_with_who_read_it(cli: Engine) -> None:
    closed_with_a_reason(cli)

    named = invoke("case", "show", "CP-1", "--actor", "tm-1", "--role", "team_manager")
    unnamed = invoke("case", "show", "CP-1", "--json")
    listed = invoke("audit", "access", "CP-1", "--json")

    assert (named.exit_code, unnamed.exit_code, listed.exit_code) == (0, 0, 0)
    reads = json.loads(listed.stdout)["reads"]
    assert [(r["staff_id"], r["channel"]) for r in reads] == [("tm-1", "cli"), (None, "cli")]


def test_a_reader_outside_the_cases_team_is_told_not_found_and_no_read_is_logged(cli: Engine) -> None:
    closed_with_a_reason(cli)

    ran = invoke("case", "show", "CP-1", "--actor", "tm-south", "--role", "team_manager")

    assert "not found" in str(ran.exception)
    assert json.loads(invoke("audit", "access", "CP-1", "--json").stdout)["reads"] == []


def test_the_subject_access_export_holds_the_childs_cases_and_text(cli: Engine, tmp_path: Path) -> None:
    service = make_service(cli)
    referral = {"referral_date": "2026-11-02", "date_of_birth": "2016-05-01", "team": "north", "child_id": "C123"}
    service.fire("CP-9", "receive_referral", referral, SOCIAL_WORKER, date(2026, 11, 2))
    data = {"reason": REASON, "date": "2026-11-05"}
    service.fire("CP-9", "close_no_further_action", data, TEAM_MANAGER, date(2026, 11, 5))
    service.close()
    closed_with_a_reason(cli, "CP-OTHER")

    ran = invoke("privacy", "export", "--child-id", "C123", "--out", str(tmp_path / "sar"))

    assert ran.exit_code == 0, ran.output
    assert "C123" not in ran.stdout
    held = json.loads((tmp_path / "sar" / "subject-access.json").read_text())
    assert [case["case"]["reference"] for case in held["cases"]] == ["CP-9"]
    kept = {row["field"]: row["text"] for row in held["cases"][0]["free_text"]}
    assert kept == {"child_id": "C123", "date_of_birth": "2016-05-01", "reason": REASON}
    assert len(held["cases"][0]["history"]) == 2
    page = (tmp_path / "sar" / "subject-access.html").read_text()
    assert "Case CP-9" in page and "MARKER-REASON-7f3a worried about the family&#x27;s move" in page
