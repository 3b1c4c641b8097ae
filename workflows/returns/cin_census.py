"""The child protection parts of the DfE Children in Need census: case facts in, schema-valid census XML out."""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from lxml import etree

from states.input_rules import EARLIEST_YEAR, shown
from workflows.returns.census_module5 import pre_proceedings_blocks
from workflows.returns.errors import CensusInvalid, CensusYearInvalid
from workflows.returns.return_facts import CaseFacts, Plan, previous_plans
from workflows.settings import REPOSITORY_CONFIG_DIR

__all__ = [
    "CensusInvalid",
    "CensusYear",
    "CensusYearInvalid",
    "build_census",
    "census_children",
    "la_child_id",
    "validate_census",
]

SCHEMA_DIR = REPOSITORY_CONFIG_DIR / "schemas"
SOFTWARE_CODE = "caseflow"
# The DfE's own codes for "not recorded" where the schema requires a value the case system does not hold.
SEX_UNKNOWN = "U"
ETHNICITY_NOT_OBTAINED = "NOBT"
REFERRAL_SOURCE_UNKNOWN = "10"
# Reasons for closure the audit trail proves; any other closure keeps the code recorded on the case, if any.
CLOSURE_DIED, CLOSURE_TRANSFERRED = "RC2", "RC5"


@dataclass(frozen=True)
class CensusYear:
    """A census year: 1 April to 31 March; the DfE names the collection by the year it ends in."""

    start: date
    end: date

    @classmethod
    def parse(cls, text: str) -> CensusYear:
        """`2026-27` -> 1 April 2026 to 31 March 2027."""
        # [0-9], not \d: \d matches other scripts' digits too. No census year began before 1900.
        match = re.fullmatch(r"([0-9]{4})-([0-9]{2})", text)
        if match is None or (int(match[1]) + 1) % 100 != int(match[2]) or int(match[1]) < EARLIEST_YEAR:
            raise CensusYearInvalid(f"census year {shown(text)}: expected YYYY-YY with consecutive years, e.g. 2026-27")
        first = int(match[1])
        return cls(date(first, 4, 1), date(first + 1, 3, 31))

    @property
    def label(self) -> str:
        return f"{self.start.year}_{self.end.year % 100:02d}"

    @property
    def schema_path(self) -> Path:
        return SCHEMA_DIR / f"cin_census_{self.label}.xsd"


@cache
def _schema(path: Path) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(path)))


def validate_census(root: etree._Element, year: CensusYear) -> None:
    """Raise CensusInvalid naming the first element the year's DfE schema refuses."""
    if not year.schema_path.is_file():
        raise CensusYearInvalid(f"census year {year.label}: no schema {year.schema_path.name} in {SCHEMA_DIR}")
    schema = _schema(year.schema_path)
    if not schema.validate(root):
        error = schema.error_log[0]
        raise CensusInvalid(f"census XML line {error.line}: {error.message} (schema {year.schema_path.name})")


def _on_or_before(value: date | None, end: date) -> date | None:
    return value if value is not None and value <= end else None


def census_children(facts: Iterable[CaseFacts], year: CensusYear) -> list[CaseFacts]:
    """The cases of children in need at any time in the census year (referred by its end, not closed before it)."""
    return [
        case
        for case in facts
        if case.referral_date <= year.end and (case.closed_date is None or case.closed_date >= year.start)
    ]


# LAchildID: at most 20 letters and digits (DfE rules 1570 and 1580).
LA_CHILD_ID_LENGTH = 20
_NOT_ALPHANUMERIC = re.compile(r"[^A-Za-z0-9]")


def la_child_id(case: CaseFacts) -> str:
    """The DfE's LAchildID: the authority's own child id when the case records one; else the case reference
    without its other characters (CF-2026-0001 -> CF20260001); a reference longer than 20 letters and digits
    becomes R and the first 19 hex digits of its SHA-256, upper case. Either way the same case always gets
    the same id."""
    if case.child_id:
        return case.child_id
    letters = _NOT_ALPHANUMERIC.sub("", case.reference)
    if 0 < len(letters) <= LA_CHILD_ID_LENGTH:
        return letters
    return "R" + hashlib.sha256(case.reference.encode()).hexdigest()[: LA_CHILD_ID_LENGTH - 1].upper()


def _add(parent: etree._Element, tag: str, value: object | None) -> etree._Element | None:
    if value is None or value == "":
        return None
    element = etree.SubElement(parent, tag)
    element.text = value.isoformat() if isinstance(value, date) else str(value)
    return element


def _flag(value: bool) -> str:
    # 1 and 0: the only spelling every CIN schema accepts (the 2023-24 one also took true and false).
    return "1" if value else "0"


def _header(root: etree._Element, year: CensusYear, lea: str, generated_at: datetime) -> None:
    header = etree.SubElement(root, "Header")
    collection = etree.SubElement(header, "CollectionDetails")
    _add(collection, "Collection", "CIN")
    _add(collection, "Year", year.end.year)
    _add(collection, "ReferenceDate", year.end)
    source = etree.SubElement(header, "Source")
    _add(source, "SourceLevel", "L")
    _add(source, "LEA", lea)
    _add(source, "SoftwareCode", SOFTWARE_CODE)
    _add(source, "SerialNo", "001")
    _add(source, "DateTime", generated_at.replace(microsecond=0, tzinfo=None).isoformat())


def _latest(cases: Sequence[CaseFacts], read: Callable[[CaseFacts], Any]) -> Any:
    """The value the most recent of a child's cases (by referral) records, looking back past cases without one."""
    return next((value for case in reversed(cases) if (value := read(case))), None)


def _identifiers(child: etree._Element, cases: Sequence[CaseFacts]) -> None:
    """The child's identifiers and characteristics, from the newest of its cases that records each."""
    born = _latest(cases, lambda case: case.date_of_birth)
    ids = etree.SubElement(child, "ChildIdentifiers")
    _add(ids, "LAchildID", la_child_id(cases[-1]))
    _add(ids, "UPN", _latest(cases, lambda case: case.upn))
    _add(ids, "PersonBirthDate", born)
    _add(ids, "ExpectedPersonBirthDate", None if born else _latest(cases, lambda case: case.expected_delivery_date))
    # DfE rule 8750: an unborn child's sex is U, whatever the referral said.
    _add(ids, "Sex", (_latest(cases, lambda case: case.sex) if born else None) or SEX_UNKNOWN)
    characteristics = etree.SubElement(child, "ChildCharacteristics")
    ethnicity = _latest(cases, lambda case: case.record.get("ethnicity"))
    _add(characteristics, "Ethnicity", ethnicity or ETHNICITY_NOT_OBTAINED)
    disabilities = _latest(cases, lambda case: case.record.get("disabilities")) or []
    if disabilities:
        listed = etree.SubElement(characteristics, "Disabilities")
        for code in disabilities:
            _add(listed, "Disability", code)


def _reason_for_closure(case: CaseFacts) -> str | None:
    if case.death:
        return CLOSURE_DIED
    if case.transferred_out:
        return CLOSURE_TRANSFERRED
    recorded = case.record.get("reason_for_closure")
    return str(recorded) if recorded else None


def _in_year(value: date | None, year: CensusYear) -> date | None:
    return value if value is not None and year.start <= value <= year.end else None


def _section47_in_year(case: CaseFacts, year: CensusYear) -> bool:
    """An enquiry belongs to the year it started in, or ended in, or was still open during."""
    started = case.strategy_discussion_date
    if started is None or started > year.end:
        return False
    ended = case.icpc_date or case.icpc_not_required_date or case.closed_date
    return ended is None or ended >= year.start


def _section47(details: etree._Element, case: CaseFacts, year: CensusYear) -> None:
    section = etree.SubElement(details, "Section47")
    _add(section, "S47ActualStartDate", case.strategy_discussion_date)
    _add(section, "InitialCPCtarget", case.icpc_target)
    _add(section, "DateOfInitialCPC", _in_year(case.icpc_date, year))
    not_required = _on_or_before(case.icpc_not_required_date, year.end) is not None
    closed_without = case.icpc_date is None and _on_or_before(case.closed_date, year.end) is not None
    _add(section, "ICPCnotRequired", _flag(not_required or closed_without))


def _plan(details: etree._Element, plan: Plan, previous: int, year: CensusYear) -> None:
    element = etree.SubElement(details, "ChildProtectionPlans")
    _add(element, "CPPstartDate", plan.start)
    _add(element, "CPPendDate", _on_or_before(plan.end, year.end))
    _add(element, "InitialCategoryOfAbuse", plan.initial_category)
    # The category as at the census date: a change at a review after it is not yet known then.
    _add(element, "LatestCategoryOfAbuse", plan.category_on(year.end))
    _add(element, "NumberOfPreviousCPP", previous)
    reviews = [held for held in plan.reviews if year.start <= held <= year.end]
    if reviews:
        listed = etree.SubElement(element, "Reviews")
        for held in reviews:
            _add(listed, "CPPreviewDate", held)


def _cin_details(child: etree._Element, case: CaseFacts, previous: int, year: CensusYear) -> None:
    end = year.end
    details = etree.SubElement(child, "CINdetails")
    closed = _on_or_before(case.closed_date, end)
    _add(details, "CINreferralDate", case.referral_date)
    _add(details, "ReferralSource", case.record.get("referral_source") or REFERRAL_SOURCE_UNKNOWN)
    _add(details, "PrimaryNeedCode", case.record.get("primary_need_code"))
    _add(details, "CINclosureDate", closed)
    _add(details, "ReasonForClosure", _reason_for_closure(case) if closed else None)
    enquiry = _section47_in_year(case, year)
    # The DfE records a conference once: in its enquiry's module, else (a transfer-in) at the CIN details level.
    _add(details, "DateOfInitialCPC", None if enquiry else _in_year(case.icpc_date, year))
    cin_start = _on_or_before(case.cin_plan_start, end)
    if cin_start is not None:
        dates = etree.SubElement(details, "CINPlanDates")
        _add(dates, "CINPlanStartDate", cin_start)
        _add(dates, "CINPlanEndDate", _on_or_before(case.cin_plan_end, end))
    if enquiry:
        _section47(details, case, year)
    _add(details, "ReferralNFA", _flag(case.referral_nfa and closed is not None))
    plan = case.plan
    if plan is not None and plan.start <= end and (plan.end is None or plan.end >= year.start):
        _plan(details, plan, previous, year)
    pre_proceedings_blocks(details, case.pre_proceedings, year.start, year.end)


def _children(cases: Iterable[CaseFacts]) -> list[list[CaseFacts]]:
    """The cases grouped by child, each child's oldest referral first, the children in LAchildID order.

    Two children may not share an LAchildID (a reference reduced to the same letters and digits as another
    case's, or as a recorded child id): the census would merge them, so that is refused, naming the cases.
    """
    by_child: dict[str, list[CaseFacts]] = defaultdict(list)
    for case in cases:
        by_child[case.child_key].append(case)
    children = [sorted(group, key=lambda case: (case.referral_date, case.reference)) for group in by_child.values()]
    sent_as: dict[str, list[CaseFacts]] = {}
    for group in children:
        other = sent_as.setdefault(la_child_id(group[-1]), group)
        if other is not group:
            raise CensusInvalid(
                f"cases {other[-1].reference} and {group[-1].reference} are different children with the same "
                "LAchildID: give one of them the authority's child id (child_id at referral)"
            )
    return sorted(children, key=lambda group: la_child_id(group[-1]))


def build_census(facts: Sequence[CaseFacts], year: CensusYear, lea: str, generated_at: datetime) -> etree._Element:
    """The census `Message` for the children in need in `year`: one Child per child, with a CINdetails per
    case of the year; NumberOfPreviousCPP counts the child's earlier plans on any case, in any year."""
    root = etree.Element("Message")
    _header(root, year, lea, generated_at)
    children = etree.SubElement(root, "Children")
    previous = previous_plans(facts)
    for cases in _children(census_children(facts, year)):
        child = etree.SubElement(children, "Child")
        _identifiers(child, cases)
        for case in cases:
            _cin_details(child, case, previous.get(case.reference, 0), year)
    return root
