"""The audit trail: an append-only, per-case hash chain of everything done (and refused) on a case.

Each event is hashed with a key kept outside the database (workflows.persistence.audit_keys), and the case row
holds the chain's newest event under a keyed seal: someone with only the database can neither rewrite, forge nor
cut short a chain without `verify` naming the case and seq. Free text and personal facts an event records are kept
in `private_text`, the chained payload holding their keyed hashes, so they can be rectified or erased.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, insert, select, update

from workflows.persistence.audit_chain import (
    GENESIS_HASH,
    HASHED_FIELDS,
    PRIVATE,
    AuditRecord,
    BrokenLink,
    ChainHead,
    ChainReport,
    anchor_seal,
    chained_row,
    event_hash,
    private_hash,
    private_rows,
)
from workflows.persistence.audit_keys import current_keyring
from workflows.persistence.audit_verify import verify
from workflows.persistence.errors import ConcurrentUpdate
from workflows.persistence.models import AuditEventRow, CaseRow, PrivateTextRow

__all__ = [
    "GENESIS_HASH",
    "HASHED_FIELDS",
    "PRIVATE",
    "AuditRecord",
    "BrokenLink",
    "ChainHead",
    "ChainReport",
    "anchor_seal",
    "append",
    "chain_head",
    "chained_row",
    "event_hash",
    "private_hash",
    "private_rows",
    "verify",
]

_events = AuditEventRow.__table__
_cases = CaseRow.__table__
_private = PrivateTextRow.__table__


def append(
    connection: Connection, reference: str, head: ChainHead, record: AuditRecord, recorded_at: datetime
) -> ChainHead:
    """Insert `record` after `head` and move the case row's anchor to it (an event that leaves the case as it was).

    A concurrent append at the same seq fails on the unique (case, seq) key; a trigger that changed the case in
    between raises ConcurrentUpdate, as the anchor's seal covers the version.
    """
    row = chained_row(reference, head, record, recorded_at)
    connection.execute(insert(_events), row)
    if record.private:
        connection.execute(insert(_private), private_rows(reference, row["seq"], record))
    new_head = ChainHead(row["seq"], row["hash"])
    _move_anchor(connection, reference, new_head)
    return new_head


def _move_anchor(connection: Connection, reference: str, head: ChainHead) -> None:
    version = connection.execute(select(_cases.c.version).where(_cases.c.reference == reference)).scalar()
    if version is None:
        return  # no case row (yet): nothing anchors this chain
    seal = anchor_seal(current_keyring(), reference, version, head)
    moved = connection.execute(
        update(_cases)
        .where(_cases.c.reference == reference, _cases.c.version == version)
        .values(audit_seq=head.seq, audit_hash=head.hash, audit_seal=seal)
    )
    if moved.rowcount != 1:
        raise ConcurrentUpdate(reference, version)


def chain_head(connection: Connection, reference: str) -> ChainHead:
    """The newest event of the case's chain, or the genesis head when it has none."""
    found = connection.execute(
        select(_events.c.seq, _events.c.hash)
        .where(_events.c.case_reference == reference)
        .order_by(_events.c.seq.desc())
        .limit(1)
    ).first()
    return ChainHead(found.seq, found.hash) if found else ChainHead()
