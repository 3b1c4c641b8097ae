"""The lifecycle as a BPMN process: flow nodes and sequence flows, before it is laid out or written as XML."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from workflows.diagrams.errors import BpmnExportError
from workflows.diagrams.state_diagram import Move

__all__ = ["BpmnExportError", "Flow", "Node", "Process", "move_expression", "moves_expression"]

_NCNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class Node:
    """A BPMN flow node."""

    id: str
    kind: str
    name: str | None = None
    documentation: str | None = None
    loop_condition: str | None = None
    signal: str | None = None  # the signal an end event throws or a boundary event catches
    attached_to: str | None = None  # the activity a boundary event sits on


@dataclass(frozen=True)
class Flow:
    """A BPMN sequence flow."""

    id: str
    source: str
    target: str
    name: str | None = None
    condition: str | None = None


@dataclass
class Process:
    """The flow nodes and sequence flows of the lifecycle process, in a stable order."""

    nodes: dict[str, Node] = field(default_factory=dict)
    flows: list[Flow] = field(default_factory=list)
    # The contents of each sub-process node, by its id.
    children: dict[str, Process] = field(default_factory=dict)
    # Nodes drawn in a band of their own below the rest: a region that runs beside the lifecycle.
    band: list[str] = field(default_factory=list)

    def add(self, node: Node) -> str:
        if not _NCNAME.match(node.id):
            raise BpmnExportError(f"BPMN id {node.id!r} is not a valid NCName; rename the status or trigger")
        self.nodes[node.id] = node
        return node.id

    def connect(self, flow: Flow) -> None:
        self.flows.append(flow)


def move_expression(move: Move) -> str:
    """The Python condition Spiff evaluates on the task data for one row of a table."""
    test = f"trigger == {move.trigger!r}"
    return test if move.route is None else f"{test} and route == {move.route!r}"


def moves_expression(moves: Sequence[Move]) -> str:
    """The condition under which any of the rows applies."""
    tests = [move_expression(move) for move in moves]
    return tests[0] if len(tests) == 1 else " or ".join(f"({test})" for test in tests)
