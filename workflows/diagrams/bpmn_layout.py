"""Where the BPMN export draws each shape and flow: layers left to right, rows top to bottom.

Each node's layer is its longest path from the start over the flows that do not close a cycle; within a layer,
nodes sit near their predecessors' rows. Flows bend only in the free gaps between layers and the corridors between
rows, side by side in lanes so that they do not run on top of each other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from workflows.diagrams.bpmn_process import Flow, Node, Process

__all__ = ["Box", "Layout", "layout", "node_label"]

SIZES = {
    "startEvent": (36, 36),
    "endEvent": (36, 36),
    "boundaryEvent": (36, 36),
    "intermediateThrowEvent": (36, 36),
    "exclusiveGateway": (50, 50),
    "parallelGateway": (50, 50),
    "userTask": (120, 80),
}
COLUMN, ROW, MARGIN = 210, 140, 90  # pitch leaves corridors between shapes that flows run along


@dataclass(frozen=True)
class Box:
    """Bounds of a shape or label."""

    x: float
    y: float
    width: float
    height: float


@dataclass
class Layout:
    """Where every shape sits and every flow runs."""

    cells: dict[str, tuple[int, int]]
    shapes: dict[str, Box]
    waypoints: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    labels: dict[str, Box] = field(default_factory=dict)


def _back_flows(process: Process) -> set[str]:
    """Flows that close a cycle, found depth-first from the start in flow order."""
    outgoing: dict[str, list[Flow]] = {node: [] for node in process.nodes}
    for flow in process.flows:
        outgoing[flow.source].append(flow)
    back: set[str] = set()
    done: set[str] = set()

    def visit(node: str, path: set[str]) -> None:
        path.add(node)
        for flow in outgoing[node]:
            if flow.target in path:
                back.add(flow.id)
            elif flow.target not in done:
                visit(flow.target, path)
        path.discard(node)
        done.add(node)

    for node in process.nodes:
        if node not in done:
            visit(node, set())
    return back


def _layers(process: Process, back: set[str]) -> dict[str, int]:
    """Longest-path layer of each node over the flows that do not close a cycle."""
    layer = dict.fromkeys(process.nodes, 0)
    forward = [flow for flow in process.flows if flow.id not in back]
    for _ in process.nodes:  # relaxation; the forward graph is acyclic so this settles
        for flow in forward:
            layer[flow.target] = max(layer[flow.target], layer[flow.source] + 1)
    return layer


def _rows(process: Process, layer: dict[str, int], back: set[str]) -> dict[str, int]:
    """Rows per layer: each node near its predecessors' rows, first table appearance first, no two in one cell."""
    row: dict[str, int] = {}
    order = list(process.nodes)
    for depth in range(max(layer.values()) + 1):
        wanted: dict[str, float] = {}
        for node in (n for n in order if layer[n] == depth):
            preds = [row[f.source] for f in process.flows if f.target == node and f.id not in back and f.source in row]
            wanted[node] = sum(preds) / len(preds) if preds else 0.0
        taken = -1
        for node in sorted(wanted, key=lambda n: (wanted[n], order.index(n))):
            taken = max(round(wanted[node]), taken + 1)
            row[node] = taken
    return row


def _shape(node: Node, cell: tuple[int, int]) -> Box:
    width, height = SIZES[node.kind]
    center_x, center_y = MARGIN + cell[0] * COLUMN, MARGIN + cell[1] * ROW
    return Box(center_x - width / 2, center_y - height / 2, width, height)


def layout(process: Process) -> Layout:
    """A layered left-to-right layout of the process's flow nodes (a band of its own is drawn by bpmn_band.py)."""
    back = _back_flows(process)
    layer = _layers(process, back)
    row = _rows(process, layer, back)
    cells = {node: (layer[node], row[node]) for node in process.nodes}
    shapes = {node_id: _shape(node, cells[node_id]) for node_id, node in process.nodes.items()}
    result = Layout(cells, shapes)
    lanes: dict[tuple[str, int], int] = {}
    for flow in process.flows:
        result.waypoints[flow.id] = _route(flow, result, lanes)
        if flow.name:
            result.labels[flow.id] = _flow_label(result.waypoints[flow.id])
    return result


def _lane(lanes: dict[tuple[str, int], int], key: tuple[str, int], spread: float) -> float:
    """An offset so flows sharing a gap or corridor run side by side rather than on top of each other."""
    count = lanes.get(key, 0)
    lanes[key] = count + 1
    return (count % 5 - 2) * spread


def _route(flow: Flow, layout: Layout, lanes: dict[tuple[str, int], int]) -> list[tuple[float, float]]:
    source, target = layout.shapes[flow.source], layout.shapes[flow.target]
    (a, row_a), (b, row_b) = layout.cells[flow.source], layout.cells[flow.target]
    start = (source.x + source.width, source.y + source.height / 2)
    end = (target.x, target.y + target.height / 2)
    occupied = set(layout.cells.values())

    def gap(after: int) -> float:
        return MARGIN + after * COLUMN + COLUMN / 2 + _lane(lanes, ("gap", after), 9)

    if b > a and all((col, row_a) not in occupied for col in range(a + 1, b)):
        x = gap(b - 1)
        return [start, end] if row_a == row_b else [start, (x, start[1]), (x, end[1]), end]
    if b > a and all((col, row_b) not in occupied for col in range(a + 1, b)):
        x = gap(a)
        return [start, (x, start[1]), (x, end[1]), end]
    corridor = max(row_a, row_b) - 0.5 if row_a != row_b else row_a - 0.5
    y = MARGIN + corridor * ROW + _lane(lanes, ("corridor", int(corridor * 2)), 7)
    x_out, x_in = gap(a), gap(b - 1)
    return [start, (x_out, start[1]), (x_out, y), (x_in, y), (x_in, end[1]), end]


def _flow_label(points: Sequence[tuple[float, float]]) -> Box:
    """Above the middle of the flow's longest horizontal stretch."""
    segments = [(p, q) for p, q in pairwise(points) if p[1] == q[1]]
    (x1, y), (x2, _) = max(segments, key=lambda s: abs(s[1][0] - s[0][0]), default=(points[0], points[-1]))
    return Box((x1 + x2) / 2 - 60, y - 34, 120, 30)


def node_label(box: Box) -> Box:
    return Box(box.x + box.width / 2 - 60, box.y + box.height + 4, 120, 28)
