"""The lifecycle as executable BPMN 2.0 with diagram interchange, generated from the transition table.

Mapping: each status a user task that waits for the next trigger (data variables `trigger` and `route`); the triggers
that keep a case in its status make the task loop (standard loop, condition on `trigger`); a status left for several
others forks through an exclusive gateway whose flows carry the rows' conditions; a status entered from several places
is entered through a joining gateway; a status no trigger leaves is an end event.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

from states.errors import CaseflowError
from states.lifecycle import TRANSITIONS, CaseStatus, TransitionSpec
from workflows.state_diagram import Edge, Move, is_terminal, state_edges, status_label, statuses_in

PROCESS_ID = "Process_case_lifecycle"
NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
}
SIZES = {"startEvent": (36, 36), "endEvent": (36, 36), "exclusiveGateway": (50, 50), "userTask": (120, 80)}
COLUMN, ROW, MARGIN = 210, 140, 90  # pitch leaves corridors between shapes that flows run along
_NCNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


class BpmnExportError(CaseflowError):
    """The transition table cannot be drawn as BPMN (an id would be invalid, or a status has no way in)."""


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


def move_expression(move: Move) -> str:
    """The Python condition Spiff evaluates on the task data for one row of the table."""
    test = f"trigger == {move.trigger!r}"
    return test if move.route is None else f"{test} and route == {move.route!r}"


def edge_expression(edge: Edge) -> str:
    """The condition under which a case takes this edge: any of its rows."""
    tests = [move_expression(move) for move in edge.moves]
    return tests[0] if len(tests) == 1 else " or ".join(f"({test})" for test in tests)


def _loop_condition(loops: Sequence[Edge]) -> str | None:
    return " or ".join(edge_expression(edge) for edge in loops) or None


def _status_nodes(process: Process, status: CaseStatus, edges: Sequence[Edge], indegree: int) -> str:
    """Add the nodes of one status; return the id a flow into the status targets."""
    loops = [edge for edge in edges if edge.source == status and edge.is_loop]
    stays = ", ".join(move.trigger for edge in loops for move in edge.moves)
    if is_terminal(status, edges):
        note = f"Still accepted after the lifecycle ends: {stays}." if stays else None
        body = process.add(Node(f"EndEvent_{status.value}", "endEvent", status_label(status), note))
    else:
        note = f"Stays in this status (loops) on: {stays}." if stays else None
        body = process.add(Node(f"Task_{status.value}", "userTask", status_label(status), note, _loop_condition(loops)))
    if indegree < 2:
        return body
    join = process.add(Node(f"Gateway_join_{status.value}", "exclusiveGateway"))
    process.connect(Flow(f"Flow_enter_{status.value}", join, body))
    return join


def _exit_flows(process: Process, status: CaseStatus, exits: Sequence[Edge], entries: dict[CaseStatus, str]) -> None:
    source = f"Task_{status.value}"
    forks = len(exits) > 1
    if forks:
        gateway = process.add(Node(f"Gateway_choose_{status.value}", "exclusiveGateway", f"{status_label(status)}: next?"))
        process.connect(Flow(f"Flow_leave_{status.value}", source, gateway))
        source = gateway
    for edge in exits:
        flow_id = f"Flow_{edge.source.value}_to_{edge.dest.value}"
        # A lone exit keeps its condition too: it names the trigger, though Spiff only evaluates it after a gateway.
        process.connect(Flow(flow_id, source, entries[edge.dest], edge.label, edge_expression(edge)))


def lifecycle_process(transitions: Sequence[TransitionSpec] = TRANSITIONS) -> Process:
    """The lifecycle as BPMN flow nodes and sequence flows."""
    edges = state_edges(transitions)
    statuses = statuses_in(edges)
    if CaseStatus.NEW not in statuses:
        raise BpmnExportError("no trigger leaves status 'new': the lifecycle has no way in")
    indegree = {s: sum(1 for e in edges if e.dest == s and not e.is_loop) + (s == CaseStatus.NEW) for s in statuses}
    process = Process()
    start = process.add(Node("StartEvent_case", "startEvent", "Case starts"))
    entries = {status: _status_nodes(process, status, edges, indegree[status]) for status in statuses}
    process.connect(Flow("Flow_start", start, entries[CaseStatus.NEW]))
    for status in statuses:
        exits = [edge for edge in edges if edge.source == status and not edge.is_loop]
        if exits:
            _exit_flows(process, status, exits, entries)
    return process


# --- layout: layers left to right, rows top to bottom; flows bend only in the free gaps and corridors between them


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
    """A layered left-to-right layout of the process."""
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


def _node_label(box: Box) -> Box:
    return Box(box.x + box.width / 2 - 60, box.y + box.height + 4, 120, 28)


# --- XML


def _q(prefix: str, tag: str) -> str:
    return f"{{{NS[prefix]}}}{tag}"


def _bounds(parent: ET.Element, box: Box) -> None:
    ET.SubElement(parent, _q("dc", "Bounds"), x=f"{box.x:g}", y=f"{box.y:g}", width=f"{box.width:g}", height=f"{box.height:g}")


def _expression(parent: ET.Element, tag: str, text: str) -> None:
    element = ET.SubElement(parent, _q("bpmn", tag), {_q("xsi", "type"): "bpmn:tFormalExpression"})
    element.text = text


def _node_xml(process_xml: ET.Element, node: Node, flows: Sequence[Flow]) -> None:
    attributes = {"id": node.id} | ({"name": node.name} if node.name else {})
    element = ET.SubElement(process_xml, _q("bpmn", node.kind), attributes)
    if node.documentation:
        ET.SubElement(element, _q("bpmn", "documentation")).text = node.documentation
    for tag, ids in (("incoming", [f.id for f in flows if f.target == node.id]),
                     ("outgoing", [f.id for f in flows if f.source == node.id])):
        for flow_id in ids:
            ET.SubElement(element, _q("bpmn", tag)).text = flow_id
    if node.loop_condition:
        loop = ET.SubElement(element, _q("bpmn", "standardLoopCharacteristics"), testBefore="false")
        _expression(loop, "loopCondition", node.loop_condition)


def _flow_xml(process_xml: ET.Element, flow: Flow) -> None:
    attributes = {"id": flow.id, "sourceRef": flow.source, "targetRef": flow.target}
    element = ET.SubElement(process_xml, _q("bpmn", "sequenceFlow"), attributes | ({"name": flow.name} if flow.name else {}))
    if flow.condition:
        _expression(element, "conditionExpression", flow.condition)


def _diagram_xml(definitions: ET.Element, process: Process, drawn: Layout) -> None:
    diagram = ET.SubElement(definitions, _q("bpmndi", "BPMNDiagram"), id="Diagram_case_lifecycle")
    plane = ET.SubElement(diagram, _q("bpmndi", "BPMNPlane"), id="Plane_case_lifecycle", bpmnElement=PROCESS_ID)
    for node_id, node in process.nodes.items():
        shape = ET.SubElement(plane, _q("bpmndi", "BPMNShape"), id=f"{node_id}_di", bpmnElement=node_id)
        if node.kind == "exclusiveGateway":
            shape.set("isMarkerVisible", "true")
        _bounds(shape, drawn.shapes[node_id])
        if node.name and node.kind != "userTask":
            _bounds(ET.SubElement(shape, _q("bpmndi", "BPMNLabel")), _node_label(drawn.shapes[node_id]))
    for flow in process.flows:
        edge = ET.SubElement(plane, _q("bpmndi", "BPMNEdge"), id=f"{flow.id}_di", bpmnElement=flow.id)
        for x, y in drawn.waypoints[flow.id]:
            ET.SubElement(edge, _q("di", "waypoint"), x=f"{x:g}", y=f"{y:g}")
        if flow.id in drawn.labels:
            _bounds(ET.SubElement(edge, _q("bpmndi", "BPMNLabel")), drawn.labels[flow.id])


def bpmn_xml(transitions: Sequence[TransitionSpec] = TRANSITIONS) -> bytes:
    """The lifecycle as a BPMN 2.0 document with diagram interchange, UTF-8 encoded."""
    for prefix, uri in NS.items():
        ET.register_namespace(prefix, uri)
    process = lifecycle_process(transitions)
    definitions = ET.Element(_q("bpmn", "definitions"), id="Definitions_caseflow", targetNamespace="urn:caseflow:lifecycle",
                             exporter="caseflow", exporterVersion="1")
    process_xml = ET.SubElement(definitions, _q("bpmn", "process"), id=PROCESS_ID, name="Case lifecycle", isExecutable="true")
    for node in process.nodes.values():
        _node_xml(process_xml, node, process.flows)
    for flow in process.flows:
        _flow_xml(process_xml, flow)
    _diagram_xml(definitions, process, layout(process))
    ET.indent(definitions)
    document: bytes = ET.tostring(definitions, encoding="UTF-8", xml_declaration=True)
    return document + b"\n"


def export_bpmn(path: Path, transitions: Sequence[TransitionSpec] = TRANSITIONS) -> Path:
    """Write the lifecycle BPMN to `path`, creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(bpmn_xml(transitions))
    return path
