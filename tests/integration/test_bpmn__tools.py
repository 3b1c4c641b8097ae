"""bpmn.io's own parser reads the exported lifecycle without a warning, and bpmnlint's recommended rules find nothing."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from workflows.diagrams import export_bpmn

TOOLS = Path(__file__).resolve().parents[1] / "bpmn_tools"
BROKEN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="Definitions_1" targetNamespace="urn:x">
  <bpmn:process id="Process_1" isExecutable="true"><bpmn:startEvent id="Start_1" /><bpmn:notAnElement /></bpmn:process>
</bpmn:definitions>
"""


def check(path: Path) -> dict[str, Any]:
    """Run the node checker on a BPMN file; fail with the reason when node or the npm packages are missing."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not on PATH: install Node.js 20 or newer to check BPMN with bpmn.io's tools")
    if not (TOOLS / "node_modules" / "bpmnlint").is_dir():
        pytest.fail("tests/bpmn_tools/node_modules is missing: run `make test` or `cd tests/bpmn_tools && npm ci`")
    result = subprocess.run(
        [node, str(TOOLS / "check.mjs"), str(path)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, f"check.mjs failed: {result.stderr}"
    found: dict[str, Any] = json.loads(result.stdout)
    return found


def test_bpmn_moddle_reads_the_export_without_a_warning_and_bpmnlint_recommended_reports_nothing(
    tmp_path: Path,
) -> None:
    found = check(export_bpmn(tmp_path / "lifecycle.bpmn"))
    assert found["warnings"] == []
    assert found["reports"] == [], "\n".join(
        f"{r['category']} {r['rule']} {r['id']}: {r['message']}" for r in found["reports"]
    )


def test_the_checker_reports_what_is_wrong_with_a_broken_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.bpmn"
    path.write_text(BROKEN, encoding="utf-8")
    found = check(path)
    assert any("notAnElement" in warning for warning in found["warnings"])
    rules = {report["rule"] for report in found["reports"] if report["category"] == "error"}
    assert {"end-event-required", "no-bpmndi", "label-required"} <= rules
