"""The audit chain's primitives: the event, its keyed hash, the keyed hashes of its text and the case row's seal."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from workflows.persistence.audit_keys import Keyring, current_keyring
from workflows.persistence.json_text import canonical_json

__all__ = [
    "GENESIS_HASH",
    "HASHED_FIELDS",
    "PRIVATE",
    "AuditRecord",
    "BrokenLink",
    "ChainHead",
    "ChainReport",
    "anchor_seal",
    "chained_row",
    "event_hash",
    "private_hash",
    "private_rows",
]

GENESIS_HASH = "0" * 64
# The payload key under which an event holds the keyed hashes of the text it recorded (kept in `private_text`).
PRIVATE = "private"

# The fields an event's hash covers, in the order they are read back for verification. The row id is left
# out on purpose: the database assigns it after the hash is computed.
HASHED_FIELDS = (
    "case_reference",
    "seq",
    "event_type",
    "trigger",
    "actor_id",
    "actor_role",
    "occurred_on",
    "recorded_at",
    "from_status",
    "to_status",
    "payload",
    "prev_hash",
    "key_id",
    "case_version",
)


@dataclass(frozen=True)
class ChainHead:
    """The newest event of a case's chain: the next event gets seq + 1 and links to this hash."""

    seq: int = 0
    hash: str = GENESIS_HASH


@dataclass(frozen=True)
class AuditRecord:
    """What happened, by whom, before it is placed in the chain.

    `private` is the free text and personal facts the event recorded, by field: kept in `private_text`, and only
    their keyed hashes in the chained payload. `case_version` is the version of the case the event produced, for
    an event that changed the case.
    """

    event_type: str
    actor_id: str
    actor_role: str
    trigger: str | None = None
    occurred_on: date | None = None
    from_status: str | None = None
    to_status: str | None = None
    payload: Mapping[str, Any] = field(default_factory=dict)
    private: Mapping[str, str] = field(default_factory=dict)
    case_version: int | None = None


@dataclass(frozen=True)
class BrokenLink:
    """The first event of a case's chain that does not verify, and why."""

    case_reference: str
    seq: int
    event_id: int | None
    problem: str


@dataclass(frozen=True)
class ChainReport:
    """The outcome of verifying the audit trail: counts, and the first broken event of each broken chain."""

    cases: int
    events: int
    broken: list[BrokenLink]

    @property
    def ok(self) -> bool:
        return not self.broken


def _canonical_time(value: datetime) -> str:
    # SQLite hands back naive UTC, PostgreSQL aware in the session's zone: both must hash the same.
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(timespec="microseconds")


def event_hash(fields: Mapping[str, Any], keyring: Keyring | None = None) -> str:
    """HMAC-SHA256, under the event's audit key, of the canonical JSON of its hashed fields, prev_hash among them.

    Raises KeyError for a key id the keyring does not hold, TypeError for contents no event is written with.
    """
    values = {name: fields[name] for name in HASHED_FIELDS}
    values["recorded_at"] = _canonical_time(values["recorded_at"])
    if (occurred_on := values["occurred_on"]) is not None:
        values["occurred_on"] = occurred_on.isoformat()
    return (keyring or current_keyring()).sign(canonical_json(values), values["key_id"])


def private_hash(keyring: Keyring, key_id: str, where: tuple[str, int, str], text: str) -> str:
    """The keyed hash an event's payload holds for one piece of its text: (case, seq, field) salt it."""
    reference, seq, name = where
    return keyring.sign(canonical_json({"case": reference, "seq": seq, "field": name, "text": text}), key_id)


def anchor_seal(keyring: Keyring, reference: str, version: int, head: ChainHead, key_id: str | None = None) -> str:
    """The case row's keyed seal over its reference, version and the newest event of its chain: "<key id>:<hex>"."""
    key_id = key_id or keyring.current
    message = canonical_json({"anchor": reference, "version": version, "seq": head.seq, "hash": head.hash})
    return f"{key_id}:{keyring.sign(message, key_id)}"


def chained_row(
    reference: str, head: ChainHead, record: AuditRecord, recorded_at: datetime, case_version: int | None = None
) -> dict[str, Any]:
    """The row that appends `record` to the chain whose newest event is `head` (`case_version`: the version of the
    case the event made, when the record does not say)."""
    keyring = current_keyring()
    seq = head.seq + 1
    payload = dict(record.payload)
    if record.private:
        payload[PRIVATE] = {
            name: private_hash(keyring, keyring.current, (reference, seq, name), text)
            for name, text in record.private.items()
        }
    row: dict[str, Any] = {
        "case_reference": reference,
        "seq": seq,
        "event_type": record.event_type,
        "trigger": record.trigger,
        "actor_id": record.actor_id,
        "actor_role": record.actor_role,
        "occurred_on": record.occurred_on,
        "recorded_at": recorded_at,
        "from_status": record.from_status,
        "to_status": record.to_status,
        "payload": payload,
        "prev_hash": head.hash,
        "key_id": keyring.current,
        "case_version": record.case_version if case_version is None else case_version,
    }
    row["hash"] = event_hash(row, keyring)
    return row


def private_rows(reference: str, seq: int, record: AuditRecord) -> list[dict[str, Any]]:
    """The `private_text` rows holding the text of the event `record` became at `seq`."""
    return [
        {"case_reference": reference, "seq": seq, "field": name, "text": text, "state": "live", "changed_by_seq": None}
        for name, text in record.private.items()
    ]
