"""Ofsted Annex A lists 5 and 7 from a caseload run through the lifecycle, as CSV and XLSX."""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine

from states.case import Actor
from tests.integration.returns_caseload import build_caseload, build_second_plans
from tests.staff_builders import add_staff
from workflows.returns import LISTS, CaseFacts, months_before, read_case_facts, rows, write_csv, write_xlsx
from workflows.services import StaffEntry

# Six months before Sun 31 January 2027 is Sat 31 July 2026: the lists' window, both days included.
AS_OF = date(2027, 1, 31)


def _facts(engine: Engine) -> list[CaseFacts]:
    build_caseload(engine)
    with engine.connect() as connection:
        return read_case_facts(connection)


def _by_heading(annex: int, facts: list[CaseFacts], as_of: date) -> list[dict[str, object]]:
    columns = LISTS[annex].columns
    return [dict(zip(columns, row, strict=True)) for row in rows(LISTS[annex], facts, as_of)]


def test_six_months_before_clamps_to_the_end_of_a_shorter_month() -> None:
    assert months_before(date(2027, 1, 31), 6) == date(2026, 7, 31)
    assert months_before(date(2026, 8, 31), 6) == date(2026, 2, 28)
    assert months_before(date(2028, 8, 31), 6) == date(2028, 2, 29)  # 2028 is a leap year


@pytest.mark.both_databases
def test_list_5_holds_the_enquiries_and_conferences_of_the_six_months(engine: Engine) -> None:
    listed = _by_heading(5, _facts(engine), AS_OF)
    # CF0003 (enquiry Tue 8 Sep 2026, ICPC Tue 6 Oct) and CF0006 (enquiry Tue 6 Oct); the others' are before 31 July.
    assert [row["Child Unique ID"] for row in listed] == ["CF0003", "CF0006"]
    cf0003, cf0006 = listed
    assert cf0003["Strategy discussion initiating Section 47 Enquiry Start Date"] == date(2026, 9, 8)
    assert cf0003["Was an Initial Child Protection Conference deemed unnecessary?"] == "No"
    assert cf0003["Date of Initial Child Protection Conference"] == date(2026, 10, 6)
    assert cf0003["Did the Initial Child Protection Conference Result in a Child Protection Plan"] == "No"
    assert cf0003["Age of Child (Years)"] == 7  # born 2 February 2019
    assert cf0003["Number of ICPCs in the last 12 months"] == 1
    assert cf0006["Was an Initial Child Protection Conference deemed unnecessary?"] == "Yes"
    assert cf0006["Date of Initial Child Protection Conference"] is None
    assert cf0006["Number of Section 47 Enquiries in the last 12 months"] == 1
    assert cf0006["Gender"] is None and cf0006["Ethnicity"] is None  # not held: left empty


@pytest.mark.both_databases
def test_list_7_holds_children_on_a_plan_and_plans_ended_in_the_six_months(engine: Engine) -> None:
    listed = _by_heading(7, _facts(engine), AS_OF)
    assert [row["Child Unique ID"] for row in listed] == ["CF0002", "CF0004"]
    ended, running = listed
    assert ended["Child Protection Plan Start Date"] == date(2026, 5, 1)
    assert ended["Initial Category of Abuse"] == "NEG"
    assert ended["Latest Category of Abuse"] == "EMO"
    assert ended["Date of the Last Statutory Visit"] == date(2026, 5, 21)
    assert ended["Was the Child Seen Alone?"] == "No"
    assert ended["Date of latest review conference"] == date(2027, 1, 20)
    assert ended["Child Protection Plan End Date"] == date(2027, 1, 20)
    assert ended["Number of Previous Child Protection Plans"] == 0
    assert running["Child Protection Plan End Date"] is None
    assert running["Date of latest review conference"] == date(2027, 1, 6)
    assert running["Date of the Last Statutory Visit"] is None  # the visit of 15 March 2027 is after the date


def test_lists_as_of_an_earlier_date_know_nothing_decided_after_it(engine: Engine) -> None:
    facts = _facts(engine)
    # As of Tue 30 June 2026: CF0002's category changed to EMO only at the review of 29 July.
    on_plan = {row["Child Unique ID"]: row for row in _by_heading(7, facts, date(2026, 6, 30))}
    assert on_plan["CF0002"]["Latest Category of Abuse"] == "NEG"
    assert on_plan["CF0002"]["Child Protection Plan End Date"] is None
    assert on_plan["CF0002"]["Was the Child Seen Alone?"] == "No"  # the last visit, 21 May, not alone
    enquiries = [row["Child Unique ID"] for row in _by_heading(5, facts, date(2026, 6, 30))]
    assert enquiries == ["CF0001", "CF0002"]


def test_the_csv_and_xlsx_carry_the_ofsted_template_headings_and_dates(engine: Engine, tmp_path: Path) -> None:
    facts = _facts(engine)
    tables = [(LISTS[n], rows(LISTS[n], facts, AS_OF)) for n in (5, 7)]
    write_csv(tmp_path / "list7.csv", *tables[1])
    with (tmp_path / "list7.csv").open(encoding="utf-8") as handle:
        read = list(csv.reader(handle))
    assert read[0][:7] == [
        "Child Unique ID",
        "Gender",
        "Ethnicity",
        "Date of Birth",
        "Age of Child (Years)",
        "Does the Child have a Disability",
        "Child Protection Plan Start Date",
    ]
    assert read[1][0] == "CF0002" and read[1][6] == "01/05/2026" and read[1][1] == ""
    write_xlsx(tmp_path / "annex_a.xlsx", tables)
    workbook = load_workbook(tmp_path / "annex_a.xlsx")
    assert workbook.sheetnames == ["List 5", "List 7"]
    sheet = workbook["List 5"]
    assert sheet["G1"].value == "Strategy discussion initiating Section 47 Enquiry Start Date"
    assert sheet["A2"].value == "CF0003"
    assert sheet["G2"].value == datetime(2026, 9, 8)
    assert sheet["G2"].number_format == "dd/mm/yyyy"


def test_a_child_s_earlier_cases_count_in_its_enquiries_icpcs_and_previous_plans(engine: Engine) -> None:
    build_second_plans(engine)
    with engine.connect() as connection:
        facts = read_case_facts(connection)
    # The window: Sat 31 July 2026 to Sun 31 January 2027. RC-0001's plan ended Wed 22 July, before it.
    on_plan = _by_heading(7, facts, AS_OF)
    assert [row["Child Unique ID"] for row in on_plan] == ["P4401", "P5502"]
    p4401, p5502 = on_plan
    assert p4401["Child Protection Plan Start Date"] == date(2026, 10, 29)
    assert p4401["Number of Previous Child Protection Plans"] == 1  # RC-0001's, 8 May to 22 July 2026
    assert p5502["Number of Previous Child Protection Plans"] == 1  # RC-0004's, January to April 2025
    assert (p4401["Gender"], p5502["Gender"]) == ("Female", "Male")
    enquiries = {row["Child Unique ID"]: row for row in _by_heading(5, facts, AS_OF)}
    # Since Sun 31 January 2026: P4401's enquiries Tue 21 April and Tue 13 October, ICPCs Fri 8 May and
    # Thu 29 October; P5502's enquiry of Tue 14 January 2025 is older than twelve months.
    assert (
        enquiries["P4401"]["Number of Section 47 Enquiries in the last 12 months"],
        enquiries["P4401"]["Number of ICPCs in the last 12 months"],
    ) == (2, 2)
    assert enquiries["P5502"]["Number of Section 47 Enquiries in the last 12 months"] == 1
    assert sorted(enquiries) == ["P4401", "P5502"]  # RC-0003 closed at referral on 9 June: no enquiry


@pytest.mark.both_databases
def test_the_allocated_worker_column_holds_the_cases_allocated_worker(engine: Engine) -> None:
    service = build_caseload(engine)
    add_staff(engine, [StaffEntry("sw-7", "sw-7@example.org", ("social_worker",), ())])
    # CF0004's plan is still running on Sun 31 January 2027: it may be allocated then.
    service.fire("CF0004", "allocate", {"worker": "sw-7"}, Actor("tm-1", "team_manager"), AS_OF)
    with engine.connect() as connection:
        listed = _by_heading(7, read_case_facts(connection), AS_OF)
    assert {row["Child Unique ID"]: row["Allocated Worker"] for row in listed} == {"CF0002": None, "CF0004": "sw-7"}
