"""Sweep digests: one per recipient (role, team) and sweep date, e-mailed once to a real SMTP server on loopback.

The tasks run through `.fn()`; the flow, its retries and incidents are in test_sweep_notices__flow.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine, select, update

from tasks import DigestsNotSent, email_sweep_digests, record_digest_incidents, record_sweep_digests
from tests.integration.smtp_recorder import Recorder
from tests.integration.sweep_builders import context, make_action, make_case, policies, reference_of
from tests.ports import free_port
from workflows.bootstrap import Runtime, install_runtime, uninstall_runtime
from workflows.delivery import WHOLE_SERVICE, EmailNotSent, SmtpChannel, incidents, team_mailbox
from workflows.persistence import SweepDigestRow
from workflows.services import incident_retry
from workflows.settings import utc_now
from workflows.sweep import digests as sweep_notices
from workflows.sweep import run_sweep

pytestmark = pytest.mark.both_databases

# Wednesday 10 March 2027; no bank holiday in England between 1 and 19 March 2027.
AS_OF = date(2027, 3, 10)
CHILD_NAME = "Amelia Testchild"
BIRTH_DATE = date(2015, 6, 1)
SENDER = "caseflow@council.example"
_digests = SweepDigestRow.__table__


class RefusingRecorder(Recorder):
    """Keeps what it accepts; refuses one mailbox, as a server does for an unknown recipient."""

    def __init__(self, refused: str) -> None:
        super().__init__()
        self.refused = refused

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address == self.refused:
            return "550 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def _serve(recorder: Recorder) -> Iterator[tuple[Recorder, int]]:
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield recorder, controller.port
    controller.stop()


@pytest.fixture
def smtp() -> Iterator[tuple[Recorder, int]]:
    yield from _serve(Recorder())


@pytest.fixture
def refusing_smtp() -> Iterator[tuple[Recorder, int]]:
    yield from _serve(RefusingRecorder("team_manager.north@council.example"))


def build_caseload(engine: Engine) -> dict[str, str]:
    """Five recipients' worth of work as of Wed 10 March 2027; returns the case references by name."""
    with engine.begin() as connection:
        north = make_case(connection, team="north", date_of_birth=BIRTH_DATE, facts={"child_name": CHILD_NAME})
        south = make_case(connection, team="south")
        no_team = make_case(connection, team=None)
        # Due Wed 3 March: Thu 4, Fri 5, Mon 8, Tue 9, Wed 10 -> 5 working days late -> service manager (whole service).
        make_action(connection, north, date(2027, 3, 3))
        # Due Tue 9 March: 1 working day late -> team manager of north.
        make_action(connection, north, date(2027, 3, 9), kind="send_invitations", owner_role="business_support")
        # Due today: the owner rung -> business support of north.
        make_action(connection, north, AS_OF, kind="send_leaflet", owner_role="business_support")
        # Due today and due Fri 12 March (2 working days ahead: reminded today) -> social workers of south.
        make_action(connection, south, AS_OF)
        make_action(connection, south, date(2027, 3, 12), kind="visit_child")
        # A case with no team, 1 working day late -> the team manager mailbox of the whole service.
        make_action(connection, no_team, date(2027, 3, 9))
        return {
            name: reference_of(connection, case)
            for name, case in (("north", north), ("south", south), ("none", no_team))
        }


@pytest.fixture
def installed(engine: Engine) -> Iterator[Engine]:
    yield engine
    uninstall_runtime()


def _install(engine: Engine, port: int) -> None:
    channel = SmtpChannel("127.0.0.1", port, SENDER, timeout=2)
    install_runtime(Runtime(engine, policies(), email=channel, email_retry_delays=(0.0, 0.0)))


def _sweep_and_notify(engine: Engine) -> int:
    run_sweep(context(engine), AS_OF)
    record_sweep_digests.fn(AS_OF)
    return email_sweep_digests.fn(AS_OF)


def _swept_and_recorded(engine: Engine) -> list[int]:
    """Sweep, record the digests; their ids."""
    run_sweep(context(engine), AS_OF)
    with engine.begin() as connection:
        sweep_notices.record_digests(connection, AS_OF, utc_now(), policies())
        return sweep_notices.unsent_digests(connection, AS_OF)


def _by_recipient(recorder: Recorder) -> dict[str, Message]:
    return {recipients[0]: message for recipients, message in zip(recorder.recipients, recorder.messages, strict=True)}


def _body(message: Message) -> str:
    return str(message.get_payload(decode=True).decode())


def test_each_role_of_each_team_gets_one_digest_of_its_actions_by_reference_and_nothing_personal(
    installed: Engine, smtp: tuple[Recorder, int]
) -> None:
    recorder, port = smtp
    refs = build_caseload(installed)
    _install(installed, port)

    assert _sweep_and_notify(installed) == 5

    messages = _by_recipient(recorder)
    assert sorted(messages) == [
        "business_support.north@council.example",
        "service_manager@council.example",
        "social_worker.south@council.example",
        "team_manager.north@council.example",
        "team_manager@council.example",
    ]
    south = _body(messages["social_worker.south@council.example"])
    assert f"{refs['south']}  hold_first_core_group  due 2027-03-10  0 working days late  level owner" in south
    assert f"{refs['south']}  visit_child  due 2027-03-12  not due yet  level reminder" in south
    service = _body(messages["service_manager@council.example"])
    assert (
        f"{refs['north']}  hold_first_core_group  due 2027-03-03  5 working days late  level service_manager" in service
    )
    team_manager = _body(messages["team_manager.north@council.example"])
    assert f"{refs['north']}  send_invitations  due 2027-03-09  1 working day late  level team_manager" in team_manager
    assert refs["none"] in _body(messages["team_manager@council.example"])
    assert "more; run" not in south  # two lines, well under the limit
    for message in recorder.messages:
        assert CHILD_NAME not in message.as_string() and BIRTH_DATE.isoformat() not in message.as_string()
        assert message["From"] == SENDER and "2027-03-10" in message["Subject"]


def test_a_rerun_records_and_sends_nothing_twice(installed: Engine, smtp: tuple[Recorder, int]) -> None:
    recorder, port = smtp
    build_caseload(installed)
    _install(installed, port)
    _sweep_and_notify(installed)

    assert _sweep_and_notify(installed) == 0
    assert record_sweep_digests.fn(AS_OF) == 0

    assert len(recorder.messages) == 5
    with installed.connect() as connection:
        rows = connection.execute(select(_digests.c.emailed_at, _digests.c.email_attempts)).all()
    assert len(rows) == 5 and all(row.emailed_at is not None and row.email_attempts == 1 for row in rows)


def test_a_digest_lists_its_most_overdue_actions_first(installed: Engine, smtp: tuple[Recorder, int]) -> None:
    recorder, port = smtp
    with installed.begin() as connection:
        case = make_case(connection, team="east")
        # Due Wed 3, Thu 4 and Fri 5 March: 5, 4 and 3 working days late as of Wed 10 March.
        for due in (date(2027, 3, 5), date(2027, 3, 3), date(2027, 3, 4)):
            make_action(connection, case, due, kind="visit_child", owner_role="cp_chair")
    ids = _swept_and_recorded(installed)
    channel = SmtpChannel("127.0.0.1", port, SENDER, timeout=2)

    sent, failed = sweep_notices.email_digests(installed, channel, ids, utc_now(), policies(), limit=2)

    assert (len(sent), failed) == (len(ids), [])
    messages = _by_recipient(recorder)
    # The 5-days-late action is at service manager level; the other two (4 and 3 days) at team manager of east.
    team = _body(messages["team_manager.east@council.example"])
    assert team.index("due 2027-03-04") < team.index("due 2027-03-05") and "more; run" not in team
    service = _body(messages["service_manager@council.example"])
    assert "due 2027-03-03  5 working days late" in service and "more; run" not in service


def test_beyond_the_line_limit_the_digest_points_to_caseflow_overdue(
    installed: Engine, smtp: tuple[Recorder, int]
) -> None:
    recorder, port = smtp
    with installed.begin() as connection:
        case = make_case(connection, team="east")
        for _ in range(3):  # due Tue 9 March: 1 working day late -> team manager of east
            make_action(connection, case, date(2027, 3, 9))
    ids = _swept_and_recorded(installed)

    sweep_notices.email_digests(installed, SmtpChannel("127.0.0.1", port, SENDER), ids, utc_now(), policies(), limit=2)

    [message] = recorder.messages
    body = _body(message)
    assert body.count("due 2027-03-09") == 2
    assert "... and 1 more; run `caseflow overdue --as-of 2027-03-10` for the whole list." in body
    assert "3 action(s) for team_manager, team east" in message["Subject"]


def test_a_mailbox_the_server_refuses_fails_its_digest_only(
    installed: Engine, refusing_smtp: tuple[Recorder, int]
) -> None:
    recorder, port = refusing_smtp
    build_caseload(installed)
    _install(installed, port)
    run_sweep(context(installed), AS_OF)
    record_sweep_digests.fn(AS_OF)

    with pytest.raises(DigestsNotSent, match=r"sweep 2027-03-10: 1 of 5 digest e-mail\(s\) not sent"):
        email_sweep_digests.fn(AS_OF)

    assert len(recorder.messages) == 4
    with installed.connect() as connection:
        [failed] = sweep_notices.failed_digests(connection, AS_OF)
    assert (failed.recipient_role, failed.team) == ("team_manager", "north")
    # A retry sends only the one that failed (and the server still refuses it).
    with pytest.raises(DigestsNotSent, match=r"1 of 1 digest"):
        email_sweep_digests.fn(AS_OF)
    assert len(recorder.messages) == 4


def test_a_digest_another_sender_holds_is_left_to_it_until_its_claim_expires(
    installed: Engine, smtp: tuple[Recorder, int]
) -> None:
    recorder, port = smtp
    build_caseload(installed)
    ids, now = _swept_and_recorded(installed), utc_now()
    with installed.begin() as connection:
        connection.execute(update(_digests).where(_digests.c.id == ids[0]).values(email_claimed_at=now))
    channel = SmtpChannel("127.0.0.1", port, SENDER)

    sent, _ = sweep_notices.email_digests(installed, channel, ids, now, policies())
    assert sorted(sent) == ids[1:]

    later = now + sweep_notices.CLAIM_EXPIRES_AFTER + timedelta(seconds=1)
    sent, _ = sweep_notices.email_digests(installed, channel, ids, later, policies())
    assert sent == ids[:1] and len(recorder.messages) == 5


def test_a_team_roles_mailbox_is_role_dot_team_and_a_service_wide_one_is_the_roles_own() -> None:
    mailbox = team_mailbox(SENDER)
    assert mailbox("team_manager", "north") == "team_manager.north@council.example"
    assert (
        mailbox("social_worker", "North East (Child Protection)")
        == "social_worker.north-east-child-protection@council.example"
    )
    assert mailbox("service_manager", WHOLE_SERVICE) == "service_manager@council.example"


def test_retrying_a_digest_incident_while_smtp_is_still_down_keeps_it_open_with_one_line(installed: Engine) -> None:
    build_caseload(installed)
    _install(installed, free_port())  # nothing listens there
    run_sweep(context(installed), AS_OF)
    record_sweep_digests.fn(AS_OF)
    with pytest.raises(DigestsNotSent):
        email_sweep_digests.fn(AS_OF)
    [incident_id, *_] = record_digest_incidents.fn(AS_OF, None)
    channel = SmtpChannel("127.0.0.1", free_port(), SENDER, timeout=2)

    with pytest.raises(
        EmailNotSent, match=rf"^incident {incident_id}: digest \d+ not sent again: digest of 2027-03-10 to "
    ):
        incident_retry.retry(installed, incident_id, channel, utc_now(), policies())

    with installed.connect() as connection:
        [still_open] = [i for i in incidents.open_incidents(connection) if i.id == incident_id]
    assert still_open.retries == 1 and "did not accept it (ConnectionRefusedError)" in still_open.error


def test_two_senders_at_once_send_each_digest_once(installed: Engine, smtp: tuple[Recorder, int]) -> None:
    recorder, port = smtp
    build_caseload(installed)
    ids = _swept_and_recorded(installed)
    channel = SmtpChannel("127.0.0.1", port, SENDER)

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(
            pool.map(lambda _: sweep_notices.email_digests(installed, channel, ids, utc_now(), policies()), range(2))
        )

    assert sorted(i for sent, _ in outcomes for i in sent) == ids
    assert len(recorder.messages) == 5


def test_two_sweeps_recording_at_once_record_each_digest_once(installed: Engine) -> None:
    build_caseload(installed)
    run_sweep(context(installed), AS_OF)

    def record(_: int) -> int:
        with installed.begin() as connection:
            return sweep_notices.record_digests(connection, AS_OF, utc_now(), policies())

    with ThreadPoolExecutor(max_workers=2) as pool:
        created = list(pool.map(record, range(2)))

    assert sorted(created) == [0, 5]
    with installed.connect() as connection:
        assert len(sweep_notices.unsent_digests(connection, AS_OF)) == 5
