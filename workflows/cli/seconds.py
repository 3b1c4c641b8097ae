"""Seconds options of the long-running commands: refused before anything starts unless finite and within bounds.

Click reads `inf` and `nan` as floats, and its range check lets `nan` through (no comparison with nan is true), so
each option is checked by the input rules instead: a bad value is one line naming the option, exit 2.
"""

from __future__ import annotations

from typing import Any

import typer

from states.input_rules import check_seconds

__all__ = ["seconds_option"]


def seconds_option(low: float, high: float, help_text: str) -> Any:
    """A typer option of seconds from `low` to `high`; its help says the range."""

    def bounded(param: typer.CallbackParam, value: float | None) -> float | None:
        return None if value is None else check_seconds(value, param.opts[0], low, high)

    return typer.Option(callback=bounded, help=f"{help_text} ({low:g} to {high:g})")
