"""The audit hash's faster encoder, used for fire()'s events, writes the canonical JSON byte for byte.

Old chains must keep verifying, and verify() hashes with the canonical (json) encoder: the faster one may be used
only where it gives the same text, which holds for payloads without floats. fire()'s events are built from the
event data models, so none of those may have a float field.
"""

from __future__ import annotations

import typing
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from states import event_data
from workflows.persistence import AuditRecord, ChainHead, audit

RECORDED_AT = datetime(2026, 11, 24, 9, 30, 0, 123456, tzinfo=UTC)


def _row(payload: dict[str, Any]) -> dict[str, Any]:
    record = AuditRecord(
        "trigger_fired", "sw-1", "social_worker", "record_visit", date(2026, 11, 24), "a", "b", payload
    )
    return audit.chained_row("CP-1", ChainHead(), record, RECORDED_AT)


# Every character JSON escapes, quotes and backslashes, characters past ASCII (kept as they are) and past the
# Basic Multilingual Plane, keys whose order differs between code points and a naive byte comparison would not.
AWKWARD_TEXT = "".join(chr(code) for code in range(0x80)) + "é\u2028\u2029\x7f\uffff\U0001f600"
PAYLOADS: list[dict[str, Any]] = [
    {},
    {"text": AWKWARD_TEXT, AWKWARD_TEXT: AWKWARD_TEXT},
    {"é": 1, "e": 2, "E": 3, "\U0001f600": 4, "\uffff": 5, "z": [True, False, None, -7, 0, 2**63 - 1]},
    {"nested": {"list": [{"b": 1, "a": [[], {}]}], "count": 12}, "big": 2**70},  # past 64 bits: json writes it
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_the_float_free_hash_is_the_canonical_hash(payload: dict[str, Any]) -> None:
    row = _row(payload)

    assert audit.event_hash(row, float_free=True) == audit.event_hash(row)
    assert row["hash"] == audit.event_hash(row)  # chained_row's own hash (the canonical encoder by default)


def test_a_date_in_a_payload_is_refused_by_both_encoders_alike() -> None:
    row = _row({})
    row["payload"] = {"on": date(2026, 11, 24)}

    with pytest.raises(TypeError):
        audit.event_hash(row)
    with pytest.raises(TypeError):
        audit.event_hash(row, float_free=True)


def _leaf_types(annotation: Any) -> set[Any]:
    arguments = typing.get_args(annotation)
    if typing.get_origin(annotation) is typing.Literal:
        return {type(value) for value in arguments}
    if not arguments:
        return {annotation}
    return set().union(*(_leaf_types(argument) for argument in arguments if not _is_metadata(argument)))


def _is_metadata(argument: Any) -> bool:
    # Annotated[...]'s constraints and validators are not types.
    return not isinstance(argument, type) and typing.get_origin(argument) is None and argument is not None


def test_no_event_data_field_can_hold_a_float() -> None:
    found = {
        f"{trigger}.{name}": _leaf_types(field.annotation)
        for trigger, model in event_data.DATA_MODELS.items()
        for name, field in model.model_fields.items()
    }

    allowed = {str, int, bool, date, type(None)}
    assert {name: types - allowed for name, types in found.items() if types - allowed} == {}
    assert float not in allowed and Decimal not in allowed and Any not in allowed
