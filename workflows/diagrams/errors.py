"""What stops a diagram being drawn or written."""

from __future__ import annotations

from states.errors import CaseflowError

__all__ = ["BpmnExportError", "ReadmeMarkersMissing"]


class BpmnExportError(CaseflowError):
    """The transition table cannot be drawn as BPMN (an id would be invalid, or a status has no way in)."""


class ReadmeMarkersMissing(CaseflowError):
    """The README lacks the begin/end markers that fence the generated state diagram."""
