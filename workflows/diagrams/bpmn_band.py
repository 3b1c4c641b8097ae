"""Where the BPMN export draws a region that runs beside the lifecycle: a band below it, entered from the fork.

The band reads left to right on one line: the joining gateway under the fork, the task that waits for an episode,
and the expanded sub-process (laid out inside by bpmn_layout.py). The episode's return to the join runs below the
band; each boundary event's flow runs to an end event of its own, clear of the other flows.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from workflows.diagrams.bpmn_layout import COLUMN, SIZES, Box, Layout, layout
from workflows.diagrams.bpmn_process import BpmnExportError, Node, Process

__all__ = ["draw"]

PAD, GAP = 30, 90
T = TypeVar("T")


def draw(process: Process) -> Layout:
    """The whole diagram: the layered lifecycle, and its band below it if it has one."""
    if not process.band:
        return layout(process)
    main_nodes = {node_id: node for node_id, node in process.nodes.items() if node_id not in process.band}
    main_flows = [flow for flow in process.flows if flow.source in main_nodes and flow.target in main_nodes]
    drawn = layout(Process(main_nodes, main_flows))
    _band(process, drawn)
    return drawn


def _extent(drawn: Layout) -> tuple[float, float, float, float]:
    """min x, min y, max x, max y over every shape, waypoint and label."""
    points = [(b.x, b.y) for b in (*drawn.shapes.values(), *drawn.labels.values())]
    points += [(b.x + b.width, b.y + b.height) for b in (*drawn.shapes.values(), *drawn.labels.values())]
    points += [point for way in drawn.waypoints.values() for point in way]
    xs, ys = [x for x, _ in points], [y for _, y in points]
    return min(xs), min(ys), max(xs), max(ys)


def _centred(node: Node, x: float, y: float) -> Box:
    width, height = SIZES[node.kind]
    return Box(x - width / 2, y - height / 2, width, height)


def _one(items: Iterable[T], what: str) -> T:
    found = list(items)
    if len(found) != 1:
        raise BpmnExportError(f"the band beside the lifecycle needs exactly one {what}, found {len(found)}")
    return found[0]


def _band(process: Process, drawn: Layout) -> None:
    band = [process.nodes[node_id] for node_id in process.band]
    sub = _one((n for n in band if n.id in process.children), "sub-process")
    join = _one((n for n in band if n.kind == "exclusiveGateway"), "joining gateway")
    waiting = _one((n for n in band if n.kind == "userTask"), "waiting task")
    entry = _one((f for f in process.flows if f.target == join.id and f.source not in process.band), "way in")
    fork = drawn.shapes[entry.source]
    _, _, _, bottom = _extent(drawn)
    fx = fork.x + fork.width / 2
    end_y = bottom + 60
    wait_y = end_y + 120
    inner = layout(process.children[sub.id])
    start = _one((n for n in process.children[sub.id].nodes.values() if n.kind == "startEvent"), "start event")
    min_x, min_y, max_x, max_y = _extent(inner)
    sub_x = fx + COLUMN + SIZES["userTask"][0] / 2 + GAP
    dx = sub_x + PAD - min_x
    dy = wait_y - (inner.shapes[start.id].y + inner.shapes[start.id].height / 2)
    box = Box(sub_x, min_y + dy - PAD, max_x - min_x + 2 * PAD, max_y - min_y + 2 * PAD)
    for node_id, shape in inner.shapes.items():
        drawn.shapes[node_id] = Box(shape.x + dx, shape.y + dy, shape.width, shape.height)
    for flow_id, way in inner.waypoints.items():
        drawn.waypoints[flow_id] = [(x + dx, y + dy) for x, y in way]
    for flow_id, label in inner.labels.items():
        drawn.labels[flow_id] = Box(label.x + dx, label.y + dy, label.width, label.height)
    drawn.shapes[sub.id] = box
    drawn.shapes[join.id] = _centred(join, fx, wait_y)
    wx = fx + COLUMN
    drawn.shapes[waiting.id] = _centred(waiting, wx, wait_y)
    half = SIZES["userTask"][1] / 2
    ways: dict[str, list[tuple[float, float]]] = {}
    for flow in process.flows:
        if flow.id == entry.id:
            ways[flow.id] = [(fx, fork.y + fork.height), (fx, wait_y - 25)]
        elif flow.source == join.id:
            ways[flow.id] = [(fx + 25, wait_y), (wx - 60, wait_y)]
        elif (flow.source, flow.target) == (waiting.id, sub.id):
            ways[flow.id] = [(wx + 60, wait_y), (sub_x, wait_y)]
            drawn.labels[flow.id] = Box((wx + 60 + sub_x) / 2 - 60, wait_y - 34, 120, 30)
        elif (flow.source, flow.target) == (sub.id, join.id):
            below = box.y + box.height + 40
            ways[flow.id] = [(sub_x + 40, box.y + box.height), (sub_x + 40, below), (fx, below), (fx, wait_y + 25)]
    for boundary in (n for n in band if n.attached_to):
        flow = _one((f for f in process.flows if f.source == boundary.id), "flow from a boundary event")
        end = process.nodes[flow.target]
        if boundary.attached_to == waiting.id:  # on the task's top edge, up and right to its end
            drawn.shapes[boundary.id] = _centred(boundary, wx, wait_y - half)
            drawn.shapes[end.id] = _centred(end, wx + 70, end_y)
            ways[flow.id] = [(wx, wait_y - half - 18), (wx, end_y), (wx + 52, end_y)]
        else:  # on the sub-process's bottom edge near its right, straight down to its end
            x = box.x + box.width - 60
            drawn.shapes[boundary.id] = _centred(boundary, x, box.y + box.height)
            drawn.shapes[end.id] = _centred(end, x, box.y + box.height + 90)
            ways[flow.id] = [(x, box.y + box.height + 18), (x, box.y + box.height + 72)]
    missing = [flow.id for flow in process.flows if flow.id not in drawn.waypoints and flow.id not in ways]
    if missing:
        raise BpmnExportError(f"the band beside the lifecycle has flows it cannot draw: {', '.join(missing)}")
    drawn.waypoints.update(ways)
