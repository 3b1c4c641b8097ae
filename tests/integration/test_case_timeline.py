"""The case timeline picture: phases from the audit trail, a PNG and an HTML page with nothing personal in them."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.integration.case_views_builders import AS_OF, DATE_OF_BIRTH, NOTE, POLICIES, build_caseload
from workflows.views import (
    CaseDetail,
    HistoryEntry,
    Phase,
    TimelineNotWritten,
    case_detail,
    html_page,
    phases,
    write_timeline,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def detail(engine: Engine) -> CaseDetail:
    build_caseload(engine)
    with engine.connect() as connection:
        return case_detail(connection, POLICIES, "CP-VIEW-1", AS_OF)


def test_phases_run_from_each_status_change_to_the_next_and_the_last_to_the_as_of_date(detail: CaseDetail) -> None:
    assert phases(detail) == [
        Phase("referred", date(2026, 12, 14), date(2026, 12, 16)),
        Phase("s47_enquiry", date(2026, 12, 16), date(2026, 12, 17)),
        Phase("icpc_planning", date(2026, 12, 17), date(2027, 1, 8)),
        Phase("core_groups", date(2027, 1, 8), AS_OF),
    ]


def _entry(seq: int, on: date, source: str, dest: str) -> HistoryEntry:
    return HistoryEntry(seq, "trigger_fired", "t", on, source, dest, "sw-1", "social_worker")


def test_a_backdated_change_never_draws_a_phase_running_backwards(detail: CaseDetail) -> None:
    history = [
        _entry(1, date(2027, 1, 4), "new", "referred"),
        _entry(2, date(2027, 1, 6), "referred", "s47_enquiry"),
        _entry(3, date(2027, 1, 5), "s47_enquiry", "closed"),  # recorded later, dated a day earlier
    ]
    drawn = phases(dataclasses.replace(detail, history=history, as_of=date(2027, 1, 8)))
    assert [(p.start, p.end) for p in drawn] == [
        (date(2027, 1, 4), date(2027, 1, 6)),
        (date(2027, 1, 6), date(2027, 1, 6)),
        (date(2027, 1, 6), date(2027, 1, 8)),
    ]


def test_the_timeline_is_a_png_and_an_html_page_with_its_facts_as_tables(detail: CaseDetail, tmp_path: Path) -> None:
    picture, page = tmp_path / "timeline.png", tmp_path / "timeline.html"
    write_timeline(detail, picture, page)
    assert picture.read_bytes().startswith(PNG_SIGNATURE)
    text = page.read_text(encoding="utf-8")
    assert "<title>Case CP-VIEW-1: core_groups as of 2027-02-01</title>" in text
    assert "data:image/png;base64," in text
    assert (
        "<td>hold_first_core_group</td><td>social_worker</td><td>open</td><td>2027-01-22</td><td></td><td>6</td>"
        in text
    )
    assert "<td>2027-01-27</td><td>head_of_service</td><td>manual</td>" in text
    for private in (DATE_OF_BIRTH, NOTE):
        assert private not in text


def test_text_in_the_page_is_escaped(detail: CaseDetail) -> None:
    text = html_page(dataclasses.replace(detail, reference="CP-<b>1</b>"), b"")
    assert "CP-&lt;b&gt;1&lt;/b&gt;" in text and "<b>1</b>" not in text


def test_a_path_that_cannot_be_written_is_one_line(detail: CaseDetail, tmp_path: Path) -> None:
    with pytest.raises(TimelineNotWritten, match=r"nowhere/timeline\.png: cannot be written"):
        write_timeline(detail, tmp_path / "nowhere" / "timeline.png")
