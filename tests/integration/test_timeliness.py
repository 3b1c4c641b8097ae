"""Timeliness measures over the 2026-27 year of a caseload run through the lifecycle: counts, table, charts."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.integration.returns_caseload import build_caseload, build_second_plans
from workflows.returns import MEASURES, Period, Result, measure_all, read_case_facts, write_charts, write_table

YEAR = Period(date(2026, 4, 1), date(2027, 3, 31))
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _results(engine: Engine, period: Period = YEAR) -> dict[str, Result]:
    build_caseload(engine)
    with engine.connect() as connection:
        facts = read_case_facts(connection)
    return {result.name: result for result in measure_all(facts, period)}


@pytest.mark.both_databases
def test_the_year_s_measures_are_counted_from_the_caseload(engine: Engine) -> None:
    results = _results(engine)
    # ICPCs in the year: CF0002 on Fri 1 May (target Wed 6 May) in time; CF0003 on Tue 6 Oct (target Tue 29 Sep) late.
    assert (results["icpc_within_15_working_days"].met, results["icpc_within_15_working_days"].of) == (1, 2)
    assert results["icpc_within_15_working_days"].percent == 50.0
    # One plan started in the year (CF0002): first core group Tue 12 May, due Mon 18 May.
    assert (
        results["first_core_group_within_10_working_days"].met,
        results["first_core_group_within_10_working_days"].of,
    ) == (1, 1)
    # Reviews held in the year: CF0002 Wed 29 Jul (due Fri 31 Jul) and Wed 20 Jan 2027 (due Fri 29 Jan);
    # CF0004 Wed 8 Jul (due Tue 14 Jul) and Wed 6 Jan 2027 (due Fri 8 Jan).
    assert (results["reviews_within_timescale"].met, results["reviews_within_timescale"].of) == (4, 4)
    # Plans open on 31 March 2027: CF0004 only, running since 26 April 2024 (two years on 26 April 2026).
    assert (results["plans_open_2_years_or_more"].met, results["plans_open_2_years_or_more"].of) == (1, 1)
    assert (results["second_or_later_plans"].met, results["second_or_later_plans"].of) == (0, 1)
    # Reports shared before CF0002's ICPC on Wed 29 April, the day due: on time. Never marked done, so missed when
    # the conference was held without them: CF0003's ICPC (Tue 6 Oct, due Fri 2 Oct) and the four reviews above
    # (5 WD before: Wed 22 Jul, Wed 13 Jan 2027, Wed 1 Jul, and Tue 29 Dec 2026 for Wed 6 Jan across 1 Jan).
    assert (results["reports_shared_on_time"].met, results["reports_shared_on_time"].of) == (1, 6)
    # Only CF0002's ICPC minutes were circulated (Wed 20 May, due Tue 26 May).
    assert results["minutes_on_time"].met == 1
    # Conferences held in the year: 2 ICPCs and 4 reviews; one child-only conference (CF0002, Mon 27 April).
    assert (results["child_only_conferences_held"].met, results["child_only_conferences_held"].of) == (1, 6)
    # Children with a conference in the year: CF0002, CF0003, CF0004; CF0002 took part.
    assert (results["children_who_took_part"].met, results["children_who_took_part"].of) == (1, 3)
    # The decision on the child's participation, due 5 WD before each of the six conferences: only CF0003's, due
    # Tue 29 Sep for Tue 6 Oct (Mon 5, Fri 2, Thu 1, Wed 30, Tue 29 Sep), was recorded by then. CF0004's for Wed 6 Jan
    # 2027 was recorded on the day, late (due Tue 29 Dec: 5, 4 Jan, 31, 30, 29 Dec, as 1 Jan is a bank holiday); the
    # other four were never recorded and closed as cancelled when their conference was held: each a miss.
    assert (
        results["participation_decided_in_advance"].met,
        results["participation_decided_in_advance"].of,
    ) == (1, 6)
    # Contributed: CF0002 in its child-only conference, CF0003 by a drawing; CF0004 was invited and took no part.
    assert (results["children_who_contributed"].met, results["children_who_contributed"].of) == (2, 3)


def test_a_period_with_no_cases_has_counts_of_zero_and_no_percentage(engine: Engine) -> None:
    results = _results(engine, Period(date(2023, 1, 2), date(2023, 1, 31)))
    assert all(result.of == 0 and result.percent is None for result in results.values())


def test_the_table_and_one_chart_per_measure_are_written(engine: Engine, tmp_path: Path) -> None:
    results = list(_results(engine).values())
    table = write_table(tmp_path, results, YEAR)
    charts = write_charts(tmp_path, results, YEAR)
    with table.open(encoding="utf-8") as handle:
        read = list(csv.DictReader(handle))
    assert [row["measure"] for row in read] == [measure.name for measure in MEASURES]
    first = read[0]
    assert (first["met"], first["of"], first["percent"], first["from"], first["to"]) == (
        "1",
        "2",
        "50.0",
        "2026-04-01",
        "2027-03-31",
    )
    assert len(charts) == len(MEASURES) == 13
    assert all(chart.read_bytes().startswith(PNG_SIGNATURE) for chart in charts)


@pytest.mark.both_databases
def test_second_or_later_plans_and_children_follow_the_child_across_its_cases(engine: Engine) -> None:
    build_second_plans(engine)
    with engine.connect() as connection:
        results = {r.name: r for r in measure_all(read_case_facts(connection), YEAR)}
    # Plans started in 2026-27: RC-0001 Fri 8 May (P4401's first), RC-0002 Thu 29 Oct (P4401's second) and
    # RC-0005 Wed 25 Nov (P5502's second: its first began Fri 31 January 2025, on RC-0004).
    assert (results["second_or_later_plans"].met, results["second_or_later_plans"].of) == (2, 3)
    # Conferences in the year: ICPCs 8 May, 29 Oct, 25 Nov and the review of Wed 22 July, of two children
    # (P4401 on two cases, P5502); neither took part in a child-only conference.
    assert (results["children_who_took_part"].met, results["children_who_took_part"].of) == (0, 2)
