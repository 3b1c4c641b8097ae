"""keyed audit: HMAC-keyed chains anchored in the case row, free text and personal facts kept beside the chain,
and the access log

Every chain is re-sealed under the installation's audit key: each event is re-hashed with the key (its `key_id`
recorded), told which case version it made, and its free text moved out of the payload into `private_text` (the
payload keeps a keyed hash of it). A record_birth event whose date was the child's date of birth is re-dated to the
day it was recorded. The old, unkeyed chain is checked first, and each case gets an `audit_resealed` event saying
what was done and whether the old chain verified, so a re-seal can never launder an earlier edit unseen.

Revision ID: 0015
Revises: 0014
"""

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC
from typing import Any

import sqlalchemy as sa
from alembic import op

from workflows.persistence.audit_chain import GENESIS_HASH, ChainHead, anchor_seal, event_hash, private_hash
from workflows.persistence.audit_keys import current_keyring
from workflows.settings import utc_now

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The free-text fields of each trigger's data at this revision (states.event_data.free_text_fields), frozen here.
_FREE_TEXT = frozenset(
    {"override_reason", "reason", "age_override_reason", "child_views", "shared_with_conference", "who_feeds_back"}
)
_CODED_REASONS = {"end_plan"}  # end_plan's reason is a code (turned_18, died...), not text
_VERSIONED = {"trigger_fired", "policy_migrated"}
_OLD_FIELDS = (
    "case_reference", "seq", "event_type", "trigger", "actor_id", "actor_role", "occurred_on", "recorded_at",
    "from_status", "to_status", "payload", "prev_hash",
)  # fmt: skip

_events = sa.table(
    "audit_events",
    *(sa.column(name) for name in ("id", "case_reference", "seq", "event_type", "trigger", "actor_id", "actor_role")),
    sa.column("occurred_on", sa.Date),
    sa.column("recorded_at", sa.DateTime(timezone=True)),
    *(sa.column(name) for name in ("from_status", "to_status", "prev_hash", "hash", "key_id", "case_version")),
    sa.column("payload", sa.JSON),
)
_cases = sa.table("cases", *(sa.column(n) for n in ("reference", "version", "audit_seq", "audit_hash", "audit_seal")))
_private = sa.table("private_text", *(sa.column(n) for n in ("case_reference", "seq", "field", "text", "state")))


def _old_hash(row: dict[str, Any]) -> str:
    values = {name: row[name] for name in _OLD_FIELDS}
    recorded = values["recorded_at"]
    if recorded.tzinfo is not None:
        recorded = recorded.astimezone(UTC).replace(tzinfo=None)
    values["recorded_at"] = recorded.isoformat(timespec="microseconds")
    values["occurred_on"] = values["occurred_on"].isoformat() if values["occurred_on"] else None
    text = json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _move_text_out(row: dict[str, Any]) -> dict[str, str]:
    data = dict(row["payload"].get("data") or {})
    kept = {
        name: str(data.pop(name))
        for name in sorted(_FREE_TEXT & set(data))
        if not (name == "reason" and row["trigger"] in _CODED_REASONS)
    }
    if kept:
        row["payload"] = {**row["payload"], "data": data}
    return kept


def _redate_birth(row: dict[str, Any]) -> None:
    if row["trigger"] == "record_birth" and row["event_type"] == "trigger_fired":
        recorded_on = row["recorded_at"].date()
        row["occurred_on"] = recorded_on
        row["payload"] = {**row["payload"], "occurred_on": recorded_on.isoformat()}


class _Reseal:
    """One case's chain re-hashed under the key, text moved out, and an `audit_resealed` event appended."""

    def __init__(self, reference: str) -> None:
        self.reference, self.keyring = reference, current_keyring()
        self.head, self.old_head, self.version = ChainHead(), GENESIS_HASH, 0
        self.old_break: int | None = None
        self.texts = 0

    def event(self, bind: sa.Connection, row: dict[str, Any]) -> None:
        if self.old_break is None and (row["prev_hash"] != self.old_head or _old_hash(row) != row["hash"]):
            self.old_break = row["seq"]
        self.old_head = row["hash"]
        kept = _move_text_out(row)
        _redate_birth(row)
        if row["event_type"] in _VERSIONED:
            self.version += 1
        row["case_version"] = self.version if row["event_type"] in _VERSIONED else None
        row.update(key_id=self.keyring.current, prev_hash=self.head.hash)
        if kept:
            where = (self.reference, row["seq"])
            hashes = {n: private_hash(self.keyring, self.keyring.current, (*where, n), t) for n, t in kept.items()}
            row["payload"] = {**row["payload"], "private": hashes}
            bind.execute(sa.insert(_private), [_text_row(*where, n, t) for n, t in kept.items()])
            self.texts += len(kept)
        row["hash"] = event_hash(row, self.keyring)
        bind.execute(sa.update(_events).where(_events.c.id == row["id"]).values(**_written(row)))
        self.head = ChainHead(row["seq"], row["hash"])

    def close(self, bind: sa.Connection, case_version: int | None) -> None:
        payload = {
            "migration": "0015",
            "key_id": self.keyring.current,
            "events": self.head.seq,
            "texts_moved": self.texts,
            "unkeyed_head": self.old_head,
            "unkeyed_chain": "verified" if self.old_break is None else f"broken at seq {self.old_break}",
        }
        row: dict[str, Any] = {
            "case_reference": self.reference, "seq": self.head.seq + 1, "event_type": "audit_resealed",
            "trigger": None, "actor_id": "caseflow-migration", "actor_role": "system", "occurred_on": None,
            "recorded_at": utc_now(), "from_status": None, "to_status": None, "payload": payload,
            "prev_hash": self.head.hash, "key_id": self.keyring.current, "case_version": None,
        }  # fmt: skip
        row["hash"] = event_hash(row, self.keyring)
        bind.execute(sa.insert(_events).values(**row))
        self.head = ChainHead(row["seq"], row["hash"])
        if case_version is not None:
            seal = anchor_seal(self.keyring, self.reference, case_version, self.head)
            bind.execute(
                sa.update(_cases)
                .where(_cases.c.reference == self.reference)
                .values(audit_seq=self.head.seq, audit_hash=self.head.hash, audit_seal=seal)
            )


def _text_row(reference: str, seq: int, name: str, text: str) -> dict[str, Any]:
    return {"case_reference": reference, "seq": seq, "field": name, "text": text, "state": "live"}


def _written(row: dict[str, Any]) -> dict[str, Any]:
    names = ("occurred_on", "payload", "prev_hash", "hash", "key_id", "case_version")
    return {name: row[name] for name in names}


def _reseal_all() -> None:
    bind = op.get_bind()
    versions = {row.reference: row.version for row in bind.execute(sa.select(_cases.c.reference, _cases.c.version))}
    rows = bind.execute(sa.select(_events).order_by(_events.c.case_reference, _events.c.seq)).mappings().all()
    reseal: _Reseal | None = None
    for found in rows:
        row = dict(found)
        if reseal is None or row["case_reference"] != reseal.reference:
            if reseal is not None:
                reseal.close(bind, versions.get(reseal.reference))
            reseal = _Reseal(row["case_reference"])
        reseal.event(bind, row)
    if reseal is not None:
        reseal.close(bind, versions.get(reseal.reference))


_APPEND_ONLY = {
    "postgresql": (
        ["DROP TRIGGER audit_events_append_only ON audit_events"],
        [
            "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
            "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()"
        ],
    ),
    "sqlite": (
        ["DROP TRIGGER audit_events_no_update"],
        [
            "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
            "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only: UPDATE refused'); END"
        ],
    ),
}


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("audit_seq", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("audit_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("audit_seal", sa.String(length=100), nullable=True))
    # Plain ADD COLUMN (no batch copy): the append-only triggers on audit_events stay as they are.
    op.add_column("audit_events", sa.Column("key_id", sa.String(length=32), nullable=True))
    op.add_column("audit_events", sa.Column("case_version", sa.Integer(), nullable=True))
    op.create_table(
        "private_text",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_reference", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("changed_by_seq", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_private_text")),
        sa.UniqueConstraint("case_reference", "seq", "field", name=op.f("uq_private_text_case_reference")),
    )
    op.create_table(
        "case_reads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_reference", sa.String(length=64), nullable=False),
        sa.Column("staff_id", sa.String(length=64), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_reads")),
    )
    op.create_index("ix_case_reads_case_reference_read_at", "case_reads", ["case_reference", "read_at"])
    drop, create = _APPEND_ONLY[op.get_bind().dialect.name]
    for statement in drop:
        op.execute(statement)
    _reseal_all()
    for statement in create:
        op.execute(statement)


def downgrade() -> None:
    # The keyed hashes and moved text are not put back: a downgraded chain no longer verifies with the old code.
    op.drop_index("ix_case_reads_case_reference_read_at", table_name="case_reads")
    op.drop_table("case_reads")
    op.drop_table("private_text")
    op.drop_column("audit_events", "case_version")
    op.drop_column("audit_events", "key_id")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("audit_seal")
        batch_op.drop_column("audit_hash")
        batch_op.drop_column("audit_seq")
