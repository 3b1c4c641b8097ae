"""The demo caseload holds its conferences on working days, so the DfE rules find no weekend conference in its census."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime
from pathlib import Path

import sqlalchemy as sa
from lxml import etree

from workflows.persistence import load_all_policies
from workflows.returns import CensusYear, build_census, read_case_facts
from workflows.services import load_demo
from workflows.settings import REPOSITORY_CONFIG_DIR

# A Sunday as "today", so the demo's history, counted back from it, crosses weekends and the Christmas bank holidays.
TODAY = date(2027, 1, 10)
SIZE = 300
POLICIES = load_all_policies(REPOSITORY_CONFIG_DIR / "policies")
YEAR = CensusYear.parse("2026-27")
WEEKEND_CONFERENCE_RULE = "8875"  # "The Date of Initial Child Protection Conference cannot be a weekend"


def _dfe_rule_codes(xml_path: Path) -> set[str]:
    from cin_validator import cin_validator
    from cin_validator.rules.cin2026_27 import registry

    tables = cin_validator.process_data(cin_validator.convert_data(ET.parse(xml_path).getroot()))
    return {str(code) for code in cin_validator.CinValidator(tables, registry).full_issue_df["rule_code"]}


def test_every_demo_conference_is_on_a_working_day_and_the_dfe_rules_find_no_weekend_icpc(
    engine: sa.Engine, tmp_path: Path
) -> None:
    load_demo(engine, POLICIES, TODAY, size=SIZE)
    with engine.connect() as connection:
        facts = read_case_facts(connection)
    calendar = POLICIES["default"].calendar()
    conferences = [c.icpc_date for c in facts if c.icpc_date] + [r for c in facts if c.plan for r in c.plan.reviews]
    assert len(conferences) > 100  # the demo holds many conferences: the check below has something to check
    assert [day for day in conferences if not calendar.is_working_day(day)] == []
    census = build_census(facts, YEAR, "999", datetime(2027, 1, 11, 9, tzinfo=UTC))
    path = tmp_path / "demo_census.xml"
    path.write_bytes(etree.tostring(census, xml_declaration=True, encoding="UTF-8"))
    assert WEEKEND_CONFERENCE_RULE not in _dfe_rule_codes(path)
