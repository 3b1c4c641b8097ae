"""Reading a staff CSV file: every row or none, one line per bad row naming file, line, column and what was expected."""

from __future__ import annotations

from pathlib import Path

import pytest

from workflows.persistence import load_all_policies
from workflows.services import StaffEntry, StaffImportInvalid, known_roles, read_staff_csv
from workflows.settings import REPOSITORY_CONFIG_DIR

ROLES = known_roles(load_all_policies(REPOSITORY_CONFIG_DIR / "policies"))
HEADER = "id,email,roles,teams\n"


def _file(tmp_path: Path, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "staff.csv"
    path.write_bytes(text.encode(encoding))
    return path


def _problems(path: Path) -> list[str]:
    with pytest.raises(StaffImportInvalid) as refused:
        read_staff_csv(path, ROLES)
    lines = str(refused.value).splitlines()
    assert lines[0] == f"{path}: nothing imported"
    assert lines[1:] == refused.value.problems
    return [line.removeprefix(f"{path}:") for line in refused.value.problems]


def test_rows_become_entries_with_roles_and_teams_split_on_semicolons(tmp_path: Path) -> None:
    path = _file(
        tmp_path,
        "\ufeff" + HEADER + "tm-1,tm1@example.org,team_manager; cp_chair ,north;south\n"
        "\n"
        "sm-1,sm1@example.org,service_manager,\n",
    )

    assert read_staff_csv(path, ROLES) == [
        StaffEntry("tm-1", "tm1@example.org", ("team_manager", "cp_chair"), ("north", "south")),
        StaffEntry("sm-1", "sm1@example.org", ("service_manager",), ()),
    ]


def test_a_header_alone_is_an_empty_import(tmp_path: Path) -> None:
    assert read_staff_csv(_file(tmp_path, HEADER), ROLES) == []


def test_each_bad_row_is_one_line_with_its_line_number_and_column_and_the_good_rows_do_not_hide_them(
    tmp_path: Path,
) -> None:
    path = _file(
        tmp_path,
        HEADER
        + "tm-1,tm1@example.org,team_manager,north\n"  # line 2: good
        + "jane.doe,jane.doe@council.example,team_manager,north\n"  # line 3: bad id
        + "tm-2,jane.doe-at-council,team_manager,north\n"  # line 4: bad e-mail
        + "tm-3,tm3@example.org,overlord,north\n"  # line 5: unknown role
        + "tm-4,tm4@example.org,team_manager,north east\n"  # line 6: bad team
        + "tm-1,tm1b@example.org,team_manager,south\n"  # line 7: id repeated
        + "tm-5,tm5@example.org,team_manager\n",  # line 8: a column short
    )

    assert _problems(path) == [
        "3: id: expected 1-64 characters: ASCII letters, digits, '-' and '_'",
        "4: email: expected one e-mail address like name@example.org, at most 254 characters",
        "5: roles: unknown role 'overlord': expected roles of: " + ", ".join(sorted(ROLES)),
        "6: teams: expected team names of 1-64 characters: ASCII letters, digits, '-' and '_'",
        "7: id: tm-1 is already on line 2",
        "8: expected 4 columns (id,email,roles,teams), found 3",
    ]


def test_no_problem_line_repeats_an_e_mail_even_one_in_the_wrong_column(tmp_path: Path) -> None:
    path = _file(tmp_path, HEADER + "jane.doe@council.example,jane.doe@council.example,jane.doe@council.example,\n")

    with pytest.raises(StaffImportInvalid) as refused:
        read_staff_csv(path, ROLES)

    assert "jane" not in str(refused.value)
    assert refused.value.problems == [
        f"{path}:2: id: expected 1-64 characters: ASCII letters, digits, '-' and '_'; "
        "roles: an unknown role: expected roles of: " + ", ".join(sorted(ROLES))
    ]


def test_a_quoted_row_spanning_lines_is_numbered_by_its_first_line(tmp_path: Path) -> None:
    path = _file(tmp_path, HEADER + 'tm-1,"tm1@example.org\nmore",team_manager,north\ntm-2,x,team_manager,north\n')

    assert [problem.split(": ")[0] for problem in _problems(path)] == ["2", "4"]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "1: header: expected the columns id,email,roles,teams"),
        ("id,email,role,team\n", "1: header: expected the columns id,email,roles,teams"),
        ("\n\nid,email,roles\n", "3: header: expected the columns id,email,roles,teams"),
    ],
)
def test_a_file_without_the_header_is_refused_before_any_row(tmp_path: Path, text: str, problem: str) -> None:
    assert _problems(_file(tmp_path, text + "tm-1,tm1@example.org,team_manager,north\n")) == [problem]


def test_a_file_that_is_not_utf_8_is_one_line(tmp_path: Path) -> None:
    path = _file(tmp_path, HEADER + "tm-1,tm1@example.org,team_manager,Nörth\n", encoding="latin-1")

    with pytest.raises(StaffImportInvalid) as refused:
        read_staff_csv(path, ROLES)

    assert refused.value.problems == [f"{path}: cannot be read: not UTF-8 text"]
