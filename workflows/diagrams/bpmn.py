"""The lifecycle as executable BPMN 2.0 with diagram interchange, generated from the transition table.

Mapping: each status a user task that waits for the next trigger (data variables `trigger` and `route`); the triggers
that keep a case in its status make the task loop (standard loop, condition on `trigger`); a status left for several
others forks through an exclusive gateway whose flows carry the rows' conditions; a status entered from several places
is entered through a joining gateway; a status no trigger leaves is an end event, reached through an intermediate
event that throws the signal `case_closed`. The process forks at its start: beside the lifecycle runs the pre-proceedings track, a region of its
own (bpmn_track.py), which the table's track rows no longer loop on.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

from states.lifecycle import TRANSITIONS, CaseStatus, TransitionSpec
from states.pre_proceedings import PRE_PROCEEDINGS_TRIGGERS
from workflows.diagrams.bpmn_band import draw
from workflows.diagrams.bpmn_layout import Box, Layout, node_label
from workflows.diagrams.bpmn_process import BpmnExportError, Flow, Node, Process, move_expression, moves_expression
from workflows.diagrams.bpmn_track import CASE_CLOSED, SUB_PROCESS, add_track_region
from workflows.diagrams.state_diagram import Edge, Move, is_terminal, state_edges, status_label, statuses_in

PROCESS_ID = "Process_case_lifecycle"
NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
}


def edge_expression(edge: Edge) -> str:
    """The condition under which a case takes this edge: any of its rows."""
    return moves_expression(edge.moves)


def _loop_condition(moves: Sequence[Move]) -> str | None:
    return " or ".join(move_expression(move) for move in moves) or None


def _status_nodes(process: Process, status: CaseStatus, edges: Sequence[Edge], indegree: int) -> str:
    """Add the nodes of one status; return the id a flow into the status targets."""
    looping = [move for edge in edges if edge.source == status and edge.is_loop for move in edge.moves]
    # The track's rows keep the case in its status too: they belong to the region beside it, not to this task.
    stays = [move for move in looping if move.trigger not in PRE_PROCEEDINGS_TRIGGERS]
    beside = ", ".join(move.trigger for move in looping if move.trigger in PRE_PROCEEDINGS_TRIGGERS)
    region = f" Beside it runs the pre-proceedings track ({SUB_PROCESS}), which takes: {beside}." if beside else ""
    names = ", ".join(move.trigger for move in stays)
    if is_terminal(status, edges):
        note = f"Still accepted after the lifecycle ends: {names}." if names else None
        body = process.add(Node(f"EndEvent_{status.value}", "endEvent", status_label(status), note))
        # The closure is signalled to the region beside the lifecycle first (Spiff throws no signal from an end event).
        throw = process.add(
            Node(
                f"Throw_{status.value}",
                "intermediateThrowEvent",
                f"{status_label(status)}: tell the track",
                None,
                signal=CASE_CLOSED,
            )
        )
        process.connect(Flow(f"Flow_signalled_{status.value}", throw, body))
        body = throw
    else:
        note = f"Stays in this status (loops) on: {names}.{region}" if names else None
        body = process.add(Node(f"Task_{status.value}", "userTask", status_label(status), note, _loop_condition(stays)))
    if indegree < 2:
        return body
    join = process.add(Node(f"Gateway_join_{status.value}", "exclusiveGateway"))
    process.connect(Flow(f"Flow_enter_{status.value}", join, body))
    return join


def _exit_flows(process: Process, status: CaseStatus, exits: Sequence[Edge], entries: dict[CaseStatus, str]) -> None:
    source = f"Task_{status.value}"
    forks = len(exits) > 1
    if forks:
        gateway = process.add(
            Node(f"Gateway_choose_{status.value}", "exclusiveGateway", f"{status_label(status)}: next?")
        )
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
    if any(spec.trigger in PRE_PROCEEDINGS_TRIGGERS for spec in transitions):
        fork = process.add(Node("Gateway_fork_track", "parallelGateway", "Lifecycle and pre-proceedings track"))
        process.connect(Flow("Flow_start", start, fork))
        process.connect(Flow("Flow_fork_lifecycle", fork, entries[CaseStatus.NEW]))
        add_track_region(process, fork)
    else:
        process.connect(Flow("Flow_start", start, entries[CaseStatus.NEW]))
    for status in statuses:
        exits = [edge for edge in edges if edge.source == status and not edge.is_loop]
        if exits:
            _exit_flows(process, status, exits, entries)
    return process


# --- XML


def _q(prefix: str, tag: str) -> str:
    return f"{{{NS[prefix]}}}{tag}"


def _bounds(parent: ET.Element, box: Box) -> None:
    ET.SubElement(
        parent, _q("dc", "Bounds"), x=f"{box.x:g}", y=f"{box.y:g}", width=f"{box.width:g}", height=f"{box.height:g}"
    )


def _expression(parent: ET.Element, tag: str, text: str) -> None:
    element = ET.SubElement(parent, _q("bpmn", tag), {_q("xsi", "type"): "bpmn:tFormalExpression"})
    element.text = text


def _signal_ref(signal: str) -> str:
    return f"Signal_{signal}"


def _node_xml(parent: ET.Element, node: Node, process: Process) -> None:
    attributes = {"id": node.id} | ({"name": node.name} if node.name else {})
    if node.attached_to:
        attributes |= {"attachedToRef": node.attached_to, "cancelActivity": "true"}
    element = ET.SubElement(parent, _q("bpmn", node.kind), attributes)
    if node.documentation:
        ET.SubElement(element, _q("bpmn", "documentation")).text = node.documentation
    for tag, ids in (
        ("incoming", [f.id for f in process.flows if f.target == node.id]),
        ("outgoing", [f.id for f in process.flows if f.source == node.id]),
    ):
        for flow_id in ids:
            ET.SubElement(element, _q("bpmn", tag)).text = flow_id
    if node.signal:
        ET.SubElement(element, _q("bpmn", "signalEventDefinition"), signalRef=_signal_ref(node.signal))
    if node.loop_condition:
        loop = ET.SubElement(element, _q("bpmn", "standardLoopCharacteristics"), testBefore="false")
        _expression(loop, "loopCondition", node.loop_condition)
    if node.id in process.children:
        _elements_xml(element, process.children[node.id])


def _elements_xml(parent: ET.Element, process: Process) -> None:
    """The flow nodes, then the sequence flows, of a process or sub-process."""
    for node in process.nodes.values():
        _node_xml(parent, node, process)
    for flow in process.flows:
        _flow_xml(parent, flow)


def _signals(process: Process) -> list[str]:
    found = [node.signal for node in process.nodes.values() if node.signal]
    found += [signal for child in process.children.values() for signal in _signals(child)]
    return list(dict.fromkeys(found))


def _flow_xml(process_xml: ET.Element, flow: Flow) -> None:
    attributes = {"id": flow.id, "sourceRef": flow.source, "targetRef": flow.target}
    element = ET.SubElement(
        process_xml, _q("bpmn", "sequenceFlow"), attributes | ({"name": flow.name} if flow.name else {})
    )
    if flow.condition:
        _expression(element, "conditionExpression", flow.condition)


def _shapes_xml(plane: ET.Element, process: Process, drawn: Layout) -> None:
    for node_id, node in process.nodes.items():
        shape = ET.SubElement(plane, _q("bpmndi", "BPMNShape"), id=f"{node_id}_di", bpmnElement=node_id)
        if node.kind == "exclusiveGateway":
            shape.set("isMarkerVisible", "true")
        if node.kind == "subProcess":
            shape.set("isExpanded", "true")
        _bounds(shape, drawn.shapes[node_id])
        if node.name and node.kind not in ("userTask", "subProcess"):
            _bounds(ET.SubElement(shape, _q("bpmndi", "BPMNLabel")), node_label(drawn.shapes[node_id]))
    for child in process.children.values():
        _shapes_xml(plane, child, drawn)


def _edges_xml(plane: ET.Element, process: Process, drawn: Layout) -> None:
    for flow in process.flows:
        edge = ET.SubElement(plane, _q("bpmndi", "BPMNEdge"), id=f"{flow.id}_di", bpmnElement=flow.id)
        for x, y in drawn.waypoints[flow.id]:
            ET.SubElement(edge, _q("di", "waypoint"), x=f"{x:g}", y=f"{y:g}")
        if flow.id in drawn.labels:
            _bounds(ET.SubElement(edge, _q("bpmndi", "BPMNLabel")), drawn.labels[flow.id])
    for child in process.children.values():
        _edges_xml(plane, child, drawn)


def _diagram_xml(definitions: ET.Element, process: Process, drawn: Layout) -> None:
    diagram = ET.SubElement(definitions, _q("bpmndi", "BPMNDiagram"), id="Diagram_case_lifecycle")
    plane = ET.SubElement(diagram, _q("bpmndi", "BPMNPlane"), id="Plane_case_lifecycle", bpmnElement=PROCESS_ID)
    _shapes_xml(plane, process, drawn)
    _edges_xml(plane, process, drawn)


def bpmn_xml(transitions: Sequence[TransitionSpec] = TRANSITIONS) -> bytes:
    """The lifecycle as a BPMN 2.0 document with diagram interchange, UTF-8 encoded."""
    for prefix, uri in NS.items():
        ET.register_namespace(prefix, uri)
    process = lifecycle_process(transitions)
    definitions = ET.Element(
        _q("bpmn", "definitions"),
        id="Definitions_caseflow",
        targetNamespace="urn:caseflow:lifecycle",
        exporter="caseflow",
        exporterVersion="1",
    )
    for signal in _signals(process):
        ET.SubElement(definitions, _q("bpmn", "signal"), id=_signal_ref(signal), name=signal)
    process_xml = ET.SubElement(
        definitions, _q("bpmn", "process"), id=PROCESS_ID, name="Case lifecycle", isExecutable="true"
    )
    _elements_xml(process_xml, process)
    _diagram_xml(definitions, process, draw(process))
    ET.indent(definitions)
    document: bytes = ET.tostring(definitions, encoding="UTF-8", xml_declaration=True)
    return document + b"\n"


def export_bpmn(path: Path, transitions: Sequence[TransitionSpec] = TRANSITIONS) -> Path:
    """Write the lifecycle BPMN to `path`, creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(bpmn_xml(transitions))
    return path
