"""The BPMN export follows the transition table, with stable valid ids and a complete laid-out diagram."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from typer.testing import CliRunner

from states.lifecycle import TRANSITIONS, CaseStatus, TransitionSpec
from states.pre_proceedings import PRE_PROCEEDINGS_TRIGGERS, TrackStatus
from workflows.cli import app
from workflows.diagrams import NS, SUB_PROCESS, bpmn_xml

NCNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


def parse(document: bytes) -> ET.Element:
    return ET.fromstring(document)


def test_exporting_twice_gives_the_same_bytes() -> None:
    assert bpmn_xml() == bpmn_xml()


def test_every_id_is_a_unique_ncname() -> None:
    ids = [element.get("id") for element in parse(bpmn_xml()).iter() if element.get("id")]
    assert len(ids) == len(set(ids))
    assert [value for value in ids if not NCNAME.match(str(value))] == []


def test_every_status_is_a_user_task_or_an_end_event_and_every_trigger_names_a_flow() -> None:
    root = parse(bpmn_xml())
    ids = {element.get("id") for element in root.iter()}
    for status in CaseStatus:
        assert f"Task_{status.value}" in ids or f"EndEvent_{status.value}" in ids, status
    flow_names = " ".join(str(f.get("name")) for f in root.iter(f"{{{NS['bpmn']}}}sequenceFlow"))
    loops = " ".join(str(d.text) for d in root.iter(f"{{{NS['bpmn']}}}documentation"))
    for spec in TRANSITIONS:
        assert spec.trigger in flow_names or spec.trigger in loops, spec.trigger


def test_every_node_has_a_shape_and_every_flow_an_edge_with_waypoints() -> None:
    root = parse(bpmn_xml())
    process = root.find(f"{{{NS['bpmn']}}}process")
    assert process is not None
    shapes = {s.get("bpmnElement") for s in root.iter(f"{{{NS['bpmndi']}}}BPMNShape")}
    edges = {e.get("bpmnElement"): e for e in root.iter(f"{{{NS['bpmndi']}}}BPMNEdge")}
    for element in process:
        if element.tag.endswith("sequenceFlow"):
            assert len(edges[element.get("id")].findall(f"{{{NS['di']}}}waypoint")) >= 2
        else:
            assert element.get("id") in shapes


def test_a_new_row_in_the_table_appears_in_the_export() -> None:
    reopen = TransitionSpec("reopen_case", (CaseStatus.CIN_PLAN,), CaseStatus.REFERRED)
    document = bpmn_xml((*TRANSITIONS, reopen)).decode()
    assert 'id="Flow_cin_plan_to_referred"' in document
    assert "trigger == 'reopen_case'" in document


def test_the_cli_writes_the_bpmn_file(tmp_path: Path) -> None:
    out = tmp_path / "exports" / "lifecycle.bpmn"
    result = CliRunner().invoke(app, ["bpmn", "export", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == bpmn_xml()


def test_the_statuses_a_plan_runs_in_name_the_pre_proceedings_track_beside_them_and_no_other_does() -> None:
    root = parse(bpmn_xml())
    notes = {
        str(task.get("id")): str(task.findtext(f"{{{NS['bpmn']}}}documentation"))
        for task in root.iter(f"{{{NS['bpmn']}}}userTask")
    }
    beside = {
        task for task, note in notes.items() if f"Beside it runs the pre-proceedings track ({SUB_PROCESS})" in note
    }
    assert beside == {"Task_core_groups", "Task_review_planning", "Task_child_only_conference", "Task_cin_plan"}
    core_groups = notes["Task_core_groups"]
    stays, region = core_groups.split(" Beside it runs")
    assert (
        stays
        == "Stays in this status (loops) on: hold_core_group, record_visit, record_birth, complete_action, allocate."
    )
    for trigger in ("start_pre_proceedings", "record_fgdm", "decide_pre_proceedings", "apply_to_court"):
        assert trigger in region and trigger not in stays


def test_the_track_is_a_region_of_its_own_with_a_task_per_track_status_and_no_plan_status_loops_on_its_triggers() -> (
    None
):
    root = parse(bpmn_xml())
    bpmn = f"{{{NS['bpmn']}}}"
    process = root.find(f"{bpmn}process")
    assert process is not None
    fork = process.find(f"{bpmn}parallelGateway")
    assert fork is not None and [o.text for o in fork.findall(f"{bpmn}outgoing")] == [
        "Flow_fork_lifecycle",
        "Flow_fork_track",
    ]
    episode = process.find(f"{bpmn}subProcess[@id='{SUB_PROCESS}']")
    assert episode is not None
    inside = {str(task.get("id")) for task in episode.iter(f"{bpmn}userTask")}
    assert inside == {f"Task_track_{s.value}" for s in TrackStatus if s != TrackStatus.NONE}
    assert process.find(f"{bpmn}userTask[@id='Task_track_none']") is not None
    flows = " ".join(
        f"{f.get('name')} {f.findtext(f'{bpmn}conditionExpression')}" for f in root.iter(f"{bpmn}sequenceFlow")
    )
    notes = " ".join(str(d.text) for d in episode.iter(f"{bpmn}documentation"))
    for trigger in PRE_PROCEEDINGS_TRIGGERS:
        assert trigger in flows or trigger in notes, trigger
    for task in process.findall(f"{bpmn}userTask"):
        condition = str(task.findtext(f"{bpmn}standardLoopCharacteristics/{bpmn}loopCondition"))
        assert not any(trigger in condition for trigger in PRE_PROCEEDINGS_TRIGGERS), task.get("id")
    catching = {str(b.get("attachedToRef")) for b in process.findall(f"{bpmn}boundaryEvent")}
    assert catching == {"Task_track_none", SUB_PROCESS}


def test_the_track_is_drawn_in_a_band_below_the_lifecycle_and_its_episode_expanded_around_its_tasks() -> None:
    root = parse(bpmn_xml())
    bounds = {
        str(shape.get("bpmnElement")): shape.find(f"{{{NS['dc']}}}Bounds")
        for shape in root.iter(f"{{{NS['bpmndi']}}}BPMNShape")
    }
    box = {
        key: tuple(float(str(b.get(k))) for k in ("x", "y", "width", "height"))
        for key, b in bounds.items()
        if b is not None
    }
    lifecycle_bottom = max(y + h for key, (_, y, _, h) in box.items() if key.startswith("Task_") and "track" not in key)
    sx, sy, sw, sh = box[SUB_PROCESS]
    assert sy > lifecycle_bottom
    for status in TrackStatus:
        if status != TrackStatus.NONE:
            x, y, w, h = box[f"Task_track_{status.value}"]
            assert sx < x and x + w < sx + sw and sy < y and y + h < sy + sh, status
    assert box["Task_track_none"][1] > lifecycle_bottom
