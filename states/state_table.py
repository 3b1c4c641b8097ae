"""A table of transitions as a `transitions` machine: built once, shared, asked one move at a time.

The lifecycle (states/lifecycle.py) and the pre-proceedings track (states/pre_proceedings.py) each keep their own
table and their own wording of a refusal; how a table becomes a machine, and how a move is asked of it, is here once.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Sequence
from enum import StrEnum
from functools import partial
from typing import Protocol

from transitions import Machine

__all__ = ["TableRow", "move", "sources_of", "table_machine"]


class TableRow(Protocol):
    """One row of a transition table: a trigger, the statuses it may be fired from, where it leads, by which route."""

    @property
    def trigger(self) -> str: ...
    @property
    def sources(self) -> Sequence[StrEnum]: ...
    @property
    def dest(self) -> StrEnum: ...
    @property
    def route(self) -> str | None: ...


def _machine_transition(row: TableRow) -> dict[str, object]:
    transition: dict[str, object] = {
        "trigger": row.trigger,
        "source": [status.value for status in row.sources],
        # A row that stays in its status is internal: no exit and enter, which a status that does not change has not.
        "dest": None if tuple(row.sources) == (row.dest,) else row.dest.value,
    }
    if row.route is not None:
        # The route is passed as the trigger's one argument; this row applies only when it matches.
        transition["conditions"] = [partial(operator.eq, row.route)]
    return transition


def table_machine(rows: Iterable[TableRow], statuses: Iterable[StrEnum], initial: StrEnum) -> Machine:
    """The one machine for a table, with no model: cases are bound to it one at a time (`move`)."""
    return Machine(
        model=None,
        states=[status.value for status in statuses],
        transitions=[_machine_transition(row) for row in rows],
        initial=initial.value,
        auto_transitions=False,
        send_event=False,
    )


class _Token:
    """The model the shared machine moves: a status and nothing else (the case itself stays immutable)."""

    state: str


def move(machine: Machine, status: StrEnum, trigger: str, route: str | None) -> str | None:
    """The status value `trigger` leads to from `status` by `route`, or None when no row has that route; raises
    `transitions.MachineError` when `trigger` may not be fired from `status` at all."""
    token = _Token()
    # transitions names Enum states by member name; ours are named by value, so hand it the plain str.
    machine.add_model(token, initial=status.value)
    try:
        moved = getattr(token, trigger)(route)
    finally:
        machine.remove_model(token)
    return token.state if moved else None


def sources_of(rows: Iterable[TableRow], trigger: str) -> tuple[str, ...]:
    """The statuses `trigger` may be fired from, in table order."""
    return tuple(dict.fromkeys(status.value for row in rows if row.trigger == trigger for status in row.sources))
