"""The README's state diagram is generated from the transition table, and the two never drift apart."""

from __future__ import annotations

from pathlib import Path

import pytest

from states.lifecycle import TRANSITIONS, CaseStatus, TransitionSpec
from workflows.diagrams import (
    REFRESH_COMMAND,
    ReadmeMarkersMissing,
    current_block,
    mermaid,
    readme_block,
    state_edges,
    status_label,
    with_block,
)

README = Path(__file__).resolve().parents[2] / "README.md"
S = CaseStatus


def test_the_readme_diagram_is_the_one_generated_from_the_transition_table() -> None:
    assert current_block(README.read_text(encoding="utf-8")) == readme_block(), (
        f"README.md's state diagram is out of date with states/lifecycle.py; refresh it with: {REFRESH_COMMAND}"
    )


def test_every_row_and_source_of_the_table_appears_as_a_labelled_transition() -> None:
    diagram = mermaid()
    for spec in TRANSITIONS:
        for source in spec.sources:
            start = "[*]" if source == S.NEW else source.value
            line = next(
                line for line in diagram.splitlines() if line.strip().startswith(f"{start} --> {spec.dest.value} :")
            )
            assert spec.trigger in line


def test_a_changed_table_changes_the_diagram() -> None:
    extra = TransitionSpec("reopen_case", (S.CLOSED,), S.REFERRED)
    assert "closed --> referred : reopen_case" in mermaid((*TRANSITIONS, extra))
    assert readme_block((*TRANSITIONS, extra)) != readme_block()


def test_a_status_no_trigger_leaves_for_another_leads_to_the_end_and_new_is_the_start() -> None:
    diagram = mermaid()
    assert "    closed --> [*]" in diagram
    assert "cin_plan --> [*]" not in diagram
    assert "[*] --> referred : receive_referral" in diagram
    assert " new " not in diagram


def test_rows_between_the_same_two_statuses_share_one_edge_in_table_order() -> None:
    edge = next(e for e in state_edges() if (e.source, e.dest) == (S.REVIEW_PLANNING, S.CLOSED))
    assert [move.trigger for move in edge.moves] == ["hold_review", "end_plan"]
    assert edge.label == 'hold_review [outcome == "end_plan_close"] / end_plan [outcome == "close"]'


def test_status_labels_read_as_the_guidance_writes_them() -> None:
    assert [status_label(s) for s in (S.S47_ENQUIRY, S.ICPC_PLANNING, S.CIN_PLAN, S.CORE_GROUPS)] == [
        "S47 enquiry",
        "ICPC planning",
        "CIN plan",
        "Core groups",
    ]


def test_writing_the_block_keeps_everything_outside_the_markers() -> None:
    text = "# Title\n\nbefore\n<!-- state-diagram:begin -->\nold\n<!-- state-diagram:end -->\nafter\n"
    updated = with_block(text, readme_block())
    assert updated.startswith("# Title\n\nbefore\n<!-- state-diagram:begin -->\n")
    assert updated.endswith("```\n<!-- state-diagram:end -->\nafter\n")
    assert current_block(updated) == readme_block()


def test_a_readme_without_the_markers_is_refused_in_one_line() -> None:
    with pytest.raises(ReadmeMarkersMissing, match="state-diagram:begin"):
        with_block("# no markers here\n", readme_block())
