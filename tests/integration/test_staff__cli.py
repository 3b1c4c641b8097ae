"""`caseflow staff ...` in-process (typer's runner) on both backends: the directory, its import and API tokens.

What only a process shows (the one-line errors on stderr, exit codes) is in tests/e2e/test_cli_staff.py.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from states.errors import CaseflowError
from workflows.cli import OptionsInvalid, app
from workflows.errors import DatabaseMissing
from workflows.services import (
    StaffExists,
    StaffImportInvalid,
    StaffInactive,
    StaffInvalid,
    StaffNotFound,
    TokenNotFound,
    TokenRefused,
    authenticate,
)
from workflows.settings import today_in

HEADER = "id,email,roles,teams\n"
GOOD_ROWS = ["tm-1,tm1@example.org,team_manager,north\n", "sm-1,sm1@example.org,service_manager;cp_chair,\n"]


@pytest.fixture
def cli(engine: Engine, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    monkeypatch.setenv("CASEFLOW_DATABASE_URL", database_url)
    monkeypatch.setenv("CASEFLOW_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CASEFLOW_LOG_LEVEL", "WARNING")
    return engine


def _run(*args: str) -> Any:
    return CliRunner().invoke(app, ["staff", *args])


def _ok(*args: str) -> str:
    result = _run(*args)
    assert result.exit_code == 0, (result.output, result.exception)
    return str(result.stdout)


def _refused(*args: str) -> BaseException:
    result = _run(*args)
    assert isinstance(result.exception, CaseflowError), (result.output, result.exception)
    return result.exception


def _listed() -> list[dict[str, Any]]:
    return list(json.loads(_ok("list", "--json")))


def _add_tm() -> None:
    _ok(
        "add",
        "tm-1",
        "--role",
        "team_manager",
        "--role",
        "cp_chair",
        "--team",
        "north",
        "--team",
        "south",
        "--email",
        "tm1@example.org",
    )


def test_add_then_list_shows_every_role_and_team_the_e_mail_and_active(cli: Engine) -> None:
    _add_tm()
    added = _ok("add", "sm-1", "--role", "service_manager", "--email", "sm1@example.org")

    assert added == "staff sm-1 added: service_manager; teams (service-wide)\n"
    assert _listed() == [
        {"id": "sm-1", "email": "sm1@example.org", "roles": ["service_manager"], "teams": [], "active": True},
        {
            "id": "tm-1",
            "email": "tm1@example.org",
            "roles": ["cp_chair", "team_manager"],
            "teams": ["north", "south"],
            "active": True,
        },
    ]
    assert _ok("list").splitlines() == [
        "sm-1\tservice_manager\t(service-wide)\tsm1@example.org\tactive",
        "tm-1\tcp_chair,team_manager\tnorth,south\ttm1@example.org\tactive",
    ]


def test_add_refuses_an_unknown_role_a_bad_address_without_echoing_it_and_a_second_record(cli: Engine) -> None:
    _add_tm()

    unknown = _refused("add", "x-1", "--role", "overlord", "--email", "x1@example.org")
    bad_address = _refused("add", "x-2", "--role", "social_worker", "--email", "jane.doe at council")
    again = _refused("add", "tm-1", "--role", "social_worker", "--email", "tm1@example.org")

    assert isinstance(unknown, StaffInvalid) and "unknown role 'overlord': expected roles of: business_support" in str(
        unknown
    )
    assert isinstance(bad_address, StaffInvalid) and "jane" not in str(bad_address)
    assert isinstance(again, StaffExists)
    assert [member["id"] for member in _listed()] == ["tm-1"]


def test_add_without_an_e_mail_or_a_role_is_a_usage_error(cli: Engine) -> None:
    assert _run("add", "x-1", "--role", "social_worker").exit_code == 2
    assert _run("add", "x-1", "--email", "x1@example.org").exit_code == 2
    assert _listed() == []


def test_update_replaces_roles_or_teams_and_clears_teams_with_no_teams(cli: Engine) -> None:
    _add_tm()

    _ok("update", "tm-1", "--role", "service_manager")
    assert _listed()[0]["roles"] == ["service_manager"] and _listed()[0]["teams"] == ["north", "south"]
    _ok("update", "tm-1", "--team", "east")
    assert _listed()[0]["teams"] == ["east"]
    updated = _ok("update", "tm-1", "--no-teams", "--email", "new@example.org")
    assert updated == "staff tm-1 updated: service_manager; teams (service-wide)\n"
    assert _listed()[0]["email"] == "new@example.org" and _listed()[0]["teams"] == []


@pytest.mark.parametrize(
    ("args", "error", "message"),
    [
        (
            ("update", "tm-1"),
            OptionsInvalid,
            "staff tm-1: nothing to change: give --email, --role, --team or --no-teams",
        ),
        (
            ("update", "tm-1", "--team", "x", "--no-teams"),
            OptionsInvalid,
            "staff tm-1: give --team or --no-teams, not both",
        ),
        (("update", "nobody", "--email", "n@example.org"), StaffNotFound, "staff nobody: no such member of staff"),
        (("deactivate", "nobody"), StaffNotFound, "staff nobody: no such member of staff"),
        (("token", "create", "nobody"), StaffNotFound, "staff nobody: no such member of staff"),
        (("token", "revoke", "0123456789abcdef"), TokenNotFound, "token 0123456789abcdef: no such API token"),
    ],
)
def test_each_refusal_is_one_line_naming_what_is_wrong(
    cli: Engine, args: tuple[str, ...], error: type[CaseflowError], message: str
) -> None:
    _add_tm()

    refused = _refused(*args)

    assert isinstance(refused, error) and str(refused) == message


def test_deactivate_revokes_the_members_tokens_and_a_deactivated_member_gets_none(cli: Engine) -> None:
    _add_tm()
    token = json.loads(_ok("token", "create", "tm-1", "--json"))["token"]

    assert _ok("deactivate", "tm-1") == "staff tm-1 deactivated; 1 API token(s) revoked\n"
    assert _listed()[0]["active"] is False
    assert isinstance(_refused("token", "create", "tm-1"), StaffInactive)
    with pytest.raises(TokenRefused):
        authenticate(cli, token)


def _csv(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "staff.csv"
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    return path


def test_import_adds_and_then_updates_from_a_csv_file(cli: Engine, tmp_path: Path) -> None:
    first = _csv(tmp_path, GOOD_ROWS)
    assert _ok("import", str(first)) == f"{first}: 2 added, 0 updated\n"

    second = _csv(
        tmp_path, ["tm-1,tm1@example.org,team_manager,north;east\n", "sw-1,sw1@example.org,social_worker,east\n"]
    )
    assert _ok("import", str(second)) == f"{second}: 1 added, 1 updated\n"

    assert {m["id"]: (m["roles"], m["teams"]) for m in _listed()} == {
        "sm-1": (["cp_chair", "service_manager"], []),
        "sw-1": (["social_worker"], ["east"]),
        "tm-1": (["team_manager"], ["east", "north"]),
    }


@pytest.mark.parametrize("position", [0, 1, 2])
def test_a_bad_row_anywhere_in_the_file_saves_nothing(cli: Engine, tmp_path: Path, position: int) -> None:
    _add_tm()
    before = _listed()
    rows = ["sw-1,sw1@example.org,social_worker,east\n", *GOOD_ROWS]
    rows.insert(position, "sw-2,sw2@example.org,overlord,east\n")

    refused = _refused("import", str(_csv(tmp_path, rows)))

    assert isinstance(refused, StaffImportInvalid)
    assert [problem.split(": ")[0].rsplit(":", 1)[1] for problem in refused.problems] == [str(position + 2)]
    assert _listed() == before


def test_a_missing_import_file_is_one_line(cli: Engine, tmp_path: Path) -> None:
    path = tmp_path / "nowhere.csv"

    refused = _refused("import", str(path))

    assert isinstance(refused, StaffImportInvalid)
    assert refused.problems == [f"{path}: cannot be read: No such file or directory"]


def test_token_create_prints_the_token_once_and_it_authenticates_as_the_member(cli: Engine) -> None:
    _add_tm()
    today = today_in("Europe/London")

    created = json.loads(_ok("token", "create", "tm-1", "--json"))
    plain = _ok("token", "create", "tm-1", "--expires-days", "7").splitlines()

    assert set(created) == {"token", "id", "expires_on"}
    assert created["expires_on"] in {str(today + timedelta(days=90)), str(today + timedelta(days=91))}
    assert authenticate(cli, created["token"]).id == "tm-1"
    assert plain[0].startswith("API token ") and plain[0].endswith("; shown only this once:")
    assert authenticate(cli, plain[1]).roles == ("cp_chair", "team_manager")


def test_token_list_never_shows_a_secret_and_revoke_stops_a_token_at_once(cli: Engine) -> None:
    _add_tm()
    created = json.loads(_ok("token", "create", "tm-1", "--json"))
    secret = created["token"].rsplit("_", 1)[1]
    authenticate(cli, created["token"])

    assert _ok("token", "revoke", created["id"]) == f"API token {created['id']} revoked\n"
    listed = _ok("token", "list", "--json")
    text = _ok("token", "list")

    assert secret not in listed + text
    (token,) = json.loads(listed)
    assert set(token) == {"id", "staff_id", "created_at", "expires_on", "revoked_at", "last_used_at"}
    assert (token["id"], token["staff_id"], token["expires_on"]) == (created["id"], "tm-1", created["expires_on"])
    assert token["revoked_at"] is not None and token["last_used_at"] is not None
    assert text.startswith(f"{created['id']}\ttm-1\tcreated ") and "\tlast used 20" in text
    with pytest.raises(TokenRefused):
        authenticate(cli, created["token"])


@pytest.mark.parametrize("days", ["0", "367", "many"])
def test_a_token_lifetime_outside_one_to_366_days_is_a_usage_error(cli: Engine, days: str) -> None:
    _add_tm()

    assert _run("token", "create", "tm-1", "--expires-days", days).exit_code == 2
    assert json.loads(_ok("token", "list", "--json")) == []


def test_every_staff_command_on_a_database_without_a_schema_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CASEFLOW_DATABASE_URL", f"sqlite:///{tmp_path / 'absent.db'}")
    monkeypatch.setenv("CASEFLOW_LOG_LEVEL", "WARNING")

    for args in (("list",), ("add", "x", "--role", "social_worker", "--email", "x@example.org"), ("token", "list")):
        assert isinstance(_refused(*args), DatabaseMissing)
    assert not (tmp_path / "absent.db").exists()
