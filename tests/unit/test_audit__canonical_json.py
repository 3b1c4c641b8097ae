"""The audit hash covers the same JSON text as chains were always hashed over, so every chain written verifies.

Chains were hashed over json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False). The
one encoder now (orjson with sorted keys) writes the same bytes for everything an event holds: text, integers within
64 bits, booleans, null, lists and objects. It writes some floats differently, so no event data may hold a float.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import typing
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from states import event_data
from workflows.persistence import AuditRecord, ChainHead, audit, audit_keys

RECORDED_AT = datetime(2026, 11, 24, 9, 30, 0, 123456, tzinfo=UTC)


def _row(payload: dict[str, Any]) -> dict[str, Any]:
    record = AuditRecord(
        "trigger_fired", "sw-1", "social_worker", "record_visit", date(2026, 11, 24), "a", "b", payload
    )
    return audit.chained_row("CP-1", ChainHead(), record, RECORDED_AT)


KEY = bytes(range(32))


@pytest.fixture(autouse=True)
def known_key() -> Iterator[None]:
    audit_keys.install_keyring(audit_keys.Keyring({"test-key": KEY}, "test-key"))
    yield
    audit_keys.uninstall_keyring()


def _hash_as_chains_were_hashed(row: dict[str, Any]) -> str:
    """HMAC-SHA256 under the key, over the text json.dumps writes (as chains were hashed, with sha256, before keys)."""
    values = {name: row[name] for name in audit.HASHED_FIELDS}
    values["recorded_at"] = "2026-11-24T09:30:00.123456"
    values["occurred_on"] = "2026-11-24"
    text = json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return hmac.new(KEY, text.encode("utf-8"), hashlib.sha256).hexdigest()


# Every character JSON escapes, quotes and backslashes, characters past ASCII (kept as they are) and past the
# Basic Multilingual Plane, keys whose order differs between code points and a naive byte comparison would not.
AWKWARD_TEXT = "".join(chr(code) for code in range(0x80)) + "é\u2028\u2029\x7f\uffff\U0001f600"
PAYLOADS: list[dict[str, Any]] = [
    {},
    {"text": AWKWARD_TEXT, AWKWARD_TEXT: AWKWARD_TEXT},
    {"é": 1, "e": 2, "E": 3, "\U0001f600": 4, "\uffff": 5, "z": [True, False, None, -7, 0, 2**63 - 1]},
    {"nested": {"list": [{"b": 1, "a": [[], {}]}], "count": 12}, "unsigned": 2**64 - 1},
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_the_hash_is_taken_over_the_text_chains_were_always_hashed_over(payload: dict[str, Any]) -> None:
    row = _row(payload)

    assert row["hash"] == audit.event_hash(row) == _hash_as_chains_were_hashed(row)


@pytest.mark.parametrize("value", [date(2026, 11, 24), 2**70], ids=["a date", "an integer past 64 bits"])
def test_a_payload_value_no_event_is_written_with_is_refused(value: object) -> None:
    with pytest.raises(TypeError):
        _row({"value": value})


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
