"""Migration 0015 re-seals chains written before keys: keyed, anchored, text moved out, and recorded per case."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from workflows.persistence import audit, audit_keys, make_engine, schema

pytestmark = pytest.mark.both_databases

REASON = "MARKER-LEGACY-5d1e moved out of the area"
RECORDED = datetime(2026, 11, 5, 10, 0, tzinfo=UTC)


@pytest.fixture
def at_0012(empty_database_url: str) -> Iterator[Engine]:
    audit_keys.install_keyring(audit_keys.Keyring({"migration-test": bytes(32)}, "migration-test"))
    engine = make_engine(empty_database_url)
    schema.upgrade(engine, "0012")
    yield engine
    engine.dispose()
    audit_keys.uninstall_keyring()


def sha256_event(row: dict[str, Any]) -> str:
    """The hash as 0001-0012 wrote it, computed here independently: sha256 of json.dumps over twelve fields."""
    names = ("case_reference", "seq", "event_type", "trigger", "actor_id", "actor_role", "occurred_on",
             "recorded_at", "from_status", "to_status", "payload", "prev_hash")  # fmt: skip
    values = {name: row[name] for name in names}
    values["recorded_at"] = row["recorded_at"].replace(tzinfo=None).isoformat(timespec="microseconds")
    values["occurred_on"] = row["occurred_on"].isoformat()
    return hashlib.sha256(
        json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    ).hexdigest()


def legacy_event(seq: int, prev_hash: str, trigger: str, data: dict[str, Any], day: date) -> dict[str, Any]:
    row: dict[str, Any] = {
        "case_reference": "CP-OLD", "seq": seq, "event_type": "trigger_fired", "trigger": trigger,
        "actor_id": "tm-1", "actor_role": "team_manager", "occurred_on": day, "recorded_at": RECORDED,
        "from_status": "new", "to_status": "referred", "payload": {"trigger": trigger, "data": data},
        "prev_hash": prev_hash,
    }  # fmt: skip
    row["hash"] = sha256_event(row)
    return row


def write_legacy_case(engine: Engine) -> None:
    first = legacy_event(1, "0" * 64, "receive_referral", {"referral_date": "2026-11-02"}, date(2026, 11, 2))
    second = legacy_event(2, first["hash"], "close_no_further_action", {"reason": REASON}, date(2026, 11, 5))
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO cases (reference, authority, team, status, version, facts, created_at, updated_at) "
                "VALUES ('CP-OLD', 'default', 'north', 'closed', 2, '{}', :at, :at)"
            ),
            {"at": RECORDED},
        )
        events = sa.table("audit_events", *(sa.column(name) for name in first if name != "payload"))
        events.append_column(sa.column("payload", sa.JSON))
        conn.execute(sa.insert(events), [first, second])


def test_a_legacy_chain_is_resealed_keyed_anchored_and_recorded(at_0012: Engine) -> None:
    write_legacy_case(at_0012)

    schema.upgrade(at_0012)

    with at_0012.connect() as conn:
        report = audit.verify(conn)
        rows = conn.execute(
            sa.text("SELECT seq, event_type, key_id, case_version, payload FROM audit_events ORDER BY seq")
        ).all()
        kept = conn.execute(sa.text("SELECT seq, field, text FROM private_text")).all()
    assert (report.ok, report.events) == (True, 3)
    assert [(r.seq, r.event_type, r.key_id, r.case_version) for r in rows] == [
        (1, "trigger_fired", "migration-test", 1),
        (2, "trigger_fired", "migration-test", 2),
        (3, "audit_resealed", "migration-test", None),
    ]
    resealed = rows[2].payload if isinstance(rows[2].payload, dict) else json.loads(rows[2].payload)
    assert (resealed["unkeyed_chain"], resealed["texts_moved"], resealed["events"]) == ("verified", 1, 2)
    assert "MARKER-LEGACY" not in str(rows[1].payload)
    assert [tuple(row) for row in kept] == [(2, "reason", REASON)]


def test_a_legacy_chain_edited_before_the_migration_is_recorded_as_broken_when_resealed(at_0012: Engine) -> None:
    write_legacy_case(at_0012)
    with at_0012.begin() as conn:  # the triggers of 0001 refuse this; dropped as an attacker would
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("DROP TRIGGER audit_events_append_only ON audit_events"))
            conn.execute(sa.text("UPDATE audit_events SET actor_id = 'forger' WHERE seq = 1"))
            conn.execute(sa.text(
                "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
                "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()"
            ))  # fmt: skip
        else:
            conn.execute(sa.text("DROP TRIGGER audit_events_no_update"))
            conn.execute(sa.text("UPDATE audit_events SET actor_id = 'forger' WHERE seq = 1"))
            conn.execute(sa.text(
                "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
                "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only: UPDATE refused'); END"
            ))  # fmt: skip

    schema.upgrade(at_0012)

    with at_0012.connect() as conn:
        payload = conn.execute(sa.text("SELECT payload FROM audit_events WHERE seq = 3")).scalar_one()
    resealed = payload if isinstance(payload, dict) else json.loads(payload)
    assert resealed["unkeyed_chain"] == "broken at seq 1"
