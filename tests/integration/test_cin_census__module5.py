"""Census module 5: pre-proceedings episodes before, inside and across 2026-27, checked by the schema, by each
draft DfE rule of domain.md section 6 (9005-9013, 9015Q, 8995Q) and by the DfE rules package on the CP tables.

The installed DfE rules package has no module 5 yet; the draft rules are written out below, one function each,
from their wording ("if present, must fall within the census year and on or after ...").
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import Engine

from tests.integration.pre_proceedings_caseload import build_pre_proceedings
from tests.integration.returns_caseload import POLICIES
from tests.integration.test_cin_census import CP_TABLES, GENERATED_AT, NOT_HELD, YEAR, _dfe_issues, _write
from workflows.returns import Period, build_census, measure_all, read_case_facts, validate_census

pytestmark = pytest.mark.both_databases

Block = dict[str, str]


def _census(engine: Engine) -> etree._Element:
    build_pre_proceedings(engine)
    with engine.connect() as connection:
        return build_census(read_case_facts(connection), YEAR, "999", GENERATED_AT)


def _blocks(root: etree._Element) -> dict[str, list[Block]]:
    """Each child's module 5 blocks, each as {item: text}, in document order."""
    found: dict[str, list[Block]] = {}
    for child in root.iter("Child"):
        child_id = child.findtext("ChildIdentifiers/LAchildID")
        blocks = [{item.tag: item.text or "" for item in block} for block in child.iter("PreProceedingsandFGDM")]
        if blocks:
            found[str(child_id)] = blocks
    return found


# The draft rules, each a predicate that is True when a block breaks it.
def _day(block: Block, item: str) -> date | None:
    return date.fromisoformat(block[item]) if item in block else None


def _outside_year_or_before(item: str, earlier: str | None) -> Callable[[Block], bool]:
    def broken(block: Block) -> bool:
        value = _day(block, item)
        if value is None:
            return False
        before = _day(block, earlier) if earlier else None
        return not YEAR.start <= value <= YEAR.end or (before is not None and value < before)

    return broken


DRAFT_RULES: dict[str, Callable[[Block], bool]] = {
    "9005": _outside_year_or_before("PPStartDate", None),
    "9006": _outside_year_or_before("LBPSentDate", "PPStartDate"),
    "9007": lambda block: "FGDMMeetingOffer" in block and "LBPSentDate" not in block,
    "9008": _outside_year_or_before("InitialPPMeetingDate", None),
    "9009": _outside_year_or_before("StepDecisionDate", "PPStartDate"),
    "9010Q": lambda block: block.get("FGDMMeetingOffer") == "1" and "FGDMMeetingFac" not in block,
    "9011": lambda block: "PPOutcome" in block and block["PPOutcome"] not in {"A", "B", "C"},
    "9012": _outside_year_or_before("CourtAppDate", "StepDecisionDate"),
    "9013": _outside_year_or_before("LetterInitCPDate", "CourtAppDate"),
    "9015Q": lambda block: "InitialPPMeetingDate" in block and "ReviewMeetingsCount" not in block,
}


def test_each_episode_of_the_year_is_one_block_with_the_items_known_in_the_year(engine: Engine) -> None:
    blocks = _blocks(_census(engine))
    assert blocks == {
        # Episode 1 ended (Mon 2026-01-12) before the year: not sent. Episode 2 started before it: only its
        # steps in the year, and the review meetings held by the year's end (Mon 2026-03-30 and Mon 05-11).
        "PP0001": [
            {
                "ReviewMeetingsCount": "2",
                "StepDecisionDate": "2026-06-01",
                "PPOutcome": "A",
                "CourtAppDate": "2026-06-05",
                "LetterInitCPDate": "2026-06-08",
            }
        ],
        "PP0002": [
            {
                "PPStartDate": "2026-07-01",
                "LBPSentDate": "2026-07-07",
                "FGDMMeetingOffer": "1",
                "FGDMMeetingFac": "1",
                "InitialPPMeetingDate": "2026-07-14",
                "ReviewMeetingsCount": "2",
                "StepDecisionDate": "2026-11-03",
                "PPOutcome": "B",
            },
            # Across the year's end: the FGDM (held Mon 2027-04-12) and the decision (Tue 04-20) came after it.
            {
                "PPStartDate": "2027-03-01",
                "LBPSentDate": "2027-03-05",
                "FGDMMeetingOffer": "1",
                "InitialPPMeetingDate": "2027-03-15",
                "ReviewMeetingsCount": "0",
            },
        ],
        "PP0003": [
            {
                "PPStartDate": "2026-09-01",
                "LBPSentDate": "2026-09-04",
                "FGDMMeetingOffer": "0",
                "InitialPPMeetingDate": "2026-09-14",
                "ReviewMeetingsCount": "0",
                "StepDecisionDate": "2026-10-12",
                "PPOutcome": "A",
                "CourtAppDate": "2026-10-14",
                "LetterInitCPDate": "2026-10-15",
            }
        ],
        "PP0004": [{"PPStartDate": "2026-12-01", "LBPSentDate": "2026-12-04", "FGDMMeetingOffer": "0"}],
    }


def test_the_export_validates_against_the_amended_schema_and_keeps_the_items_in_the_schemas_order(
    engine: Engine,
) -> None:
    root = _census(engine)
    validate_census(root, YEAR)
    details = root.xpath("//Child[ChildIdentifiers/LAchildID='PP0002']/CINdetails")[0]
    assert [element.tag for element in details][-3:] == [
        "ChildProtectionPlans",
        "PreProceedingsandFGDM",
        "PreProceedingsandFGDM",
    ]


def test_no_draft_rule_is_broken_and_the_one_query_is_the_fgdm_still_unknown_at_the_census_date(
    engine: Engine,
) -> None:
    blocks = _blocks(_census(engine))
    broken = {
        (code, child, index)
        for child, child_blocks in blocks.items()
        for index, block in enumerate(child_blocks)
        for code, rule in DRAFT_RULES.items()
        if rule(block)
    }
    # PP0002's second episode offered an FGDM on Fri 2027-03-05 that was held only on Mon 2027-04-12: on 31 March
    # whether one was facilitated was not yet known, which is what 9010Q asks the authority to check.
    assert broken == {("9010Q", "PP0002", 1)}
    # 8995Q queries a return in which no child has module 5 data: this one has four.
    assert len(blocks) == 4


def test_the_draft_rules_written_here_do_catch_a_broken_block() -> None:
    assert DRAFT_RULES["9005"]({"PPStartDate": "2026-03-31"})
    assert DRAFT_RULES["9006"]({"PPStartDate": "2026-05-02", "LBPSentDate": "2026-05-01"})
    assert DRAFT_RULES["9007"]({"FGDMMeetingOffer": "0"})
    assert DRAFT_RULES["9011"]({"PPOutcome": "D"})
    assert DRAFT_RULES["9013"]({"CourtAppDate": "2026-06-05", "LetterInitCPDate": "2026-06-04"})
    assert DRAFT_RULES["9015Q"]({"InitialPPMeetingDate": "2026-06-04"})
    assert not DRAFT_RULES["9012"]({"StepDecisionDate": "2026-06-01", "CourtAppDate": "2026-06-01"})


def test_the_dfe_rules_package_still_reports_nothing_on_the_cp_tables(engine: Engine, tmp_path: Path) -> None:
    located, _ = _dfe_issues(_write(_census(engine), tmp_path / "census.xml"))
    on_cp_tables = {code for code, table in located if table in CP_TABLES}
    assert on_cp_tables - NOT_HELD.keys() == set(), located


def test_the_timeliness_report_counts_pre_proceedings_decided_in_16_weeks_and_letters_offering_an_fgdm(
    engine: Engine,
) -> None:
    build_pre_proceedings(engine)
    with engine.connect() as connection:
        results = {r.name: r for r in measure_all(read_case_facts(connection), Period(YEAR.start, YEAR.end))}
    # conclude_pre_proceedings due in the year (initial meeting + 16 weeks, back off a non-working day), each done
    # when the decision was made: PP0001 episode 2, Mon 16 Feb 2026 + 112 days = Mon 8 Jun 2026, decided Mon 1 Jun
    # (on time); PP0002 episode 1, Tue 14 Jul + 112 days = Tue 3 Nov 2026, decided Tue 3 Nov (on time); PP0003,
    # Mon 14 Sep + 112 days = Mon 4 Jan 2027, decided Mon 12 Oct (on time); PP0002 episode 2, Mon 15 Mar 2027 +
    # 112 days = Mon 5 Jul 2027, after the year: not counted.
    assert (results["pre_proceedings_within_16_weeks"].met, results["pre_proceedings_within_16_weeks"].of) == (3, 3)
    # Letters sent in the year: PP0002 Tue 7 Jul (FGDM offered), PP0003 Fri 4 Sep (not), PP0004 Fri 4 Dec (not),
    # PP0002 Fri 5 Mar 2027 (offered); PP0001's letters (Nov 2025, Feb 2026) were before it.
    assert (results["letters_offering_fgdm"].met, results["letters_offering_fgdm"].of) == (2, 4)


def test_case_show_reads_the_track_beside_the_status(engine: Engine) -> None:
    from workflows.views import case_detail

    build_pre_proceedings(engine)
    with engine.connect() as connection:
        # PP0002's second episode: the court application went on Thu 2027-04-22; the last letter is still owed.
        open_track = case_detail(connection, POLICIES, "PP0002", date(2027, 4, 23))
        ended = case_detail(connection, POLICIES, "PP0003", date(2027, 4, 23))
    assert (open_track.status, open_track.pre_proceedings) == ("core_groups", "applied")
    assert [a.kind for a in open_track.open_actions if a.kind == "send_letter_initiating_proceedings"] == [
        "send_letter_initiating_proceedings"
    ]
    assert (ended.status, ended.pre_proceedings) == ("cin_plan", "none")
