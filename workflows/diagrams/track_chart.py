"""The pre-proceedings track as a region of the state chart, drawn from its own table beside the lifecycle's."""

from __future__ import annotations

from collections.abc import Sequence

from states.lifecycle import TRANSITIONS, TransitionSpec
from states.pre_proceedings import PRE_PROCEEDINGS_TRIGGERS, TRACK_TRANSITIONS, TrackSpec, TrackStatus

__all__ = ["REGION_ID", "track_lines", "without_track"]

REGION_ID = "pre_proceedings"
_LABEL = "Pre-proceedings (a parallel region: runs beside a CP or CIN plan)"
# Mermaid ends a transition's description at these characters.
_MERMAID_UNSAFE = str.maketrans({":": " ", ";": ",", "#": " "})


def without_track(transitions: Sequence[TransitionSpec]) -> list[TransitionSpec]:
    """The lifecycle's rows less the track's: those keep the case in its status and are drawn in the region."""
    return [spec for spec in transitions if spec.trigger not in PRE_PROCEEDINGS_TRIGGERS]


def _node(status: TrackStatus) -> str:
    # No track open is the region's start and end: a new episode starts from there again.
    return "[*]" if status is TrackStatus.NONE else f"pp_{status.value}"


def _plan_statuses(transitions: Sequence[TransitionSpec]) -> list[str]:
    sources = [s.value for spec in transitions if spec.trigger == PRE_PROCEEDINGS_TRIGGERS[0] for s in spec.sources]
    return list(dict.fromkeys(sources))


def track_lines(
    transitions: Sequence[TransitionSpec] = TRANSITIONS, track: Sequence[TrackSpec] = TRACK_TRANSITIONS
) -> list[str]:
    """The Mermaid lines of the track: a composite state with its own start and end, and where it may run."""
    lines = [f'    state "{_LABEL}" as {REGION_ID} {{']
    lines += [
        f'        state "{status.value.replace("_", " ").capitalize()}" as {_node(status)}'
        for status in TrackStatus
        if status is not TrackStatus.NONE
    ]
    for spec in track:
        label = spec.trigger if spec.condition is None else f"{spec.trigger} [{spec.condition}]"
        for source in spec.sources:
            lines.append(f"        {_node(source)} --> {_node(spec.dest)} : {label.translate(_MERMAID_UNSAFE)}")
    lines.append("    }")
    beside = ", ".join(_plan_statuses(transitions))
    lines.append(f"    note right of {REGION_ID} : beside {beside}; the case keeps its status")
    return lines
