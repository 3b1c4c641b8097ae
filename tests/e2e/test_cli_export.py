"""`caseflow export cin-census`, `export annex-a` and `report timeliness`, through the console script's entry point."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from lxml import etree

from tests.cli_in_process import run_main
from tests.e2e.cli import clean_environment
from tests.integration.returns_caseload import build_caseload, build_second_plans
from workflows.persistence import make_engine, schema

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The caseload in the embedded SQLite database of a data folder, and the environment pointing at it."""
    data = tmp_path_factory.mktemp("data")
    engine = make_engine(f"sqlite:///{data / 'caseflow.db'}")
    schema.upgrade(engine)
    build_caseload(engine)
    build_second_plans(engine)
    engine.dispose()
    return clean_environment(CASEFLOW_DATA_DIR=str(data))


def test_the_census_is_written_and_validates_against_the_committed_schema(env: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "cin.xml"
    result = run_main("export", "cin-census", "--year", "2026-27", "--la-code", "202", "--out", str(out), env=env)
    assert result.returncode == 0, result.stderr
    # Ten cases of the year: CF0001-CF0006, RC-0001, RC-0002, RC-0003, RC-0005; RC-0001 and RC-0002 are child
    # P4401's, so nine children.
    assert "9 children, 10 cases" in result.stdout
    xsd = etree.XMLSchema(etree.parse(str(Path(__file__).parents[2] / "config" / "schemas" / "cin_census_2026_27.xsd")))
    document = etree.parse(str(out))
    assert xsd.validate(document), xsd.error_log
    assert document.xpath("string(/Message/Header/Source/LEA)") == "202"
    assert document.xpath("string(/Message/Header/CollectionDetails/ReferenceDate)") == "2027-03-31"


def test_a_bad_census_year_or_la_code_is_one_line_and_exit_2(env: dict[str, str], tmp_path: Path) -> None:
    year = run_main(
        "export", "cin-census", "--year", "2026-28", "--la-code", "202", "--out", str(tmp_path / "x.xml"), env=env
    )
    assert year.returncode == 2
    assert year.stderr.strip().splitlines() == [
        "error: census year '2026-28': expected YYYY-YY with consecutive years, e.g. 2026-27"
    ]
    code = run_main(
        "export", "cin-census", "--year", "2026-27", "--la-code", "20", "--out", str(tmp_path / "x.xml"), env=env
    )
    assert code.returncode == 2 and "three-digit" in code.stderr and "Traceback" not in code.stderr
    assert not (tmp_path / "x.xml").exists()


def test_annex_a_lists_are_written_as_csv_files_one_a_list(env: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "annex.csv"
    result = run_main("export", "annex-a", "--lists", "5,7", "--as-of", "2027-01-31", "--out", str(out), env=env)
    assert result.returncode == 0, result.stderr
    with (tmp_path / "annex_list_7.csv").open(encoding="utf-8") as handle:
        list_7 = list(csv.DictReader(handle))
    assert [row["Child Unique ID"] for row in list_7] == ["CF0002", "CF0004", "P4401", "P5502"]
    assert list_7[0]["Child Protection Plan End Date"] == "20/01/2027"
    assert (tmp_path / "annex_list_5.csv").exists()


def test_annex_a_refuses_a_list_it_does_not_produce(env: dict[str, str], tmp_path: Path) -> None:
    result = run_main(
        "export", "annex-a", "--lists", "5,6", "--as-of", "2027-01-31", "--out", str(tmp_path / "a.xlsx"), env=env
    )
    assert result.returncode == 2
    assert result.stderr.strip() == "error: --lists '5,6': expected a comma-separated choice of 5, 7"


def test_the_timeliness_report_prints_the_measures_and_writes_a_table_and_charts(
    env: dict[str, str], tmp_path: Path
) -> None:
    result = run_main(
        "report",
        "timeliness",
        "--from",
        "2026-04-01",
        "--to",
        "2027-03-31",
        "--authority",
        "default",
        "--out",
        str(tmp_path / "report"),
        env=env,
    )
    assert result.returncode == 0, result.stderr
    # In time: CF0002 (Fri 1 May, target Wed 6 May), RC-0001 (Fri 8 May, target Wed 13 May), RC-0002 (Thu 29 Oct,
    # target Tue 3 Nov), RC-0005 (Wed 25 Nov, target Tue 1 Dec); late: CF0003 (Tue 6 Oct, target Tue 29 Sep).
    assert "icpc_within_15_working_days: 4 of 5 (80.0%)" in result.stdout
    assert "second_or_later_plans: 2 of 4 (50.0%)" in result.stdout
    assert len(list((tmp_path / "report").glob("*.png"))) == 13
    assert (tmp_path / "report" / "timeliness.csv").exists()
