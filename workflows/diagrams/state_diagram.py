"""The lifecycle as a state chart drawn from the transition table: grouped edges, labels, and the README's Mermaid block."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from states.lifecycle import TRANSITIONS, CaseStatus, TransitionSpec
from workflows.diagrams.errors import ReadmeMarkersMissing
from workflows.diagrams.track_chart import track_lines, without_track

README_BEGIN = "<!-- state-diagram:begin -->"
README_END = "<!-- state-diagram:end -->"
REFRESH_COMMAND = "caseflow bpmn diagram --write-readme"
# Words that read as initialisms in the guidance; every other word of a status value is lower case.
_INITIALISMS = {"s47": "S47", "icpc": "ICPC", "cin": "CIN"}
# Mermaid ends a transition's description at these characters.
_MERMAID_UNSAFE = str.maketrans({":": " ", ";": ",", "#": " "})


@dataclass(frozen=True)
class Move:
    """One row of the table applied from one source: the trigger, and the route and condition that select it."""

    trigger: str
    route: str | None
    condition: str | None

    @property
    def label(self) -> str:
        return self.trigger if self.condition is None else f"{self.trigger} [{self.condition}]"


@dataclass(frozen=True)
class Edge:
    """Every move from one status to another (or to itself), in table order."""

    source: CaseStatus
    dest: CaseStatus
    moves: tuple[Move, ...]

    @property
    def label(self) -> str:
        return " / ".join(move.label for move in self.moves)

    @property
    def is_loop(self) -> bool:
        return self.source == self.dest


def state_edges(transitions: Sequence[TransitionSpec] = TRANSITIONS) -> tuple[Edge, ...]:
    """The table grouped by (source, destination), first appearance first."""
    grouped: dict[tuple[CaseStatus, CaseStatus], list[Move]] = {}
    for spec in transitions:
        for source in spec.sources:
            grouped.setdefault((source, spec.dest), []).append(Move(spec.trigger, spec.route, spec.condition))
    return tuple(Edge(source, dest, tuple(moves)) for (source, dest), moves in grouped.items())


def statuses_in(edges: Sequence[Edge]) -> tuple[CaseStatus, ...]:
    """The statuses the edges touch, in the enum's order."""
    touched = {status for edge in edges for status in (edge.source, edge.dest)}
    return tuple(status for status in CaseStatus if status in touched)


def is_terminal(status: CaseStatus, edges: Sequence[Edge]) -> bool:
    """A status no trigger leaves for another status: the lifecycle ends there."""
    return not any(edge.source == status and not edge.is_loop for edge in edges)


def status_label(status: CaseStatus) -> str:
    """A status as people read it: 'icpc_planning' -> 'ICPC planning'."""
    words = [_INITIALISMS.get(word, word) for word in status.value.split("_")]
    words[0] = words[0][:1].upper() + words[0][1:]
    return " ".join(words)


def mermaid(transitions: Sequence[TransitionSpec] = TRANSITIONS) -> str:
    """A Mermaid stateDiagram-v2 of the table; `new` is the start pseudo-state, terminal statuses lead to the end.

    The pre-proceedings track's rows are drawn as its own region, not as loops on every status a plan runs in.
    """
    edges = state_edges(without_track(transitions))
    lines = ["stateDiagram-v2", "    direction LR"]
    lines += [f'    state "{status_label(s)}" as {s.value}' for s in statuses_in(edges) if s != CaseStatus.NEW]
    for edge in edges:
        source = "[*]" if edge.source == CaseStatus.NEW else edge.source.value
        lines.append(f"    {source} --> {edge.dest.value} : {edge.label.translate(_MERMAID_UNSAFE)}")
    lines += [f"    {s.value} --> [*]" for s in statuses_in(edges) if s != CaseStatus.NEW and is_terminal(s, edges)]
    lines += track_lines(transitions)
    return "\n".join(lines) + "\n"


def readme_block(transitions: Sequence[TransitionSpec] = TRANSITIONS) -> str:
    """What belongs between the README markers: the generated diagram, and how to refresh it."""
    return (
        f"<!-- generated from states/lifecycle.py TRANSITIONS; refresh with: {REFRESH_COMMAND} -->\n"
        f"```mermaid\n{mermaid(transitions)}```\n"
    )


def current_block(readme_text: str) -> str:
    """The text between the README markers, as it stands."""
    begin, end = readme_text.find(README_BEGIN), readme_text.find(README_END)
    if begin < 0 or end < begin:
        raise ReadmeMarkersMissing(f"README has no {README_BEGIN} ... {README_END} block for the state diagram")
    return readme_text[begin + len(README_BEGIN) : end].strip("\n") + "\n"


def with_block(readme_text: str, block: str) -> str:
    """The README with the marked block replaced by `block`; everything outside the markers is kept as is."""
    current_block(readme_text)  # raises when the markers are missing
    head, rest = readme_text.split(README_BEGIN, 1)
    tail = rest.split(README_END, 1)[1]
    return f"{head}{README_BEGIN}\n{block}{README_END}{tail}"


def write_readme(path: Path, transitions: Sequence[TransitionSpec] = TRANSITIONS) -> bool:
    """Write the generated diagram into the README at `path`; True when it changed."""
    text = path.read_text(encoding="utf-8")
    updated = with_block(text, readme_block(transitions))
    if updated != text:
        path.write_text(updated, encoding="utf-8")
    return updated != text
