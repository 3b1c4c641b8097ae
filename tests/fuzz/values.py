"""Bad values by kind: each one refused wherever a value of that kind is expected."""

from __future__ import annotations

__all__ = [
    "BAD_COUNTS",
    "BAD_DATES",
    "BAD_FLAGS",
    "BAD_IDENTIFIERS",
    "BAD_LA_CODES",
    "BAD_SECONDS",
    "HUGE",
    "UNDECODABLE",
]

HUGE = str(2**64)
# An argument that was not UTF-8 on the command line: Python keeps its bytes as lone surrogates.
UNDECODABLE = "caf\udce9"

BAD_DATES = (
    "",
    "20261015",  # taken by date.fromisoformat
    "2026-W42-4",  # so is an ISO week date
    "0001-01-01",
    "1899-12-31",
    "2026-02-30",
    "2026-13-01",
    "15/10/2026",
    "2026-10-15T10:00",
    " 2026-10-15",
    "2026-10-15\n",
    "\u0662\u0660\u0662\u0666-\u0661\u0660-\u0661\u0665",  # Arabic-Indic digits
    "tomorrow",
    HUGE,
    UNDECODABLE,
)
BAD_IDENTIFIERS = (
    "",
    " ",
    "a b",
    "CP-1\nerror: forged line",
    "CP-1\r",
    "\x1b[31mred",
    "x" * 65,
    "caf\u00e9",
    "\u0662\u0660\u0662",
    "CP/1",
    "'; drop table cases; --",
    UNDECODABLE,
)
BAD_COUNTS = ("-1", "100", HUGE, "9223372036854775808", "1e3", "0x10", "\u0662", "", "two")
BAD_FLAGS = ("maybe", "", "2", "Jane told us she is scared", "tru")
BAD_LA_CODES = ("\u0662\u0660\u0662", "20", "2020", "abc", "", " 202", HUGE)
# Durations of the long-running commands: click reads inf and nan as floats, and nan passes any range check.
BAD_SECONDS = ("nan", "NaN", "inf", "-inf", "1e400", "-1", "-0.5", "86400", HUGE, "", "5s", "\u0665", UNDECODABLE)
