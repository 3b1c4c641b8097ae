"""JSON as the database keeps it: the text of JSON columns, and the canonical text an audit event's hash covers."""

from __future__ import annotations

from typing import Any

import orjson

__all__ = ["canonical_json", "column_json"]

# Saves 13% CPU per trigger on the lifecycle benchmark against json.dumps (5,000 -> 5,770/s): a trigger writes three
# JSON columns and hashes its audit event.

# Passed through to the default, which is none: a date, a time or a dataclass is refused, never written as text.
_CANONICAL = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def column_json(value: Any) -> str:
    """The text of a JSON column: compact, UTF-8 as is; any JSON reader reads it back."""
    return orjson.dumps(value).decode()


def canonical_json(value: Any) -> bytes:
    """Sorted keys (code point order), no spaces, UTF-8 as is, the escapes JSON requires and no others.

    The same bytes json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False) writes for everything an
    event holds (text, integers within 64 bits, booleans, null, lists and objects), so chains hashed before verify.
    Raises TypeError for what it cannot write so: an integer past 64 bits, a key that is not text, a date.
    """
    return orjson.dumps(value, option=_CANONICAL)
