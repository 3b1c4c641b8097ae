"""The lifecycle as a BPMN process: flow nodes and sequence flows, before it is laid out or written as XML."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from workflows.diagrams.errors import BpmnExportError

__all__ = ["BpmnExportError", "Flow", "Node", "Process"]

_NCNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class Node:
    """A BPMN flow node."""

    id: str
    kind: str
    name: str | None = None
    documentation: str | None = None
    loop_condition: str | None = None


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

    def add(self, node: Node) -> str:
        if not _NCNAME.match(node.id):
            raise BpmnExportError(f"BPMN id {node.id!r} is not a valid NCName; rename the status or trigger")
        self.nodes[node.id] = node
        return node.id

    def connect(self, flow: Flow) -> None:
        self.flows.append(flow)
