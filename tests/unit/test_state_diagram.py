"""The README's state diagram is generated from the transition table, and the two never drift apart."""

from __future__ import annotations

from pathlib import Path

import pytest

from states.lifecycle import TRANSITIONS, CaseStatus, TransitionSpec
from states.pre_proceedings import PRE_PROCEEDINGS_TRIGGERS, TRACK_TRANSITIONS
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
        if spec.trigger in PRE_PROCEEDINGS_TRIGGERS:
            continue  # drawn in the track's own region (below)
        for source in spec.sources:
            start = "[*]" if source == S.NEW else source.value
            line = next(
                line for line in diagram.splitlines() if line.strip().startswith(f"{start} --> {spec.dest.value} :")
            )
            assert spec.trigger in line


def test_the_pre_proceedings_track_is_a_region_of_its_own_with_every_row_of_its_table() -> None:
    diagram = mermaid()
    region = diagram[diagram.index("as pre_proceedings {") : diagram.index("    }\n")]
    # 11 rows from 1 start, 1 letter, 3 record_fgdm (letter sent, meetings, issuing), 2 meetings, 2 decisions,
    # 1 application and 1 last letter.
    assert "[*] --> pp_letter_due : start_pre_proceedings" in region
    assert 'pp_meetings --> [*] : decide_pre_proceedings [outcome == "step_down"]' in region
    assert "pp_applied --> [*] : send_letter_initiating_proceedings" in region
    assert region.count(" --> ") == sum(len(spec.sources) for spec in TRACK_TRANSITIONS) == 11
    # The plan's own statuses carry no loop of the track's triggers: it runs beside them.
    assert "core_groups --> core_groups : hold_core_group / record_visit / record_birth / complete_action" in diagram
    assert "beside core_groups, review_planning, child_only_conference, cin_plan" in diagram


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
