"""The CIN census export: a caseload run through the lifecycle, its XML checked by the DfE schema and rules."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import Engine

from tests.integration.returns_caseload import build_caseload
from workflows.cin_census import SCHEMA_DIR, CensusInvalid, CensusYear, build_census, validate_census
from workflows.return_facts import CaseFacts, read_case_facts

YEAR = CensusYear.parse("2026-27")
GENERATED_AT = datetime(2027, 4, 20, 9, 30, tzinfo=UTC)
# Tables of the CIN census that carry the child protection items this export is responsible for.
CP_TABLES = frozenset({"CINdetails", "Section47", "ChildProtectionPlans", "Reviews", "CINplanDates"})
# Rules on those tables that fire only because the case system does not hold the field they ask about.
NOT_HELD = {
    "8610": "PrimaryNeedCode (primary need) is not held",
    "8805": "ReasonForClosure is not held for closures other than death or transfer",
    "2991Q": "Assessments (child and family assessments) are not held",
}


def _facts(engine: Engine) -> list[CaseFacts]:
    build_caseload(engine)
    with engine.connect() as connection:
        return read_case_facts(connection)


def _census(engine: Engine) -> etree._Element:
    return build_census(_facts(engine), YEAR, "999", GENERATED_AT)


def _child(root: etree._Element, reference: str) -> etree._Element:
    found: list[etree._Element] = root.xpath(f"/Message/Children/Child[ChildIdentifiers/LAchildID='{reference}']")
    assert len(found) == 1, f"{reference}: {len(found)} children"
    return found[0]


def _text(element: etree._Element, path: str) -> list[str]:
    return [str(value) for value in element.xpath(f"{path}/text()")]


def test_the_census_of_a_lifecycle_caseload_validates_against_the_dfe_schema(engine: Engine) -> None:
    root = _census(engine)
    validate_census(root, YEAR)
    # CF0007 closed in January 2025, before the census year: the other six are in it.
    assert _text(root, "/Message/Children/Child/ChildIdentifiers/LAchildID") == [
        "CF0001", "CF0002", "CF0003", "CF0004", "CF0005", "CF0006",
    ]  # fmt: skip


def test_the_enquiry_conference_and_plan_of_a_child_come_from_the_audit_trail(engine: Engine) -> None:
    child = _child(_census(engine), "CF0002")
    details = child.find("CINdetails")
    assert _text(details, "Section47/S47ActualStartDate") == ["2026-04-14"]
    # 15 working days after Tue 14 April 2026, Monday 4 May being a bank holiday: Wed 6 May.
    assert _text(details, "Section47/InitialCPCtarget") == ["2026-05-06"]
    assert _text(details, "Section47/DateOfInitialCPC") == ["2026-05-01"]
    assert _text(details, "Section47/ICPCnotRequired") == ["false"]
    assert _text(details, "DateOfInitialCPC") == []  # recorded once, in the enquiry's module
    plan = details.find("ChildProtectionPlans")
    assert _text(plan, "CPPstartDate") == ["2026-05-01"]
    assert _text(plan, "CPPendDate") == ["2027-01-20"]
    assert _text(plan, "InitialCategoryOfAbuse") == ["NEG"]
    assert _text(plan, "LatestCategoryOfAbuse") == ["EMO"]
    assert _text(plan, "NumberOfPreviousCPP") == ["0"]
    assert _text(plan, "Reviews/CPPreviewDate") == ["2026-07-29", "2027-01-20"]
    assert _text(details, "CINclosureDate") == ["2027-01-20"]
    assert _text(child, "ChildIdentifiers/PersonBirthDate") == ["2014-03-10"]


def test_a_plan_from_an_earlier_year_keeps_only_this_years_reviews_and_no_old_enquiry(engine: Engine) -> None:
    details = _child(_census(engine), "CF0004").find("CINdetails")
    assert details.find("Section47") is None  # the enquiry and conference were in April 2024
    assert _text(details, "ChildProtectionPlans/CPPstartDate") == ["2024-04-26"]
    assert _text(details, "ChildProtectionPlans/CPPendDate") == []
    assert _text(details, "ChildProtectionPlans/Reviews/CPPreviewDate") == ["2026-07-08", "2027-01-06"]


def test_cin_plans_enquiries_without_conference_and_referrals_closed_at_once_are_recorded(engine: Engine) -> None:
    root = _census(engine)
    cf0001 = _child(root, "CF0001").find("CINdetails")
    assert _text(cf0001, "CINPlanDates/CINPlanStartDate") == ["2026-06-19"]
    assert _text(cf0001, "CINPlanDates/CINPlanEndDate") == ["2026-11-30"]
    assert _text(cf0001, "Section47/ICPCnotRequired") == ["true"]
    # 15 working days after Tue 2 June 2026: Tue 23 June.
    assert _text(cf0001, "Section47/InitialCPCtarget") == ["2026-06-23"]
    cf0005 = _child(root, "CF0005").find("CINdetails")
    assert _text(cf0005, "ReferralNFA") == ["true"]
    assert cf0005.find("Section47") is None
    assert _text(_child(root, "CF0003").find("CINdetails"), "CINPlanDates/CINPlanStartDate") == ["2026-10-06"]


def test_fields_the_system_does_not_hold_carry_the_dfe_not_recorded_codes(engine: Engine) -> None:
    child = _child(_census(engine), "CF0003")
    assert _text(child, "ChildIdentifiers/GenderCurrent") == ["0"]  # "not recorded"
    assert _text(child, "ChildCharacteristics/Ethnicity") == ["NOBT"]  # "information not yet obtained"
    assert _text(child, "CINdetails/ReferralSource") == ["10"]  # "unknown"
    assert child.find("ChildIdentifiers/UPN") is None
    assert child.find("ChildCharacteristics/Disabilities") is None
    assert child.find("CINdetails/PrimaryNeedCode") is None


def _dfe_issues(xml_path: Path) -> tuple[list[tuple[str, str]], list[str]]:
    from cin_validator import cin_validator
    from cin_validator.rules.cin2026_27 import registry

    tables = cin_validator.process_data(cin_validator.convert_data(ET.parse(xml_path).getroot()))
    validator = cin_validator.CinValidator(tables, registry)
    issues = validator.full_issue_df
    located = sorted({(str(code), str(table)) for code, table in zip(issues["rule_code"], issues["tables_affected"])})
    return located, sorted(str(code) for code in validator.multichild_issues["rule_code"])


def _write(root: etree._Element, path: Path) -> Path:
    path.write_bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    return path


def test_the_dfe_rules_of_2026_27_report_no_error_for_the_child_protection_items(engine: Engine, tmp_path: Path) -> None:
    located, _ = _dfe_issues(_write(_census(engine), tmp_path / "census.xml"))
    on_cp_tables = {code for code, table in located if table in CP_TABLES}
    assert on_cp_tables - NOT_HELD.keys() == set(), located


def test_the_dfe_rules_do_catch_a_child_protection_error_in_the_same_file(engine: Engine, tmp_path: Path) -> None:
    root = _census(engine)
    # A plan ending before it starts: rule 4000-range checks must flag it, proving the rules really run.
    end = root.xpath("//Child[ChildIdentifiers/LAchildID='CF0002']//CPPendDate")[0]
    end.text = "2026-04-01"
    located, _ = _dfe_issues(_write(root, tmp_path / "broken.xml"))
    assert {code for code, table in located if table == "ChildProtectionPlans"} - NOT_HELD.keys(), located


def test_a_census_the_schema_refuses_is_never_accepted(engine: Engine) -> None:
    root = _census(engine)
    category = root.xpath("//InitialCategoryOfAbuse")[0]
    category.text = "ABUSE"
    with pytest.raises(CensusInvalid, match=r"InitialCategoryOfAbuse.*cin_census_2026_27\.xsd"):
        validate_census(root, YEAR)


def test_the_schema_differs_from_the_published_one_only_by_the_named_amendment() -> None:
    published = (SCHEMA_DIR / "cin_census_2024_as_published.xsd").read_text(encoding="utf-8")
    ours = (SCHEMA_DIR / "cin_census_2026_27.xsd").read_text(encoding="utf-8")
    without_comment = ours[: ours.index("<!--")] + ours[ours.index("-->\n") + 4 :]
    amended = published.replace(
        '"NumberOfPreviousCPP" type="xs:positiveInteger"', '"NumberOfPreviousCPP" type="xs:nonNegativeInteger"'
    )
    assert amended != published
    assert without_comment == amended
