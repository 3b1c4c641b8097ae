"""Rectifying and erasing the free text a case recorded, by a data-protection officer, each with its own audit event.

The text lives in `private_text`; the audit event that recorded it holds only a keyed hash, so the text can change
or go and every chain still verifies. A rectification records the new text (hashed) in its own event and clears the
old; an erasure clears every kept copy of the field and records why.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Connection, select, update

from states.personal_data import CHILD_PERSONAL_FIELDS
from workflows.persistence import CaseNotFound, CaseRow, PrivateTextRow, audit
from workflows.persistence.audit import AuditRecord
from workflows.services.access import Caller
from workflows.services.errors import ActorRefused, PrivacyRequestInvalid

__all__ = ["DPO_ROLE", "ERASED_EVENT", "ERASURE_REASONS", "RECTIFIED_EVENT", "erase", "rectify"]

DPO_ROLE = "data_protection_officer"
RECTIFIED_EVENT = "private_text_rectified"
ERASED_EVENT = "private_text_erased"
# Why text is erased (UK GDPR article 17 grounds, and the authority's retention schedule); persisted codes.
ERASURE_REASONS = ("retention_expired", "data_subject_request", "recorded_in_error", "unlawfully_held", "court_order")
_MAX_TEXT = 2000

_private = PrivateTextRow.__table__
_cases = CaseRow.__table__


def _require_officer(caller: Caller) -> None:
    if caller.role != DPO_ROLE:
        raise ActorRefused(f"staff {caller.member.id}: rectifying or erasing text needs the role {DPO_ROLE}")


def _check_field(field: str) -> None:
    if field in CHILD_PERSONAL_FIELDS:
        raise PrivacyRequestInvalid(
            f"field {field}: a fact of the case row, corrected by its trigger, not by rectify or erase"
        )


def _check_text(text: str) -> str:
    text = text.strip()
    if not text or len(text) > _MAX_TEXT:
        raise PrivacyRequestInvalid(f"the new text: expected 1 to {_MAX_TEXT} characters after trimming")
    if any(ord(char) < 32 and char not in "\n\t" for char in text):
        raise PrivacyRequestInvalid("the new text: holds control characters (expected printable text and newlines)")
    return text


def _live_seqs(connection: Connection, reference: str, field: str) -> list[int]:
    if connection.execute(select(_cases.c.id).where(_cases.c.reference == reference)).first() is None:
        raise CaseNotFound(reference)
    seqs = connection.execute(
        select(_private.c.seq)
        .where(_private.c.case_reference == reference, _private.c.field == field, _private.c.state == "live")
        .order_by(_private.c.seq)
    ).scalars()
    found = list(seqs)
    if not found:
        raise PrivacyRequestInvalid(f"case {reference}: no recorded text in field {field!r}")
    return found


def _texts(connection: Connection, reference: str, field: str, seqs: list[int]) -> set[str]:
    query = select(_private.c.text).where(
        _private.c.case_reference == reference, _private.c.field == field, _private.c.seq.in_(seqs)
    )
    return {text for text in connection.execute(query).scalars() if text is not None}


def _change_facts(connection: Connection, reference: str, old: set[str], new: str | None) -> int:
    """Put `new` in place of the case facts that hold one of the `old` texts (a child's views, a closure reason);
    a change of the case's facts bumps its version. Returns the version the case is now at."""
    row = connection.execute(select(_cases.c.version, _cases.c.facts).where(_cases.c.reference == reference)).one()
    facts = {name: (new if isinstance(value, str) and value in old else value) for name, value in row.facts.items()}
    connection.execute(
        update(_cases)
        .where(_cases.c.reference == reference, _cases.c.version == row.version)
        .values(facts=facts, version=row.version + 1)
    )
    return int(row.version) + 1


def _clear(connection: Connection, reference: str, field: str, seqs: list[int], state: str, by_seq: int) -> None:
    connection.execute(
        update(_private)
        .where(_private.c.case_reference == reference, _private.c.field == field, _private.c.seq.in_(seqs))
        .values(text=None, state=state, changed_by_seq=by_seq)
    )


def rectify(
    connection: Connection, caller: Caller, reference: str, field: str, text: str, when: tuple[date, datetime]
) -> int:
    """Replace the newest text of `field` on case `reference` with `text`; returns the seq of the rectifying event."""
    _require_officer(caller)
    _check_field(field)
    text = _check_text(text)
    newest = _live_seqs(connection, reference, field)[-1]
    version = _change_facts(connection, reference, _texts(connection, reference, field, [newest]), text)
    record = AuditRecord(
        event_type=RECTIFIED_EVENT,
        actor_id=caller.member.id,
        actor_role=caller.role,
        occurred_on=when[0],
        payload={"field": field, "rectifies_seq": newest, "channel": caller.channel},
        private={field: text},
        case_version=version,
    )
    head = audit.append(connection, reference, audit.chain_head(connection, reference), record, when[1])
    _clear(connection, reference, field, [newest], "rectified", head.seq)
    return head.seq


def erase(
    connection: Connection, caller: Caller, reference: str, field: str, reason: str, when: tuple[date, datetime]
) -> int:
    """Erase every kept text of `field` on case `reference`; returns the seq of the erasing event."""
    _require_officer(caller)
    _check_field(field)
    if reason not in ERASURE_REASONS:
        raise PrivacyRequestInvalid(f"--reason {reason!r}: expected one of {', '.join(ERASURE_REASONS)}")
    seqs = _live_seqs(connection, reference, field)
    version = _change_facts(connection, reference, _texts(connection, reference, field, seqs), None)
    record = AuditRecord(
        event_type=ERASED_EVENT,
        actor_id=caller.member.id,
        actor_role=caller.role,
        occurred_on=when[0],
        payload={"field": field, "reason": reason, "erases_seqs": seqs, "channel": caller.channel},
        case_version=version,
    )
    head = audit.append(connection, reference, audit.chain_head(connection, reference), record, when[1])
    _clear(connection, reference, field, seqs, "erased", head.seq)
    return head.seq
