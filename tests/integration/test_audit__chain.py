"""The audit trail is a per-case hash chain the database will not let anyone edit, and verify finds any edit."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from workflows.persistence import AuditEventRow, AuditRecord, ChainHead, audit

pytestmark = pytest.mark.both_databases

START = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
EDITED = "hash does not match the event's contents: edited, or hashed without the audit key (forged)"


def record(number: int) -> AuditRecord:
    return AuditRecord(
        event_type="status_changed",
        actor_id=f"sw-{number}",
        actor_role="social_worker",
        trigger="start_s47",
        occurred_on=date(2026, 3, 2),
        from_status="referral",
        to_status="s47_enquiry",
        payload={"step": number, "codes": ["a", "b"], "nested": {"z": 1, "a": None}},
    )


def write_chain(engine: Engine, reference: str, length: int) -> ChainHead:
    head = ChainHead()
    with engine.begin() as conn:
        for number in range(length):
            head = audit.append(conn, reference, head, record(number), START + timedelta(seconds=number))
    return head


def drop_append_only_triggers(engine: Engine) -> None:
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("DROP TRIGGER audit_events_append_only ON audit_events"))
        else:
            conn.execute(sa.text("DROP TRIGGER audit_events_no_update"))
            conn.execute(sa.text("DROP TRIGGER audit_events_no_delete"))


def event_id(engine: Engine, reference: str, seq: int) -> int:
    with engine.connect() as conn:
        query = sa.text("SELECT id FROM audit_events WHERE case_reference = :ref AND seq = :seq")
        return int(conn.execute(query, {"ref": reference, "seq": seq}).scalar_one())


def test_a_chain_written_event_by_event_verifies_with_its_counts(engine: Engine) -> None:
    write_chain(engine, "CP-1", 3)
    write_chain(engine, "CP-2", 2)

    with engine.connect() as conn:
        report = audit.verify(conn)

    assert (report.ok, report.cases, report.events, report.broken) == (True, 2, 5, [])


def test_each_event_links_to_the_hash_of_the_one_before_it(engine: Engine) -> None:
    write_chain(engine, "CP-1", 3)

    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT seq, prev_hash, hash FROM audit_events ORDER BY seq")).all()

    assert [row.seq for row in rows] == [1, 2, 3]
    assert rows[0].prev_hash == audit.GENESIS_HASH
    assert [row.prev_hash for row in rows[1:]] == [row.hash for row in rows[:-1]]
    assert len({row.hash for row in rows}) == 3


def test_the_chain_head_is_read_back_as_the_newest_event(engine: Engine) -> None:
    written = write_chain(engine, "CP-1", 4)

    with engine.connect() as conn:
        assert audit.chain_head(conn, "CP-1") == written
        assert audit.chain_head(conn, "CP-unknown") == ChainHead(0, audit.GENESIS_HASH)


def test_the_database_refuses_to_update_an_audit_event(engine: Engine) -> None:
    write_chain(engine, "CP-1", 2)

    with pytest.raises(sa.exc.DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(sa.text("UPDATE audit_events SET actor_id = 'someone-else' WHERE seq = 1"))

    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT actor_id FROM audit_events WHERE seq = 1")).scalar_one() == "sw-0"


def test_the_database_refuses_to_delete_an_audit_event(engine: Engine) -> None:
    write_chain(engine, "CP-1", 2)

    with pytest.raises(sa.exc.DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM audit_events"))

    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM audit_events")).scalar_one() == 2


@pytest.mark.fresh_database  # drops the append-only triggers
def test_verify_names_the_first_event_whose_contents_were_edited(engine: Engine) -> None:
    write_chain(engine, "CP-1", 5)
    write_chain(engine, "CP-2", 2)
    drop_append_only_triggers(engine)
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE audit_events SET actor_role = 'team_manager' WHERE case_reference = 'CP-1' AND seq = 3")
        )

    with engine.connect() as conn:
        report = audit.verify(conn)

    assert not report.ok
    assert report.events == 7
    assert report.broken == [audit.BrokenLink("CP-1", 3, event_id(engine, "CP-1", 3), EDITED)]


@pytest.mark.fresh_database  # drops the append-only triggers
def test_verify_names_an_event_whose_payload_was_edited_to_hold_what_no_event_is_written_with(engine: Engine) -> None:
    write_chain(engine, "CP-1", 2)
    drop_append_only_triggers(engine)
    events = AuditEventRow.__table__
    with engine.begin() as conn:
        conn.execute(sa.update(events).where(events.c.seq == 2).values(payload={"step": 2**70}))  # past 64 bits

    with engine.connect() as conn:
        report = audit.verify(conn, "CP-1")

    assert [(link.seq, link.problem) for link in report.broken] == [(2, EDITED)]


@pytest.mark.fresh_database  # drops the append-only triggers
def test_verify_names_the_link_after_an_event_that_was_edited_and_rehashed(engine: Engine) -> None:
    write_chain(engine, "CP-1", 4)
    drop_append_only_triggers(engine)
    # A forger who edits event 2 and recomputes its hash still breaks event 3, which holds the old hash.
    with engine.begin() as conn:
        events = AuditEventRow.__table__
        row = dict(conn.execute(sa.select(events).where(events.c.seq == 2)).one()._mapping)
        row["actor_id"] = "forger"
        conn.execute(
            sa.text("UPDATE audit_events SET actor_id = 'forger', hash = :forged WHERE seq = 2"),
            {"forged": audit.event_hash(row)},
        )

    with engine.connect() as conn:
        report = audit.verify(conn, "CP-1")

    assert [(link.seq, link.problem) for link in report.broken] == [
        (3, "prev_hash does not match the previous event's hash")
    ]


@pytest.mark.fresh_database  # drops the append-only triggers
def test_verify_names_the_event_after_a_deleted_one(engine: Engine) -> None:
    write_chain(engine, "CP-1", 4)
    drop_append_only_triggers(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM audit_events WHERE seq = 2"))

    with engine.connect() as conn:
        report = audit.verify(conn)

    assert report.broken == [
        audit.BrokenLink("CP-1", 3, event_id(engine, "CP-1", 3), "seq 3 follows seq 1: an event is missing")
    ]


@pytest.mark.fresh_database  # drops the append-only triggers
def test_verify_of_one_case_ignores_a_broken_chain_of_another(engine: Engine) -> None:
    write_chain(engine, "CP-1", 2)
    write_chain(engine, "CP-2", 2)
    drop_append_only_triggers(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE audit_events SET payload = '{}' WHERE case_reference = 'CP-2' AND seq = 1"))

    with engine.connect() as conn:
        assert audit.verify(conn, "CP-1").ok
        assert [link.case_reference for link in audit.verify(conn, "CP-2").broken] == ["CP-2"]


def test_a_second_event_at_the_same_seq_is_refused_by_the_unique_key(engine: Engine) -> None:
    write_chain(engine, "CP-1", 1)

    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
        audit.append(conn, "CP-1", ChainHead(), record(9), START)

    with engine.connect() as conn:
        assert audit.verify(conn).events == 1
