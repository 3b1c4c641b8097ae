"""The audit trail: an append-only, per-case hash chain of everything done (and refused) on a case."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, cast

from sqlalchemy import Connection, exists, func, insert, select

from workflows.persistence.json_text import canonical_json
from workflows.persistence.models import AuditEventRow, CaseRow

__all__ = [
    "GENESIS_HASH",
    "HASHED_FIELDS",
    "AuditRecord",
    "BrokenLink",
    "ChainHead",
    "ChainReport",
    "append",
    "chain_head",
    "chained_row",
    "event_hash",
    "verify",
]

GENESIS_HASH = "0" * 64

_events = AuditEventRow.__table__
_cases = CaseRow.__table__

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
)


@dataclass(frozen=True)
class ChainHead:
    """The newest event of a case's chain: the next event gets seq + 1 and links to this hash."""

    seq: int = 0
    hash: str = GENESIS_HASH


@dataclass(frozen=True)
class AuditRecord:
    """What happened, by whom, before it is placed in the chain."""

    event_type: str
    actor_id: str
    actor_role: str
    trigger: str | None = None
    occurred_on: date | None = None
    from_status: str | None = None
    to_status: str | None = None
    payload: Mapping[str, Any] = field(default_factory=dict)


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


def event_hash(fields: Mapping[str, Any]) -> str:
    """sha256 over the canonical JSON of an event's hashed fields, prev_hash among them."""
    values = {name: fields[name] for name in HASHED_FIELDS}
    values["recorded_at"] = _canonical_time(values["recorded_at"])
    if (occurred_on := values["occurred_on"]) is not None:
        values["occurred_on"] = occurred_on.isoformat()
    return hashlib.sha256(canonical_json(values)).hexdigest()


def chained_row(reference: str, head: ChainHead, record: AuditRecord, recorded_at: datetime) -> dict[str, Any]:
    """The row that appends `record` to the chain whose newest event is `head`."""
    row: dict[str, Any] = {
        "case_reference": reference,
        "seq": head.seq + 1,
        "event_type": record.event_type,
        "trigger": record.trigger,
        "actor_id": record.actor_id,
        "actor_role": record.actor_role,
        "occurred_on": record.occurred_on,
        "recorded_at": recorded_at,
        "from_status": record.from_status,
        "to_status": record.to_status,
        "payload": dict(record.payload),
        "prev_hash": head.hash,
    }
    row["hash"] = event_hash(row)
    return row


def append(
    connection: Connection, reference: str, head: ChainHead, record: AuditRecord, recorded_at: datetime
) -> ChainHead:
    """Insert `record` after `head`; a concurrent append at the same seq fails on the unique (case, seq) key."""
    row = chained_row(reference, head, record, recorded_at)
    connection.execute(insert(_events), row)
    return ChainHead(row["seq"], row["hash"])


def chain_head(connection: Connection, reference: str) -> ChainHead:
    """The newest event of the case's chain, or the genesis head when it has none."""
    found = connection.execute(
        select(_events.c.seq, _events.c.hash)
        .where(_events.c.case_reference == reference)
        .order_by(_events.c.seq.desc())
        .limit(1)
    ).first()
    return ChainHead(found.seq, found.hash) if found else ChainHead()


def _problem(row: Mapping[str, Any], head: ChainHead) -> str | None:
    if row["seq"] != head.seq + 1:
        return f"seq {row['seq']} follows seq {head.seq}: an event is missing"
    if row["prev_hash"] != head.hash:
        return "prev_hash does not match the previous event's hash"
    if _hash_or_none(row) != row["hash"]:
        return "hash does not match the event's contents"
    return None


def _hash_or_none(row: Mapping[str, Any]) -> str | None:
    try:
        return event_hash(row)
    except TypeError:  # contents no event is written with (an integer past 64 bits): altered since
        return None


def _first_breaks(rows: Iterable[Mapping[str, Any]]) -> Iterator[BrokenLink | None]:
    """One item per event: a BrokenLink at each chain's first bad event, None otherwise (the rest goes unchecked)."""
    reference, head, broken = None, ChainHead(), False
    for row in rows:
        if row["case_reference"] != reference:
            reference, head, broken = row["case_reference"], ChainHead(), False
        if broken:
            yield None
            continue
        problem = _problem(row, head)
        if problem:
            broken = True
            yield BrokenLink(row["case_reference"], row["seq"], row["id"], problem)
            continue
        head = ChainHead(row["seq"], row["hash"])
        yield None


def _cases_without_events(connection: Connection, reference: str | None) -> list[BrokenLink]:
    query = select(_cases.c.reference).where(~exists().where(_events.c.case_reference == _cases.c.reference))
    if reference is not None:
        query = query.where(_cases.c.reference == reference)
    missing = connection.execute(query.order_by(_cases.c.reference)).scalars()
    return [BrokenLink(ref, 1, None, "the case exists but its audit trail is empty") for ref in missing]


def verify(connection: Connection, reference: str | None = None, batch_size: int = 2000) -> ChainReport:
    """Walk every chain (or one case's) in seq order; report each broken chain's first bad event."""
    query = select(_events.c.id, *(_events.c[name] for name in HASHED_FIELDS), _events.c.hash)
    if reference is not None:
        query = query.where(_events.c.case_reference == reference)
    rows = connection.execution_options(yield_per=batch_size).execute(
        query.order_by(_events.c.case_reference, _events.c.seq)
    )
    events, broken = 0, []
    for outcome in _first_breaks(cast(Mapping[str, Any], row._mapping) for row in rows):
        events += 1
        if outcome is not None:
            broken.append(outcome)
    broken.extend(_cases_without_events(connection, reference))
    cases = _count_chains(connection, reference)
    return ChainReport(cases=cases, events=events, broken=sorted(broken, key=lambda link: link.case_reference))


def _count_chains(connection: Connection, reference: str | None) -> int:
    query = select(func.count(func.distinct(_events.c.case_reference)))
    if reference is not None:
        query = query.where(_events.c.case_reference == reference)
    return int(connection.execute(query).scalar_one())
