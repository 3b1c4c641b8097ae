"""Notices reach the inbox table always and an SMTP server when one is configured; never with personal data."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine, func, select

from tests.integration.smtp_recorder import Recorder
from tests.ports import free_port
from workflows.delivery import EmailNotSent, InboxChannel, Notice, SmtpChannel
from workflows.persistence import NotificationRow


@pytest.fixture
def smtp_server() -> Iterator[tuple[Recorder, int]]:
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield recorder, controller.port
    controller.stop()


NOTICE = Notice(
    key="CP-0001:3:leaflet:7",
    case_reference="CP-0001",
    kind="leaflet",
    recipient_role="business_support",
    action_id=7,
    action_kind="send_leaflet",
    due_on=date(2026, 12, 1),
)


def test_an_email_notice_names_the_case_and_the_action_and_reaches_the_roles_mailbox(
    smtp_server: tuple[Recorder, int],
) -> None:
    recorder, port = smtp_server
    SmtpChannel("127.0.0.1", port, "caseflow@council.example").deliver(NOTICE)

    [message] = recorder.messages
    assert recorder.recipients == [["business_support@council.example"]]
    assert "CP-0001" in message["Subject"]
    body = message.get_payload()
    assert "send_leaflet" in body and "2026-12-01" in body


def test_an_email_to_a_server_that_is_down_fails_with_one_line_naming_the_notice() -> None:
    channel = SmtpChannel("127.0.0.1", free_port(), "caseflow@localhost", timeout=2)
    with pytest.raises(EmailNotSent, match=r"notice CP-0001:3:leaflet:7: SMTP server 127\.0\.0\.1:\d+ did not accept"):
        channel.deliver(NOTICE)


@pytest.mark.both_databases
def test_the_inbox_keeps_one_row_per_notice_however_often_it_is_delivered(engine: Engine) -> None:
    inbox = InboxChannel(engine)
    inbox.deliver(NOTICE)
    inbox.deliver(NOTICE)

    with engine.connect() as conn:
        rows = conn.execute(select(NotificationRow.__table__)).mappings().all()
        assert conn.execute(select(func.count()).select_from(NotificationRow.__table__)).scalar_one() == 1
    assert rows[0]["case_reference"] == "CP-0001"
    assert rows[0]["recipient_role"] == "business_support"
    assert rows[0]["action_kind"] == "send_leaflet"
