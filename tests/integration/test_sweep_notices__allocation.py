"""Who is e-mailed, from the staff directory: the allocated worker for the work of a role the case's policy allocates
(`allocated_roles`), the managers of the case's team for the team-manager rung, the role's mailbox otherwise;
checked on a real SMTP server on loopback.

Wednesday 10 March 2027 (checked with a calendar: 1 March 2027 is a Monday); no bank holiday in England between
1 and 19 March 2027 (the spring ones are Good Friday 26 March and Easter Monday 29 March 2027).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine

from states.notices import Notice
from tasks import email_notices, email_sweep_digests, record_sweep_digests
from tests.integration.smtp_recorder import Recorder
from tests.integration.sweep_builders import context, make_action, make_case, policies, reference_of
from tests.ports import free_port
from tests.staff_builders import add_staff
from workflows.bootstrap import Runtime, install_runtime, uninstall_runtime
from workflows.delivery import InboxChannel, SmtpChannel, incidents
from workflows.services import StaffEntry, incident_retry
from workflows.settings import utc_now
from workflows.sweep import run_sweep

pytestmark = pytest.mark.both_databases

AS_OF = date(2027, 3, 10)
SENDER = "caseflow@council.example"
STAFF = (
    StaffEntry("sw-n1", "sw-n1@example.org", ("social_worker",), ("north",)),
    StaffEntry("sw-gone", "sw-gone@example.org", ("social_worker",), ("north",)),
    StaffEntry("tm-n1", "tm-n1@example.org", ("team_manager",), ("north",)),
    StaffEntry("tm-n2", "tm-n2@example.org", ("team_manager",), ("north", "south")),
    StaffEntry("tm-s1", "tm-s1@example.org", ("team_manager",), ("south",)),
    StaffEntry("tm-gone", "tm-gone@example.org", ("team_manager",), ("north",)),
    StaffEntry("lcpp-n1", "lcpp-n1@example.org", ("lead_cp_practitioner",), ("north",)),
)
LEAD_ROLE = "lead_cp_practitioner"
FAMILIES_FIRST = "authority_d"


@pytest.fixture
def smtp() -> Iterator[tuple[Recorder, int]]:
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield recorder, controller.port
    controller.stop()


@pytest.fixture
def installed(engine: Engine, smtp: tuple[Recorder, int]) -> Iterator[Engine]:
    directory = add_staff(engine, STAFF)
    directory.deactivate("sw-gone")
    directory.deactivate("tm-gone")
    channel = SmtpChannel("127.0.0.1", smtp[1], SENDER, timeout=2)
    install_runtime(Runtime(engine, policies(), email=channel, email_retry_delays=(0.0, 0.0)))
    yield engine
    uninstall_runtime()


def _sent(recorder: Recorder) -> list[tuple[list[str], str]]:
    """(envelope recipients, body) of each message, sorted by recipients."""
    bodies = [str(message.get_payload(decode=True).decode()) for message in recorder.messages]
    return sorted(zip(recorder.recipients, bodies, strict=True))


def test_digests_go_to_the_allocated_worker_and_the_teams_managers_with_mailboxes_as_the_fallback(
    installed: Engine, smtp: tuple[Recorder, int]
) -> None:
    recorder, _ = smtp
    with installed.begin() as connection:
        held = make_case(connection, team="north", allocated_worker="sw-n1")
        left = make_case(connection, team="north", allocated_worker="sw-gone")
        unallocated = make_case(connection, team="north")
        late = make_case(connection, team="north", allocated_worker="sw-n1")
        east = make_case(connection, team="east")
        make_action(connection, held, AS_OF)  # due today: the owner rung, the allocated worker's
        make_action(connection, held, date(2027, 3, 12), kind="visit_child")  # Fri 12 March: reminded 2 WD ahead
        make_action(connection, left, AS_OF)  # the worker is deactivated: the team's social worker mailbox
        make_action(connection, unallocated, AS_OF)  # no worker: the same mailbox
        make_action(connection, late, date(2027, 3, 9))  # Tue 9 March, 1 WD late: the team managers of north
        make_action(connection, east, date(2027, 3, 9))  # 1 WD late, no manager of east in the directory
        refs = {name: reference_of(connection, case) for name, case in (("held", held), ("left", left))}
    run_sweep(context(installed), AS_OF)
    record_sweep_digests.fn(AS_OF)

    assert email_sweep_digests.fn(AS_OF) == 5

    sent = _sent(recorder)
    assert [recipients for recipients, _ in sent] == [
        ["social_worker.north@council.example"],
        ["social_worker.north@council.example"],
        ["sw-n1@example.org"],
        ["team_manager.east@council.example"],
        ["tm-n1@example.org", "tm-n2@example.org"],
    ]
    worker = sent[2][1]
    assert f"{refs['held']}  hold_first_core_group  due 2027-03-10  0 working days late  level owner" in worker
    assert f"{refs['held']}  visit_child  due 2027-03-12  not due yet  level reminder" in worker
    assert "2 reminder(s) and escalation(s) for sw-n1 (social_worker, team north)" in worker
    assert refs["left"] not in worker
    assert "for sw-gone (social_worker, team north)" in sent[0][1] + sent[1][1]


def test_a_notice_goes_to_the_allocated_worker_or_the_teams_managers_else_the_role_mailbox(
    installed: Engine, smtp: tuple[Recorder, int]
) -> None:
    recorder, _ = smtp
    with installed.begin() as connection:
        reference = reference_of(connection, make_case(connection, team="north", allocated_worker="sw-n1"))
        notices = [
            Notice(f"k:{role}", reference, "outstanding", role, None, "send_leaflet", AS_OF)
            for role in ("social_worker", "team_manager", "business_support")
        ]
        ids = InboxChannel(installed).record(connection, notices)

    assert email_notices.fn(ids) == 3

    assert [recipients for recipients, _ in _sent(recorder)] == [
        ["business_support@council.example"],
        ["sw-n1@example.org"],
        ["tm-n1@example.org", "tm-n2@example.org"],
    ]
    assert all(f"Case {reference}: an action is still open" in body for _, body in _sent(recorder))


def test_a_notice_retried_by_hand_goes_to_the_same_people_as_its_first_attempt(
    installed: Engine, smtp: tuple[Recorder, int]
) -> None:
    recorder, _ = smtp
    with installed.begin() as connection:
        reference = reference_of(connection, make_case(connection, team="north", allocated_worker="sw-n1"))
        notice = Notice(f"k:{reference}", reference, "outstanding", "social_worker", None, "send_leaflet", AS_OF)
        [notification_id] = InboxChannel(installed).record(connection, [notice])
        # As if the first attempt had failed: an open e-mail incident for the notice, nothing sent yet.
        incident_id = incidents.open_incident(
            connection,
            incidents.email_subject(notification_id),
            incidents.EMAIL_FAILED,
            "SMTP server refused",
            utc_now(),
            notification_id=notification_id,
        )
    channel = SmtpChannel("127.0.0.1", smtp[1], SENDER, timeout=2)

    incident_retry.retry(installed, incident_id, channel, utc_now(), policies())

    assert [recipients for recipients, _ in _sent(recorder)] == [["sw-n1@example.org"]]


def test_a_lead_practitioner_holding_a_families_first_case_is_e_mailed_its_statutory_visit_notice(
    installed: Engine, smtp: tuple[Recorder, int]
) -> None:
    recorder, _ = smtp
    with installed.begin() as connection:
        held = reference_of(
            connection, make_case(connection, authority=FAMILIES_FIRST, team="north", allocated_worker="lcpp-n1")
        )
        # Held by a social worker: the lead practitioner's work is not theirs, so it goes to the role's mailbox (a
        # notice's mailbox is the role's own, not of the team).
        other = reference_of(
            connection, make_case(connection, authority=FAMILIES_FIRST, team="north", allocated_worker="sw-n1")
        )
        notices = [
            Notice(f"k:{reference}", reference, "outstanding", LEAD_ROLE, None, "statutory_visit", AS_OF)
            for reference in (held, other)
        ]
        ids = InboxChannel(installed).record(connection, notices)

    assert email_notices.fn(ids) == 2

    sent = _sent(recorder)
    assert [recipients for recipients, _ in sent] == [
        ["lcpp-n1@example.org"],
        ["lead_cp_practitioner@council.example"],
    ]
    assert f"Case {held}: an action is still open" in sent[0][1]
    assert f"Case {other}: an action is still open" in sent[1][1]


def test_a_lead_practitioner_holding_a_families_first_case_gets_its_statutory_visit_in_their_own_digest(
    installed: Engine, smtp: tuple[Recorder, int]
) -> None:
    recorder, _ = smtp
    with installed.begin() as connection:
        held = make_case(connection, authority=FAMILIES_FIRST, team="north", allocated_worker="lcpp-n1")
        visit = {"kind": "statutory_visit", "rule": "statutory_visit", "owner_role": LEAD_ROLE}
        make_action(connection, held, AS_OF, **visit)  # due today, Wed 10 March: the owner rung, 0 WD late
        reference = reference_of(connection, held)
    run_sweep(context(installed), AS_OF)
    record_sweep_digests.fn(AS_OF)

    assert email_sweep_digests.fn(AS_OF) == 1

    [(recipients, body)] = _sent(recorder)
    assert recipients == ["lcpp-n1@example.org"]
    assert f"{reference}  statutory_visit  due 2027-03-10  0 working days late  level owner" in body
    assert "1 reminder(s) and escalation(s) for lcpp-n1 (lead_cp_practitioner, team north)" in body
