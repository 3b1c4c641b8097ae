"""Verifying the audit trail: every event's keyed hash and link, its kept text, and the chain's anchor in the case row.

What each check catches, for someone with only the database (the key is outside it):
- an event edited, re-hashed or appended by hand: its keyed hash does not match (named at that seq);
- an event deleted from the middle: the next seq does not follow; the next event's link breaks;
- the newest events deleted: the chain ends before the case row's anchor (named at the first missing seq);
- the anchor moved back to match a shortened chain, or the case's version changed: the anchor's keyed seal fails;
- kept text (private_text) changed: it no longer matches the keyed hash its event holds.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Connection, exists, func, select

from workflows.persistence.audit_chain import (
    HASHED_FIELDS,
    PRIVATE,
    BrokenLink,
    ChainHead,
    ChainReport,
    anchor_seal,
    event_hash,
    private_hash,
)
from workflows.persistence.audit_keys import Keyring, current_keyring
from workflows.persistence.models import AuditEventRow, CaseRow, PrivateTextRow

__all__ = ["verify"]

_events = AuditEventRow.__table__
_cases = CaseRow.__table__
_private = PrivateTextRow.__table__

EDITED = "hash does not match the event's contents: edited, or hashed without the audit key (forged)"


@dataclass(frozen=True)
class _Anchor:
    version: int
    seq: int | None
    hash: str | None
    seal: str | None


@dataclass
class _Walk:
    """One chain as it is walked: the newest good event, the version it left the case at, whether it broke."""

    reference: str
    head: ChainHead
    version: int = 0
    last_id: int | None = None
    broken: bool = False


class _Verifier:
    def __init__(self, keyring: Keyring, anchors: Mapping[str, _Anchor], texts: Mapping[tuple[str, int], Any]) -> None:
        self.keyring, self.anchors, self.texts = keyring, anchors, texts
        self.events = 0  # events walked, broken chains' included

    def event_problem(self, row: Mapping[str, Any], walk: _Walk) -> str | None:
        head = walk.head
        if row["seq"] != head.seq + 1:
            return f"seq {row['seq']} follows seq {head.seq}: an event is missing"
        if row["prev_hash"] != head.hash:
            return "prev_hash does not match the previous event's hash"
        if row["key_id"] is None or not self.keyring.holds(row["key_id"]):
            return f"signed with audit key {row['key_id']!r}, which this installation does not hold"
        if self._hash_or_none(row) != row["hash"]:
            return EDITED
        if (version := row["case_version"]) is not None and version != walk.version + 1:
            return f"makes case version {version} after version {walk.version}: a change of the case is missing"
        return self._text_problem(row)

    def _hash_or_none(self, row: Mapping[str, Any]) -> str | None:
        try:
            return event_hash(row, self.keyring)
        except TypeError:  # contents no event is written with (an integer past 64 bits): altered since
            return None

    def _text_problem(self, row: Mapping[str, Any]) -> str | None:
        kept = self.texts.get((row["case_reference"], row["seq"]), {})
        recorded = row["payload"].get(PRIVATE, {}) if isinstance(row["payload"], dict) else {}
        for name, text in kept.items():
            where = (row["case_reference"], row["seq"], name)
            if recorded.get(name) != private_hash(self.keyring, row["key_id"], where, text):
                return f"the kept text of field {name!r} does not match the hash the event recorded: changed"
        return None

    def anchor_problem(self, walk: _Walk) -> BrokenLink | None:
        anchor = self.anchors.get(walk.reference)
        if anchor is None:
            return None  # events of a reference no case row holds: refusals of a case never opened
        head = walk.head
        found = self._anchor_problem(anchor, walk)
        if found is None:
            return None
        seq, problem = found
        return BrokenLink(walk.reference, seq, walk.last_id if seq == head.seq else None, problem)

    def _anchor_problem(self, anchor: _Anchor, walk: _Walk) -> tuple[int, str] | None:
        head = walk.head
        if anchor.seq is None or anchor.seal is None:
            return head.seq, "the case row holds no anchor of its audit chain"
        if anchor.seq > head.seq:
            return head.seq + 1, (
                f"the chain ends at seq {head.seq} but the case row anchors seq {anchor.seq}: "
                f"the newest events (seq {head.seq + 1} to {anchor.seq}) were deleted"
            )
        if anchor.seq < head.seq:
            return anchor.seq + 1, (
                f"events after the case row's anchor (seq {anchor.seq}) were appended outside caseflow"
            )
        if anchor.hash != head.hash:
            return head.seq, "the newest event is not the one the case row anchors: replaced"
        key_id = anchor.seal.partition(":")[0]
        if (
            not self.keyring.holds(key_id)
            or anchor_seal(self.keyring, walk.reference, anchor.version, head, key_id) != anchor.seal
        ):
            return head.seq, "the case row's anchor seal does not match: its anchor or version was changed"
        # A chain with no change of the case (a case row written by other means, as tests' builders do) is held
        # to its anchor's seal alone.
        if walk.version and anchor.version != walk.version:
            return head.seq, f"the case row is at version {anchor.version} but its chain made version {walk.version}"
        return None

    def walk(self, rows: Iterable[Mapping[str, Any]]) -> Iterator[BrokenLink]:
        """One item per event: a BrokenLink at each chain's first bad event or, at its end, its bad anchor."""
        walk: _Walk | None = None
        for row in rows:
            if walk is None or row["case_reference"] != walk.reference:
                yield from self._ended(walk)
                walk = _Walk(row["case_reference"], ChainHead())
            self.events += 1
            if walk.broken:
                continue
            problem = self.event_problem(row, walk)
            if problem:
                walk.broken = True
                yield BrokenLink(row["case_reference"], row["seq"], row["id"], problem)
                continue
            walk.head, walk.last_id = ChainHead(row["seq"], row["hash"]), row["id"]
            walk.version = row["case_version"] if row["case_version"] is not None else walk.version
        yield from self._ended(walk)

    def _ended(self, walk: _Walk | None) -> Iterator[BrokenLink]:
        if walk is not None and not walk.broken and (link := self.anchor_problem(walk)) is not None:
            yield link


def _anchors(connection: Connection, reference: str | None) -> dict[str, _Anchor]:
    query = select(_cases.c.reference, _cases.c.version, _cases.c.audit_seq, _cases.c.audit_hash, _cases.c.audit_seal)
    if reference is not None:
        query = query.where(_cases.c.reference == reference)
    return {
        row.reference: _Anchor(row.version, row.audit_seq, row.audit_hash, row.audit_seal)
        for row in connection.execute(query)
    }


def _kept_texts(connection: Connection, reference: str | None) -> dict[tuple[str, int], dict[str, str]]:
    query = select(_private.c.case_reference, _private.c.seq, _private.c.field, _private.c.text).where(
        _private.c.text.is_not(None)
    )
    if reference is not None:
        query = query.where(_private.c.case_reference == reference)
    texts: dict[tuple[str, int], dict[str, str]] = {}
    for row in connection.execute(query):
        texts.setdefault((row.case_reference, row.seq), {})[row.field] = row.text
    return texts


def _cases_without_events(connection: Connection, reference: str | None) -> list[BrokenLink]:
    query = select(_cases.c.reference).where(~exists().where(_events.c.case_reference == _cases.c.reference))
    if reference is not None:
        query = query.where(_cases.c.reference == reference)
    missing = connection.execute(query.order_by(_cases.c.reference)).scalars()
    return [BrokenLink(ref, 1, None, "the case exists but its audit trail is empty") for ref in missing]


def verify(connection: Connection, reference: str | None = None, batch_size: int = 2000) -> ChainReport:
    """Walk every chain (or one case's) in seq order; report each broken chain's first bad event or its anchor."""
    verifier = _Verifier(current_keyring(), _anchors(connection, reference), _kept_texts(connection, reference))
    query = select(_events.c.id, *(_events.c[name] for name in HASHED_FIELDS), _events.c.hash)
    if reference is not None:
        query = query.where(_events.c.case_reference == reference)
    rows = connection.execution_options(yield_per=batch_size).execute(
        query.order_by(_events.c.case_reference, _events.c.seq)
    )
    broken = list(verifier.walk(cast(Mapping[str, Any], row._mapping) for row in rows))
    broken.extend(_cases_without_events(connection, reference))
    cases = _count_chains(connection, reference)
    return ChainReport(cases=cases, events=verifier.events, broken=sorted(broken, key=lambda link: link.case_reference))


def _count_chains(connection: Connection, reference: str | None) -> int:
    query = select(func.count(func.distinct(_events.c.case_reference)))
    if reference is not None:
        query = query.where(_events.c.case_reference == reference)
    return int(connection.execute(query).scalar_one())
