"""The staff directory on both databases: add, update, deactivate (revoking tokens), list, import all or nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, func, select

from tests.integration.sweep_builders import policies
from workflows.persistence import StaffRoleRow, StaffRow, StaffTeamRow
from workflows.services import (
    ImportReport,
    StaffDirectory,
    StaffEntry,
    StaffExists,
    StaffInactive,
    StaffInvalid,
    StaffMember,
    StaffNotFound,
    authenticate,
    create_token,
    known_roles,
    list_tokens,
)

NOW = datetime(2027, 3, 10, 9, 0, tzinfo=UTC)
TM = StaffEntry("tm-1", "tm1@example.org", ("team_manager", "cp_chair"), ("south", "north"))


def _directory(engine: Engine) -> StaffDirectory:
    return StaffDirectory(engine, known_roles(policies()), clock=lambda: NOW)


def _counts(engine: Engine) -> tuple[int, int, int]:
    with engine.connect() as connection:
        return tuple(  # type: ignore[return-value]
            connection.execute(select(func.count()).select_from(row.__table__)).scalar_one()
            for row in (StaffRow, StaffRoleRow, StaffTeamRow)
        )


def test_a_member_is_added_active_with_every_role_and_team_and_read_back_sorted(engine: Engine) -> None:
    member = _directory(engine).add(TM)

    assert member == StaffMember("tm-1", "tm1@example.org", ("cp_chair", "team_manager"), ("north", "south"), True)
    assert _directory(engine).members() == [member]
    assert _counts(engine) == (1, 2, 2)


def test_a_member_with_no_team_is_service_wide(engine: Engine) -> None:
    member = _directory(engine).add(StaffEntry("sm-1", "sm1@example.org", ("service_manager",)))

    assert member.teams == () and member.service_wide


def test_an_id_already_recorded_is_refused_and_the_first_record_stays(engine: Engine) -> None:
    directory = _directory(engine)
    directory.add(TM)

    with pytest.raises(StaffExists, match=r"^staff tm-1: already recorded$"):
        directory.add(StaffEntry("tm-1", "other@example.org", ("social_worker",)))

    assert directory.get("tm-1").email == "tm1@example.org"
    assert _counts(engine) == (1, 2, 2)


def test_a_bad_field_saves_nothing(engine: Engine) -> None:
    with pytest.raises(StaffInvalid, match="roles: unknown role 'overlord'"):
        _directory(engine).add(StaffEntry("tm-1", "tm1@example.org", ("overlord",)))

    assert _counts(engine) == (0, 0, 0)


def test_an_update_replaces_what_is_given_and_keeps_the_rest(engine: Engine) -> None:
    directory = _directory(engine)
    directory.add(TM)

    roles_changed = directory.update("tm-1", roles=["service_manager"])
    teams_cleared = directory.update("tm-1", teams=[])
    email_changed = directory.update("tm-1", email="new@example.org")

    assert roles_changed == StaffMember("tm-1", "tm1@example.org", ("service_manager",), ("north", "south"))
    assert teams_cleared == StaffMember("tm-1", "tm1@example.org", ("service_manager",), ())
    assert email_changed == StaffMember("tm-1", "new@example.org", ("service_manager",), ())


def test_a_bad_update_changes_nothing_and_an_unknown_id_is_named(engine: Engine) -> None:
    directory = _directory(engine)
    directory.add(TM)

    with pytest.raises(StaffInvalid) as refused:
        directory.update("tm-1", email="not an address", roles=[])
    with pytest.raises(StaffNotFound, match=r"^staff nobody: no such member of staff$"):
        directory.update("nobody", email="nobody@example.org")

    assert "not an address" not in str(refused.value)
    assert (
        directory.get("tm-1")
        == directory.members()[0]
        == StaffMember("tm-1", "tm1@example.org", ("cp_chair", "team_manager"), ("north", "south"))
    )


def test_deactivating_revokes_every_token_the_member_holds_and_no_one_elses(engine: Engine) -> None:
    directory = _directory(engine)
    directory.add(TM)
    directory.add(StaffEntry("cms", "cms-admin@example.org", ("business_support",)))
    held = [create_token(engine, "tm-1", days=30, timezone="Europe/London", clock=lambda: NOW) for _ in range(2)]
    other = create_token(engine, "cms", days=30, timezone="Europe/London", clock=lambda: NOW)

    revoked = directory.deactivate("tm-1")

    assert revoked == 2
    assert directory.get("tm-1").active is False
    assert {t.id: t.revoked_at for t in list_tokens(engine)} == {held[0].id: NOW, held[1].id: NOW, other.id: None}
    assert authenticate(engine, other.token, clock=lambda: NOW).id == "cms"


def test_deactivating_twice_or_an_unknown_id_is_refused(engine: Engine) -> None:
    directory = _directory(engine)
    directory.add(TM)
    directory.deactivate("tm-1")

    with pytest.raises(StaffInactive, match=r"^staff tm-1: already deactivated$"):
        directory.deactivate("tm-1")
    with pytest.raises(StaffNotFound):
        directory.deactivate("nobody")


def test_saving_an_import_adds_new_members_and_updates_known_ones_deactivated_staying_so(engine: Engine) -> None:
    directory = _directory(engine)
    directory.add(TM)
    directory.add(StaffEntry("gone", "gone@example.org", ("social_worker",), ("east",)))
    directory.deactivate("gone")

    report = directory.save_all(
        [
            StaffEntry("tm-1", "tm1-new@example.org", ("team_manager",), ()),
            StaffEntry("gone", "gone@example.org", ("social_worker",), ("west",)),
            StaffEntry("sw-9", "sw9@example.org", ("social_worker",), ("north",)),
        ]
    )

    assert report == ImportReport(added=1, updated=2)
    assert directory.members() == [
        StaffMember("gone", "gone@example.org", ("social_worker",), ("west",), active=False),
        StaffMember("sw-9", "sw9@example.org", ("social_worker",), ("north",)),
        StaffMember("tm-1", "tm1-new@example.org", ("team_manager",), ()),
    ]


def test_an_import_with_a_bad_entry_or_an_id_twice_saves_nothing(engine: Engine) -> None:
    directory = _directory(engine)
    good = StaffEntry("sw-1", "sw1@example.org", ("social_worker",), ("north",))

    with pytest.raises(StaffInvalid):
        directory.save_all([good, StaffEntry("sw-2", "sw2@example.org", ("overlord",))])
    with pytest.raises(StaffInvalid, match=r"^staff sw-1: listed more than once$"):
        directory.save_all([good, good])

    assert _counts(engine) == (0, 0, 0)
