"""The audit trail: an append-only, per-case hash chain of everything done (and refused) on a case."""

from __future__ import annotations

import hashlib
import json
import json.encoder
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any, cast

import orjson
from sqlalchemy import Connection, exists, func, insert, select

from workflows.persistence.models import AuditEventRow, CaseRow

__all__ = [
    "GENESIS_HASH",
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


@lru_cache(maxsize=16)
def _canonical_time(value: datetime) -> str:
    # SQLite hands back naive UTC, PostgreSQL aware in the session's zone: both must hash the same.
    # Cached: a trigger's rows share one timestamp, and the conversion costs more than the lookup.
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(timespec="microseconds")


# One encoder for every event: json.dumps with non-default options builds a new one per call.
_CANONICAL_JSON = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def _canonical_encoder() -> Callable[[Any], str]:
    """_CANONICAL_JSON.encode, with the C encoder it builds on every call built once (half the time per event).

    The same encoder with the same options, so the same text; only the circular-reference check is left out
    (an event's fields are plain JSON values).
    """
    make = getattr(json.encoder, "c_make_encoder", None)  # the C accelerator; not in the type stubs
    if make is None:
        return _CANONICAL_JSON.encode
    options = _CANONICAL_JSON
    iterencode = make(
        None,
        options.default,
        json.encoder.encode_basestring,
        None,
        options.key_separator,
        options.item_separator,
        options.sort_keys,
        options.skipkeys,
        options.allow_nan,
    )
    return lambda value: "".join(iterencode(value, 0))


_encode_canonical = _canonical_encoder()


# orjson with sorted keys writes the canonical text byte for byte for str keys and str, int, bool, None, list and
# dict values (the same escapes, UTF-8 as is, keys in code point order), in a tenth of the time. Not for floats:
# it writes some differently (1e16, not 1e+16) and NaN as null. Dates and dataclasses it would write where the
# canonical encoder refuses them: passed through, they raise, and the canonical encoder has the last word.
_ORJSON_CANONICAL = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def _encode_float_free(values: Mapping[str, Any]) -> bytes:
    try:
        return orjson.dumps(values, option=_ORJSON_CANONICAL)
    except TypeError:  # an integer past 64 bits, a key not a str, a type orjson does not write: let json decide
        return _encode_canonical(values).encode("utf-8")


def _canonical_values(fields: Mapping[str, Any]) -> dict[str, Any]:
    values = {name: fields[name] for name in HASHED_FIELDS}
    values["recorded_at"] = _canonical_time(values["recorded_at"])
    if (occurred_on := values["occurred_on"]) is not None:
        values["occurred_on"] = occurred_on.isoformat()
    return values


def _canonical(fields: Mapping[str, Any]) -> str:
    return _encode_canonical(_canonical_values(fields))


def event_hash(fields: Mapping[str, Any], *, float_free: bool = False) -> str:
    """sha256 over the canonical JSON of an event's hashed fields, prev_hash among them.

    `float_free`: the caller knows the payload holds no float anywhere (fire()'s events), so the faster encoder
    gives the same text.
    """
    if float_free:
        return hashlib.sha256(_encode_float_free(_canonical_values(fields))).hexdigest()
    return hashlib.sha256(_canonical(fields).encode("utf-8")).hexdigest()


def chained_row(
    reference: str, head: ChainHead, record: AuditRecord, recorded_at: datetime, *, float_free: bool = False
) -> dict[str, Any]:
    """The row that appends `record` to the chain whose newest event is `head` (see event_hash for float_free)."""
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
    row["hash"] = event_hash(row, float_free=float_free)
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
    if event_hash(row) != row["hash"]:
        return "hash does not match the event's contents"
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
