"""The pre-proceedings track as a BPMN region beside the lifecycle, generated from its own table (TRACK_TRANSITIONS).

The process forks at its start (a parallel gateway): one branch is the lifecycle, the other this region. The region
waits in "No pre-proceedings open" for `start_pre_proceedings`; each episode is the embedded sub-process
`SubProcess_pre_proceedings`, whose statuses are user tasks mapped as the lifecycle's are (a task waits for the next
trigger; triggers that keep the track where it is loop the task; several exits fork through an exclusive gateway);
a move back to `none` ends the episode at an end event of its own, and the region waits for the next episode. The
case's closure (the lifecycle's end events throw the signal `case_closed`) interrupts the region wherever it waits,
through signal boundary events, as closing the case ends an open track.

What the region does not carry, and our machine does: `start_pre_proceedings` needs a plan to be running (the
region cannot see the lifecycle's status; BPMN branches share no data), and ending a child protection plan into a
child in need plan also ends an open episode (only the closure is signalled across).
"""

from __future__ import annotations

from dataclasses import dataclass

from states.pre_proceedings import TRACK_TRANSITIONS, TrackSpec, TrackStatus
from workflows.diagrams.bpmn_process import Flow, Node, Process, moves_expression
from workflows.diagrams.state_diagram import Move

__all__ = ["CASE_CLOSED", "SUB_PROCESS", "TRACK_TASK_PREFIX", "add_track_region"]

SUB_PROCESS = "SubProcess_pre_proceedings"
TRACK_TASK_PREFIX = "Task_track_"
CASE_CLOSED = "case_closed"
_NAMES = {
    TrackStatus.NONE: "No pre-proceedings open",
    TrackStatus.LETTER_DUE: "Letter before proceedings due",
    TrackStatus.LETTER_SENT: "Letter sent: initial meeting due",
    TrackStatus.MEETINGS: "Pre-proceedings meetings",
    TrackStatus.ISSUING: "Issuing: court application due",
    TrackStatus.APPLIED: "Applied: letter initiating proceedings due",
}


@dataclass(frozen=True)
class TrackEdge:
    """Every move of the track's table from one track status to another (or to itself)."""

    source: TrackStatus
    dest: TrackStatus
    moves: tuple[Move, ...]

    @property
    def label(self) -> str:
        return " / ".join(move.label for move in self.moves)


def track_edges(table: tuple[TrackSpec, ...] = TRACK_TRANSITIONS) -> tuple[TrackEdge, ...]:
    """The track's table grouped by (source, destination), first appearance first."""
    grouped: dict[tuple[TrackStatus, TrackStatus], list[Move]] = {}
    for spec in table:
        for source in spec.sources:
            grouped.setdefault((source, spec.dest), []).append(Move(spec.trigger, spec.route, spec.condition))
    return tuple(TrackEdge(source, dest, tuple(moves)) for (source, dest), moves in grouped.items())


def _task(status: TrackStatus) -> str:
    return f"{TRACK_TASK_PREFIX}{status.value}"


def _status_task(episode: Process, status: TrackStatus, edges: tuple[TrackEdge, ...]) -> None:
    loops = [edge for edge in edges if edge.source == status == edge.dest]
    looping = ", ".join(move.trigger for edge in loops for move in edge.moves)
    note = f"Stays in this track status (loops) on: {looping}." if looping else None
    condition = " or ".join(moves_expression(edge.moves) for edge in loops) or None
    episode.add(Node(_task(status), "userTask", _NAMES.get(status, status.value), note, condition))


def _episode(edges: tuple[TrackEdge, ...], first: TrackStatus) -> Process:
    """One episode: from its first status to each move back to `none`, which ends it."""
    episode = Process()
    start = episode.add(Node("StartEvent_pre_proceedings", "startEvent", "Pre-proceedings decided"))
    inside = [s for s in TrackStatus if s != TrackStatus.NONE and any(s in (e.source, e.dest) for e in edges)]
    for status in inside:
        _status_task(episode, status, edges)
    episode.connect(Flow("Flow_track_episode_start", start, _task(first)))
    for status in inside:
        exits = [edge for edge in edges if edge.source == status and edge.dest != status]
        source = _task(status)
        if len(exits) > 1:
            gateway = f"Gateway_track_choose_{status.value}"
            episode.add(Node(gateway, "exclusiveGateway", f"{_NAMES.get(status, status.value)}: next?"))
            episode.connect(Flow(f"Flow_track_leave_{status.value}", source, gateway))
            source = gateway
        for edge in exits:
            if edge.dest == TrackStatus.NONE:
                routes = ", ".join(move.route or move.trigger for move in edge.moves)
                target = episode.add(
                    Node(f"EndEvent_track_after_{status.value}", "endEvent", f"Episode ends: {routes}")
                )
            else:
                target = _task(edge.dest)
            flow_id = f"Flow_track_{status.value}_to_{edge.dest.value}"
            episode.connect(Flow(flow_id, source, target, edge.label, moves_expression(edge.moves)))
    return episode


def add_track_region(process: Process, fork: str, table: tuple[TrackSpec, ...] = TRACK_TRANSITIONS) -> None:
    """Add the region to `process`, entered from the parallel gateway `fork`."""
    edges = track_edges(table)
    starts = [edge for edge in edges if edge.source == TrackStatus.NONE and edge.dest != TrackStatus.NONE]
    join = process.add(Node("Gateway_track_join", "exclusiveGateway"))
    waiting = process.add(
        Node(
            _task(TrackStatus.NONE),
            "userTask",
            _NAMES[TrackStatus.NONE],
            "Runs beside the lifecycle; an episode may start while a child protection or child in need plan runs.",
        )
    )
    sub = process.add(Node(SUB_PROCESS, "subProcess", "Pre-proceedings episode"))
    process.children[sub] = _episode(edges, starts[0].dest)
    closed_waiting = process.add(
        Node("Boundary_track_none_closed", "boundaryEvent", "Case closed", signal=CASE_CLOSED, attached_to=waiting)
    )
    closed_episode = process.add(
        Node("Boundary_track_episode_closed", "boundaryEvent", "Case closed", signal=CASE_CLOSED, attached_to=sub)
    )
    end_waiting = process.add(Node("EndEvent_track_region", "endEvent", "Track ends with the case"))
    end_episode = process.add(Node("EndEvent_track_cancelled", "endEvent", "Open episode ends with the case"))
    process.connect(Flow("Flow_fork_track", fork, join))
    process.connect(Flow("Flow_track_wait", join, waiting))
    moves = tuple(move for edge in starts for move in edge.moves)
    label = " / ".join(move.label for move in moves)
    process.connect(Flow("Flow_track_start", waiting, sub, label, moves_expression(moves)))
    process.connect(Flow("Flow_track_episode_ended", sub, join))
    process.connect(Flow("Flow_track_none_closed", closed_waiting, end_waiting))
    process.connect(Flow("Flow_track_episode_closed", closed_episode, end_episode))
    process.band.extend([join, waiting, sub, closed_waiting, closed_episode, end_waiting, end_episode])
