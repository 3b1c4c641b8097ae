"""Someone with only the database (not the audit key) cannot cut a chain short, re-hash an edit or forge an event:
`caseflow audit verify` names the case and the seq of each attack.

Each test drops the append-only triggers, as such an attacker could, and attacks a case of five events:
receive_referral (seq 1, version 1), start_s47 (2, v2), a refused convene_icpc (3, no new version),
close_no_further_action (4, v3) and a refused start_s47 (5).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from states.errors import CaseflowError
from tests.cli_in_process import run_main
from tests.integration.test_audit__chain import drop_append_only_triggers
from tests.integration.test_case_service__builders import (
    BUSINESS_SUPPORT,
    CONVENE,
    NO_FURTHER_ACTION,
    SOCIAL_WORKER,
    TEAM_MANAGER,
    in_s47_enquiry,
    make_service,
)
from workflows.persistence import AuditEventRow, CaseRow, audit, audit_keys

pytestmark = [pytest.mark.both_databases, pytest.mark.fresh_database]

_events = AuditEventRow.__table__
_cases = CaseRow.__table__


@pytest.fixture(autouse=True)
def key_file(tmp_path: Path) -> Iterator[Path]:
    """An audit key file, its keyring installed: the one the command line reads too."""
    path = tmp_path / "audit-keys"
    path.write_text("test-key " + "ab" * 32 + "\n")
    audit_keys.install_keyring(audit_keys.load_key_file(path))
    yield path
    audit_keys.uninstall_keyring()


def five_events(engine: Engine, reference: str = "CP-1") -> None:
    service = make_service(engine)
    in_s47_enquiry(service, reference)
    with pytest.raises(CaseflowError):
        service.fire(reference, "convene_icpc", CONVENE, BUSINESS_SUPPORT, date(2026, 11, 4))
    service.fire(reference, "close_no_further_action", NO_FURTHER_ACTION, TEAM_MANAGER, date(2026, 11, 5))
    with pytest.raises(CaseflowError):
        service.fire(
            reference, "start_s47", {"strategy_discussion_date": "2026-11-05"}, SOCIAL_WORKER, date(2026, 11, 5)
        )
    service.close()
    drop_append_only_triggers(engine)


def broken(engine: Engine) -> list[tuple[str, int, str]]:
    with engine.connect() as conn:
        return [(link.case_reference, link.seq, link.problem) for link in audit.verify(conn).broken]


def event(conn: sa.Connection, seq: int) -> dict[str, Any]:
    return dict(conn.execute(sa.select(_events).where(_events.c.seq == seq)).one()._mapping)


def unkeyed_hash(row: dict[str, Any]) -> str:
    """The hash as chains were hashed before keys (sha256 of the canonical JSON): all an attacker can compute."""
    values = {name: row[name] for name in audit.HASHED_FIELDS}
    values["recorded_at"] = row["recorded_at"].replace(tzinfo=None).isoformat(timespec="microseconds")
    values["occurred_on"] = row["occurred_on"].isoformat() if row["occurred_on"] else None
    text = json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def test_the_untouched_case_verifies(engine: Engine) -> None:
    five_events(engine)

    with engine.connect() as conn:
        report = audit.verify(conn)
        anchor = conn.execute(sa.select(_cases.c.version, _cases.c.audit_seq)).one()

    assert (report.ok, report.events, tuple(anchor)) == (True, 5, (3, 5))


def test_deleting_the_newest_events_is_named_at_the_first_missing_seq(engine: Engine) -> None:
    five_events(engine)
    with engine.begin() as conn:
        conn.execute(sa.delete(_events).where(_events.c.seq >= 4))

    assert broken(engine) == [
        (
            "CP-1",
            4,
            "the chain ends at seq 3 but the case row anchors seq 5: the newest events (seq 4 to 5) were deleted",
        )
    ]


def test_deleting_the_newest_event_and_moving_the_anchor_back_breaks_the_anchor_seal(engine: Engine) -> None:
    five_events(engine)
    with engine.begin() as conn:
        newest_left = event(conn, 4)
        conn.execute(sa.delete(_events).where(_events.c.seq == 5))
        conn.execute(sa.update(_cases).values(audit_seq=4, audit_hash=newest_left["hash"]))

    assert broken(engine) == [
        ("CP-1", 4, "the case row's anchor seal does not match: its anchor or version was changed")
    ]


def test_editing_the_newest_event_and_rehashing_it_without_the_key_is_named_at_its_seq(engine: Engine) -> None:
    five_events(engine)
    with engine.begin() as conn:
        row = event(conn, 5) | {"actor_id": "someone-else"}
        conn.execute(
            sa.update(_events).where(_events.c.seq == 5).values(actor_id="someone-else", hash=unkeyed_hash(row))
        )

    assert broken(engine) == [
        ("CP-1", 5, "hash does not match the event's contents: edited, or hashed without the audit key (forged)")
    ]


def test_a_forged_event_appended_with_a_computed_hash_is_named_at_its_seq(engine: Engine) -> None:
    five_events(engine)
    with engine.begin() as conn:
        newest = event(conn, 5)
        forged = newest | {"seq": 6, "prev_hash": newest["hash"], "actor_id": "forger"}
        del forged["id"]
        forged["hash"] = unkeyed_hash(forged)
        conn.execute(sa.insert(_events).values(**forged))
        conn.execute(sa.update(_cases).values(audit_seq=6, audit_hash=forged["hash"]))

    assert broken(engine) == [
        ("CP-1", 6, "hash does not match the event's contents: edited, or hashed without the audit key (forged)")
    ]


def test_changing_the_case_version_breaks_the_anchor_seal(engine: Engine) -> None:
    five_events(engine)
    with engine.begin() as conn:
        conn.execute(sa.update(_cases).values(version=2))

    assert broken(engine) == [
        ("CP-1", 5, "the case row's anchor seal does not match: its anchor or version was changed")
    ]


def test_verify_on_the_command_line_names_the_case_and_seq_of_a_cut_chain(
    engine: Engine, database_url: str, key_file: Path
) -> None:
    five_events(engine)
    with engine.begin() as conn:
        conn.execute(sa.delete(_events).where(_events.c.seq == 5))

    ran = run_main(
        "audit", "verify", env={"CASEFLOW_DATABASE_URL": database_url, "CASEFLOW_AUDIT_KEY_FILE": str(key_file)}
    )

    assert ran.returncode == 1
    assert "case CP-1: first broken at seq 5 (no event): the chain ends at seq 4" in ran.stdout
