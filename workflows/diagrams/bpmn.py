"""The lifecycle as executable BPMN 2.0 with diagram interchange, generated from the transition table.

Mapping: each status a user task that waits for the next trigger (data variables `trigger` and `route`); the triggers
that keep a case in its status make the task loop (standard loop, condition on `trigger`); a status left for several
others forks through an exclusive gateway whose flows carry the rows' conditions; a status entered from several places
is entered through a joining gateway; a status no trigger leaves is an end event.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

from states.lifecycle import TRANSITIONS, CaseStatus, TransitionSpec
from states.pre_proceedings import PRE_PROCEEDINGS_TRIGGERS
from workflows.diagrams.bpmn_layout import Box, Layout, layout, node_label
from workflows.diagrams.bpmn_process import BpmnExportError, Flow, Node, Process
from workflows.diagrams.state_diagram import Edge, Move, is_terminal, state_edges, status_label, statuses_in

PROCESS_ID = "Process_case_lifecycle"
NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
}


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
    looping = [move.trigger for edge in loops for move in edge.moves]
    stays = ", ".join(trigger for trigger in looping if trigger not in PRE_PROCEEDINGS_TRIGGERS)
    # The track's triggers keep the case in its status too; the note names them as the parallel region they are.
    beside = ", ".join(trigger for trigger in looping if trigger in PRE_PROCEEDINGS_TRIGGERS)
    region = f" Beside it runs the pre-proceedings track (a parallel region; it loops on): {beside}." if beside else ""
    if is_terminal(status, edges):
        note = f"Still accepted after the lifecycle ends: {stays}." if stays else None
        body = process.add(Node(f"EndEvent_{status.value}", "endEvent", status_label(status), note))
    else:
        note = f"Stays in this status (loops) on: {stays}.{region}" if stays else None
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


def _node_xml(process_xml: ET.Element, node: Node, flows: Sequence[Flow]) -> None:
    attributes = {"id": node.id} | ({"name": node.name} if node.name else {})
    element = ET.SubElement(process_xml, _q("bpmn", node.kind), attributes)
    if node.documentation:
        ET.SubElement(element, _q("bpmn", "documentation")).text = node.documentation
    for tag, ids in (
        ("incoming", [f.id for f in flows if f.target == node.id]),
        ("outgoing", [f.id for f in flows if f.source == node.id]),
    ):
        for flow_id in ids:
            ET.SubElement(element, _q("bpmn", tag)).text = flow_id
    if node.loop_condition:
        loop = ET.SubElement(element, _q("bpmn", "standardLoopCharacteristics"), testBefore="false")
        _expression(loop, "loopCondition", node.loop_condition)


def _flow_xml(process_xml: ET.Element, flow: Flow) -> None:
    attributes = {"id": flow.id, "sourceRef": flow.source, "targetRef": flow.target}
    element = ET.SubElement(
        process_xml, _q("bpmn", "sequenceFlow"), attributes | ({"name": flow.name} if flow.name else {})
    )
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
            _bounds(ET.SubElement(shape, _q("bpmndi", "BPMNLabel")), node_label(drawn.shapes[node_id]))
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
    definitions = ET.Element(
        _q("bpmn", "definitions"),
        id="Definitions_caseflow",
        targetNamespace="urn:caseflow:lifecycle",
        exporter="caseflow",
        exporterVersion="1",
    )
    process_xml = ET.SubElement(
        definitions, _q("bpmn", "process"), id=PROCESS_ID, name="Case lifecycle", isExecutable="true"
    )
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
