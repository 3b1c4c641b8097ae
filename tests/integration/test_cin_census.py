"""The CIN census export: a caseload run through the lifecycle, its XML checked by the DfE schema and rules."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from lxml import etree
from sqlalchemy import Engine

from states.errors import InvalidEventData
from states.event_data import parse_event_data
from tests.integration.returns_caseload import OVERRIDE, POLICIES, Journey, build_caseload, build_second_plans
from workflows.persistence import AuditEventRow, CaseRow, OutboxRow, make_session_factory
from workflows.returns import (
    SCHEMA_DIR,
    CaseFacts,
    CensusInvalid,
    CensusYear,
    Period,
    build_census,
    la_child_id,
    measure_all,
    read_case_facts,
    validate_census,
)
from workflows.services import CaseService

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
    build_second_plans(engine)
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


@pytest.mark.both_databases
def test_the_census_of_a_lifecycle_caseload_validates_against_the_dfe_schema(engine: Engine) -> None:
    root = _census(engine)
    validate_census(root, YEAR)
    # CF0007 closed in January 2025, before the census year: the other six are in it. P4401 and P5502 are the
    # children with two cases each (their authority child ids); RC-0003 has none: its reference's letters and digits.
    assert _text(root, "/Message/Children/Child/ChildIdentifiers/LAchildID") == [
        "CF0001",
        "CF0002",
        "CF0003",
        "CF0004",
        "CF0005",
        "CF0006",
        "P4401",
        "P5502",
        "RC0003",
    ]


@pytest.mark.both_databases
def test_the_enquiry_conference_and_plan_of_a_child_come_from_the_audit_trail(engine: Engine) -> None:
    child = _child(_census(engine), "CF0002")
    details = child.find("CINdetails")
    assert _text(details, "Section47/S47ActualStartDate") == ["2026-04-14"]
    # 15 working days after Tue 14 April 2026, Monday 4 May being a bank holiday: Wed 6 May.
    assert _text(details, "Section47/InitialCPCtarget") == ["2026-05-06"]
    assert _text(details, "Section47/DateOfInitialCPC") == ["2026-05-01"]
    assert _text(details, "Section47/ICPCnotRequired") == ["0"]
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
    assert _text(cf0001, "Section47/ICPCnotRequired") == ["1"]
    # 15 working days after Tue 2 June 2026: Tue 23 June.
    assert _text(cf0001, "Section47/InitialCPCtarget") == ["2026-06-23"]
    cf0005 = _child(root, "CF0005").find("CINdetails")
    assert _text(cf0005, "ReferralNFA") == ["1"]
    assert cf0005.find("Section47") is None
    assert _text(_child(root, "CF0003").find("CINdetails"), "CINPlanDates/CINPlanStartDate") == ["2026-10-06"]


def test_fields_the_system_does_not_hold_carry_the_dfe_not_recorded_codes(engine: Engine) -> None:
    child = _child(_census(engine), "CF0003")
    assert _text(child, "ChildIdentifiers/Sex") == ["U"]  # "unknown": the referral gave none
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
    located = sorted(
        {(str(code), str(table)) for code, table in zip(issues["rule_code"], issues["tables_affected"], strict=True)}
    )
    return located, sorted(str(code) for code in validator.multichild_issues["rule_code"])


def _write(root: etree._Element, path: Path) -> Path:
    path.write_bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    return path


def test_the_dfe_rules_of_2026_27_report_no_error_for_the_child_protection_items(
    engine: Engine, tmp_path: Path
) -> None:
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


# The three amendments the 2026-27 schema's header comment names, with their evidence, and nothing else.
AMENDMENTS = (
    ('"NumberOfPreviousCPP" type="xs:positiveInteger"', '"NumberOfPreviousCPP" type="xs:nonNegativeInteger"'),
    (
        '<xs:element name="GenderCurrent" type="gendertype" minOccurs="1" maxOccurs="1"/>',
        '<xs:element name="Sex" type="sextype" minOccurs="1" maxOccurs="1"/>',
    ),
    (
        '  <xs:simpleType name="gendertype">',
        """  <xs:simpleType name="sextype">
    <xs:restriction base="nonEmptyString">
      <xs:enumeration value="M"/>
      <xs:enumeration value="F"/>
      <xs:enumeration value="U"/>
    </xs:restriction>
  </xs:simpleType>

  <xs:simpleType name="gendertype">""",
    ),
    (
        '<xs:element name="ChildProtectionPlans" type="childprotectionplanstype" minOccurs="0" maxOccurs="unbounded"/>',
        '<xs:element name="ChildProtectionPlans" type="childprotectionplanstype" minOccurs="0" maxOccurs="unbounded"/>\n'
        '      <xs:element name="PreProceedingsandFGDM" type="preproceedingsandfgdmtype" minOccurs="0" '
        'maxOccurs="unbounded"/>',
    ),
    (
        '  <xs:complexType name="assessmentstype">',
        """  <xs:complexType name="preproceedingsandfgdmtype">
    <xs:sequence>
"""
        + "".join(
            f'      <xs:element name="{name}" type="{kind}" minOccurs="0" maxOccurs="1"/>\n'
            for name, kind in (
                ("PPStartDate", "xs:date"),
                ("LBPSentDate", "xs:date"),
                ("FGDMMeetingOffer", "yesnotype"),
                ("FGDMMeetingFac", "yesnotype"),
                ("InitialPPMeetingDate", "xs:date"),
                ("ReviewMeetingsCount", "xs:nonNegativeInteger"),
                ("StepDecisionDate", "xs:date"),
                ("PPOutcome", "ppoutcometype"),
                ("CourtAppDate", "xs:date"),
                ("LetterInitCPDate", "xs:date"),
            )
        )
        + """    </xs:sequence>
  </xs:complexType>

  <xs:simpleType name="ppoutcometype">
    <xs:restriction base="nonEmptyString">
      <xs:enumeration value="A"/>
      <xs:enumeration value="B"/>
      <xs:enumeration value="C"/>
    </xs:restriction>
  </xs:simpleType>

  <xs:complexType name="assessmentstype">""",
    ),
)


def test_the_schema_differs_from_the_published_one_only_by_the_named_amendments() -> None:
    published = (SCHEMA_DIR / "cin_census_2024_as_published.xsd").read_text(encoding="utf-8")
    ours = (SCHEMA_DIR / "cin_census_2026_27.xsd").read_text(encoding="utf-8")
    without_comment = ours[: ours.index("<!--")] + ours[ours.index("-->\n") + 4 :]
    amended = published
    for old, new in AMENDMENTS:
        assert amended.count(old) == 1, old
        amended = amended.replace(old, new)
    assert without_comment == amended


@pytest.mark.both_databases
def test_a_child_s_two_cases_are_one_child_with_two_cin_details_and_the_second_plan_counts_the_first(
    engine: Engine,
) -> None:
    child = _child(_census(engine), "P4401")
    assert _text(child, "ChildIdentifiers/Sex") == ["F"]
    assert _text(child, "ChildIdentifiers/UPN") == ["T201000123456"]
    assert _text(child, "ChildIdentifiers/PersonBirthDate") == ["2016-05-14"]
    # RC-0001 (referred Mon 20 April 2026, plan Fri 8 May to Wed 22 July) then RC-0002 (referred Mon 12 October,
    # plan from Thu 29 October): the first plan had none before it, the second has the first.
    assert _text(child, "CINdetails/CINreferralDate") == ["2026-04-20", "2026-10-12"]
    assert _text(child, "CINdetails/ChildProtectionPlans/CPPstartDate") == ["2026-05-08", "2026-10-29"]
    assert _text(child, "CINdetails/ChildProtectionPlans/NumberOfPreviousCPP") == ["0", "1"]
    assert _text(child, "CINdetails/CINclosureDate") == ["2026-07-22"]
    # 15 working days after Tue 21 April 2026, Mon 4 May a bank holiday: Wed 13 May; after Tue 13 Oct: Tue 3 Nov.
    assert _text(child, "CINdetails/Section47/InitialCPCtarget") == ["2026-05-13", "2026-11-03"]


def test_a_plan_of_an_earlier_year_counts_as_previous_though_its_case_is_not_in_the_census(engine: Engine) -> None:
    child = _child(_census(engine), "P5502")
    # RC-0004's plan (31 January to 23 April 2025) closed before the year: only RC-0005 is sent, with one before.
    assert _text(child, "CINdetails/CINreferralDate") == ["2026-11-09"]
    assert _text(child, "CINdetails/ChildProtectionPlans/NumberOfPreviousCPP") == ["1"]
    assert _text(child, "ChildIdentifiers/Sex") == ["M"]
    assert child.find("ChildIdentifiers/UPN") is None  # none given: left out, never invented


def _case(reference: str, child_id: str | None = None) -> CaseFacts:
    return CaseFacts(
        reference=reference,
        authority="default",
        team=None,
        status="referred",
        date_of_birth=date(2015, 10, 1),
        expected_delivery_date=None,
        referral_date=date(2026, 6, 1),
        child_id=child_id,
    )


def test_la_child_id_is_the_child_id_else_the_reference_s_letters_and_digits() -> None:
    assert la_child_id(_case("CF-2026-0001", child_id="P4401")) == "P4401"
    assert la_child_id(_case("CF-2026-0001")) == "CF20260001"
    long_reference = "LONDON-BOROUGH-2026-000123"  # 22 letters and digits: more than the 20 allowed
    derived = la_child_id(_case(long_reference))
    assert len(derived) == 20 and derived.isalnum() and derived.startswith("R")
    assert la_child_id(_case(long_reference)) == derived  # stable
    assert la_child_id(_case(long_reference + "4")) != derived


def test_an_unborn_child_s_sex_is_sent_as_u_whatever_the_referral_said() -> None:
    unborn = replace(_case("PB-1"), date_of_birth=None, expected_delivery_date=date(2026, 9, 1), sex="F")
    child = build_census([unborn], YEAR, "999", GENERATED_AT).find("Children/Child")
    assert _text(child, "ChildIdentifiers/Sex") == ["U"]  # DfE rule 8750
    assert _text(child, "ChildIdentifiers/ExpectedPersonBirthDate") == ["2026-09-01"]
    born = replace(unborn, date_of_birth=date(2026, 8, 28))
    assert _text(build_census([born], YEAR, "999", GENERATED_AT), "//Sex") == ["F"]


def test_two_children_that_would_share_an_la_child_id_are_refused_naming_the_cases() -> None:
    with pytest.raises(CensusInvalid, match=r"cases CF-1 and CF1 are different children with the same LAchildID"):
        build_census([_case("CF-1"), _case("CF1")], YEAR, "999", GENERATED_AT)


def test_the_child_s_id_sex_and_upn_stay_on_the_case_row_out_of_audit_and_outbox_payloads(engine: Engine) -> None:
    build_second_plans(engine)
    with engine.connect() as connection:
        row = connection.execute(sa.select(CaseRow).where(CaseRow.reference == "RC-0001")).one()
        assert (row.child_id, row.sex, row.upn) == ("P4401", "F", "T201000123456")
        audited = connection.execute(sa.select(AuditEventRow.payload)).scalars().all()
        queued = connection.execute(sa.select(OutboxRow.payload)).scalars().all()
    for payload in [*audited, *queued]:
        # The audit payload names the personal fields a trigger carried, each with a keyed hash of its value (so the
        # chain proves them without holding them); the values themselves are never there.
        hashes = payload.get("private", {}) if isinstance(payload, dict) else {}
        assert all(len(value) == 64 and value not in ("F", "P4401") for value in hashes.values()), payload
        without_hashes = {key: value for key, value in payload.items() if key != "private"}
        text = json.dumps(without_hashes)
        assert "P4401" not in text and "T201000123456" not in text and '"sex"' not in text, text


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("child_id", "P-4401", "child_id: String should match pattern '^[A-Za-z0-9]{1,20}$'"),
        ("sex", "female", "sex: Input should be 'M', 'F' or 'U'"),
        ("upn", "T20100012345", "upn: String should match pattern '^[A-Za-z][0-9]{11}[0-9A-Za-z]$'"),
    ],
)
def test_a_malformed_child_identity_is_refused_without_repeating_it(field: str, value: str, expected: str) -> None:
    data = {"referral_date": "2026-06-01", "date_of_birth": "2015-10-01", field: value}
    with pytest.raises(InvalidEventData) as refused:
        parse_event_data("receive_referral", data)
    assert str(refused.value) == f"receive_referral: {expected}"
    assert value not in str(refused.value)


def test_a_transfer_in_counts_the_plan_the_child_had_in_the_other_authority(engine: Engine) -> None:
    service = CaseService(make_session_factory(engine), POLICIES)
    # Notice of the permanent move Mon 15 June 2026 (the child on a plan there); the transfer-in conference, booked
    # Tue 16 June, held Thu 2 July.
    (
        Journey(service, "TI-0001")
        .fire(
            "receive_transfer_in",
            "2026-06-15",
            transfer_notice_date="2026-06-15",
            date_of_birth="2018-02-11",
            child_id="P6603",
            earlier_plans_elsewhere=1,
        )
        .fire("set_conference_date", "2026-06-16", conference_date="2026-07-02")
        .fire("hold_icpc", "2026-07-02", date="2026-07-02", outcome="cp_plan", category="NEG", override_reason=OVERRIDE)
    )
    with engine.connect() as connection:
        facts = read_case_facts(connection)
    details = _child(build_census(facts, YEAR, "999", GENERATED_AT), "P6603").find("CINdetails")
    assert _text(details, "DateOfInitialCPC") == ["2026-07-02"]  # no enquiry here: at the CIN details level
    assert _text(details, "ChildProtectionPlans/NumberOfPreviousCPP") == ["1"]
    measured = {r.name: r for r in measure_all(facts, Period(date(2026, 4, 1), date(2027, 3, 31)))}
    assert (measured["second_or_later_plans"].met, measured["second_or_later_plans"].of) == (1, 1)
