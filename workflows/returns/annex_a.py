"""Ofsted inspection Annex A, lists 5 (section 47 enquiries and ICPCs) and 7 (child protection plans).

Column headings are those of the Ofsted Annex A template, as the liia-tools project (SocialFinanceDigitalLabs/
liia-tools, liiatools/spec/annex_a/annex-a-merge.yml, "List 5" and "List 7") records them. Gender is the child's sex as
given at referral (Male, Female, Unknown); "Allocated Worker" is the staff id of the case's allocated worker as it
stands when the return is made (the allocation is kept, not its history); fields the case system does not hold
(ethnicity, disability, emergency protection) are left empty unless the case record holds them.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from openpyxl import Workbook

from workflows.returns.cin_census import la_child_id
from workflows.returns.errors import AnnexAInvalid
from workflows.returns.return_facts import CaseFacts, previous_plans

__all__ = ["LISTS", "AnnexAInvalid", "AnnexAList", "months_before", "rows", "write_csv", "write_xlsx"]

Cell = str | int | date | None


CHILD_COLUMNS = (
    "Child Unique ID",
    "Gender",
    "Ethnicity",
    "Date of Birth",
    "Age of Child (Years)",
    "Does the Child have a Disability",
)
LIST_5_COLUMNS = (
    *CHILD_COLUMNS,
    "Strategy discussion initiating Section 47 Enquiry Start Date",
    "Was an Initial Child Protection Conference deemed unnecessary?",
    "Date of Initial Child Protection Conference",
    "Did the Initial Child Protection Conference Result in a Child Protection Plan",
    "Number of Section 47 Enquiries in the last 12 months",
    "Number of ICPCs in the last 12 months",
    "Allocated Team",
    "Allocated Worker",
)
LIST_7_COLUMNS = (
    *CHILD_COLUMNS,
    "Child Protection Plan Start Date",
    "Initial Category of Abuse",
    "Latest Category of Abuse",
    "Date of the Last Statutory Visit",
    "Was the Child Seen Alone?",
    "Date of latest review conference",
    "Child Protection Plan End Date",
    "Subject to Emergency Protection Order or Protected Under Police Powers in Last Six Months (Y/N)",
    "Number of Previous Child Protection Plans",
    "Allocated Team",
    "Allocated Worker",
)


def months_before(day: date, months: int) -> date:
    """The same day `months` calendar months earlier, clamped to the month's end (31 Aug -> 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    for last in (31, 30, 29, 28):
        try:
            return date(year, month + 1, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has a 28th")


def _age(born: date | None, on: date) -> int | None:
    if born is None or born > on:
        return None
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _yes_no(value: bool | None) -> str | None:
    return None if value is None else ("Yes" if value else "No")


def _known(value: date | None, as_of: date) -> date | None:
    return value if value is not None and value <= as_of else None


# The census sex codes in the template's words.
GENDER = {"M": "Male", "F": "Female", "U": "Unknown"}


def _child(case: CaseFacts, as_of: date) -> list[Cell]:
    record = case.record
    gender = GENDER.get(case.sex or "") or record.get("gender")
    return [
        la_child_id(case),
        gender,
        record.get("ethnicity"),
        case.date_of_birth,
        _age(case.date_of_birth, as_of),
        record.get("disability"),
    ]


def _same_child(case: CaseFacts, caseload: Sequence[CaseFacts]) -> list[CaseFacts]:
    """The child's cases: those with its child id, or the case alone when it records none."""
    return [other for other in caseload if other.child_key == case.child_key]


def _between(day: date | None, first: date, last: date) -> bool:
    return day is not None and first <= day <= last


def _list_5_row(case: CaseFacts, caseload: Sequence[CaseFacts], as_of: date) -> list[Cell]:
    year_ago = months_before(as_of, 12)
    same_child = _same_child(case, caseload)
    enquiries = sum(1 for c in same_child if _between(c.strategy_discussion_date, year_ago, as_of))
    icpcs = sum(1 for c in same_child if _between(c.icpc_date, year_ago, as_of))
    icpc = _known(case.icpc_date, as_of)
    unnecessary = _known(case.icpc_not_required_date, as_of) is not None
    decided = icpc is not None or unnecessary
    outcome = _yes_no(case.icpc_outcome == "cp_plan") if icpc is not None else None
    return [
        *_child(case, as_of),
        case.strategy_discussion_date,
        _yes_no(unnecessary) if decided else None,
        icpc,
        outcome,
        enquiries,
        icpcs,
        case.team,
        case.allocated_worker,
    ]


def _list_7_row(case: CaseFacts, caseload: Sequence[CaseFacts], as_of: date) -> list[Cell]:
    plan = case.plan
    assert plan is not None  # only cases with a plan reach here
    visits = [v for v in case.visits if v.child_seen and v.on <= as_of]
    last = max(visits, key=lambda v: v.on, default=None)
    reviews = [held for held in plan.reviews if held <= as_of]
    previous = previous_plans(_same_child(case, caseload))[case.reference]
    return [
        *_child(case, as_of),
        plan.start,
        plan.initial_category,
        plan.category_on(as_of),
        last.on if last else None,
        _yes_no(last.seen_alone) if last else None,
        max(reviews, default=None),
        _known(plan.end, as_of),
        case.record.get("emergency_protection"),
        previous,
        case.team,
        case.allocated_worker,
    ]


def _in_list_5(case: CaseFacts, since: date, as_of: date) -> bool:
    enquiry = case.strategy_discussion_date
    icpc = case.icpc_date
    return (enquiry is not None and since <= enquiry <= as_of) or (icpc is not None and since <= icpc <= as_of)


def _in_list_7(case: CaseFacts, since: date, as_of: date) -> bool:
    plan = case.plan
    if plan is None or plan.start > as_of:
        return False
    return plan.end is None or plan.end > as_of or since <= plan.end


@dataclass(frozen=True)
class AnnexAList:
    """One Annex A list: its number, sheet title, column headings, who is in it and each child's row."""

    number: int
    title: str
    columns: tuple[str, ...]
    includes: Callable[[CaseFacts, date, date], bool]
    row: Callable[[CaseFacts, Sequence[CaseFacts], date], list[Cell]]


LISTS: dict[int, AnnexAList] = {
    5: AnnexAList(5, "List 5", LIST_5_COLUMNS, _in_list_5, _list_5_row),
    7: AnnexAList(7, "List 7", LIST_7_COLUMNS, _in_list_7, _list_7_row),
}


def rows(annex_list: AnnexAList, caseload: Sequence[CaseFacts], as_of: date) -> list[list[Cell]]:
    """The list's rows as at `as_of` (its window: the six months before, that day included), by child id."""
    since = months_before(as_of, 6)
    included = [case for case in caseload if case.referral_date <= as_of and annex_list.includes(case, since, as_of)]
    ordered = sorted(included, key=lambda case: (la_child_id(case), case.referral_date))
    return [annex_list.row(case, caseload, as_of) for case in ordered]


def _text(value: Cell) -> str:
    if value is None:
        return ""
    return value.strftime("%d/%m/%Y") if isinstance(value, date) else str(value)


def write_csv(path: Path, annex_list: AnnexAList, table: Sequence[Sequence[Cell]]) -> None:
    """One list as CSV: the template's headings, dates as dd/mm/yyyy, empty cells for what is not held."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(annex_list.columns)
        writer.writerows([_text(cell) for cell in row] for row in table)


def write_xlsx(path: Path, tables: Sequence[tuple[AnnexAList, Sequence[Sequence[Cell]]]]) -> None:
    """The lists as sheets of one workbook, named as in the template ("List 5", "List 7")."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for annex_list, table in tables:
        sheet = workbook.create_sheet(annex_list.title)
        sheet.append(list(annex_list.columns))
        for row in table:
            sheet.append(list(row))
        for cells in sheet.iter_rows(min_row=2):
            for cell in cells:
                if isinstance(cell.value, date):
                    cell.number_format = "dd/mm/yyyy"
    workbook.save(path)
