"""The lifecycle drawn from its transition table: BPMN 2.0 with a laid-out diagram, and the README's Mermaid diagram."""

from workflows.diagrams.bpmn import NS, PROCESS_ID, bpmn_xml, export_bpmn
from workflows.diagrams.bpmn_track import SUB_PROCESS, TRACK_TASK_PREFIX
from workflows.diagrams.errors import BpmnExportError, ReadmeMarkersMissing
from workflows.diagrams.state_diagram import (
    REFRESH_COMMAND,
    current_block,
    mermaid,
    readme_block,
    state_edges,
    status_label,
    with_block,
    write_readme,
)

__all__ = [
    "NS",
    "PROCESS_ID",
    "REFRESH_COMMAND",
    "SUB_PROCESS",
    "TRACK_TASK_PREFIX",
    "BpmnExportError",
    "ReadmeMarkersMissing",
    "bpmn_xml",
    "current_block",
    "export_bpmn",
    "mermaid",
    "readme_block",
    "state_edges",
    "status_label",
    "with_block",
    "write_readme",
]
