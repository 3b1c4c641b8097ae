"""A child's date of birth, child id, UPN and free text, seeded into every field that takes them, stay in the `cases`
table and the free-text store: not in the audit payloads, outbox, escalations, notifications, e-mails, logs or the
Prefect database, after the case-transition flows, the deadline sweep (as a Prefect flow) and e-mail on loopback."""

from __future__ import annotations

import sqlite3
import uuid
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from sqlalchemy import Engine

from tests.integration.smtp_recorder import Recorder
from tests.integration.transition_fixtures import POLICIES, TEAM_MANAGER, case_service
from tests.ports import free_port
from workflows.bootstrap import Runtime, install_runtime, uninstall_runtime
from workflows.delivery import SmtpChannel
from workflows.flows import deadline_sweep, outbox_dispatcher
from workflows.persistence import Base

# Values no code writes on its own. The date of birth is Thu 13 Feb 2014: the case's dates (Mar 2026 onwards) and
# their timescales never reach 2014.
DATE_OF_BIRTH = "2014-02-13"
CHILD_ID = "LEAKCHILD4821"
UPN = "Z99887766554Q"
TEXT = "LEAKTEXT"  # each free-text field gets its own marker: LEAKTEXT-<field>
MARKERS = (DATE_OF_BIRTH, CHILD_ID, UPN, TEXT)


def found_in(text: str) -> list[str]:
    return [marker for marker in MARKERS if marker in text]


def seed_the_case(engine: Engine, reference: str) -> None:
    """Referred Mon 2 Mar 2026 with every personal fact, then every trigger on the way that takes free text."""
    service = case_service(engine)
    referral = {
        "referral_date": "2026-03-02", "date_of_birth": DATE_OF_BIRTH, "child_id": CHILD_ID, "upn": UPN,
        "sex": "F", "team": "north",
    }  # fmt: skip
    service.fire(reference, "receive_referral", referral, TEAM_MANAGER, date(2026, 3, 2), authority="default")
    s47 = {"strategy_discussion_date": "2026-03-03", "override_reason": f"{TEXT}-s47-override"}
    service.fire(reference, "start_s47", s47, TEAM_MANAGER, date(2026, 3, 3))
    convene = {"decision_date": "2026-03-10", "conference_date": "2026-03-20", "override_reason": f"{TEXT}-convene"}
    service.fire(reference, "convene_icpc", convene, TEAM_MANAGER, date(2026, 3, 10))
    service.close()


def application_tables(engine: Engine) -> str:
    with engine.connect() as conn:
        return "\n".join(
            f"{table.name}: {conn.execute(sa.select(table)).all()!r}"
            for table in Base.metadata.sorted_tables
            if table.name not in ("cases", "private_text")
        )


def prefect_database() -> str:
    from prefect.settings import get_current_settings

    url = get_current_settings().server.database.connection_url
    assert url is not None and url.get_secret_value().startswith("sqlite")
    path = Path(url.get_secret_value().split("///", 1)[1])
    with sqlite3.connect(path) as conn:
        tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return "\n".join(repr(conn.execute(f'SELECT * FROM "{name}"').fetchall()) for name in tables)


@pytest.mark.usefixtures("prefect_harness")
def test_personal_data_never_leaves_the_cases_table_and_the_free_text_store(
    engine: Engine, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    reference, port = f"CP-{uuid.uuid4().hex[:8]}", free_port()
    recorder = Recorder()
    server = Controller(recorder, hostname="127.0.0.1", port=port)
    server.start()
    install_runtime(Runtime(engine, POLICIES, email=SmtpChannel("127.0.0.1", port, "caseflow@council.example")))
    try:
        seed_the_case(engine, reference)
        delivered = outbox_dispatcher(engine).dispatch_once()
        # Mon 4 May 2026: weeks past every due date the conference work has, so the sweep escalates and notifies.
        swept = deadline_sweep(as_of=date(2026, 5, 4), return_state=True)
    finally:
        uninstall_runtime()
        server.stop()

    assert len(delivered.delivered) == 3 and swept.is_completed()
    tables = application_tables(engine)
    assert "escalations: [(" in tables and "notifications: [(" in tables  # the flows and sweep wrote their rows
    assert recorder.messages, "no e-mail was sent"
    assert found_in(tables) == []
    assert found_in("\n".join(message.as_string() for message in recorder.messages)) == []
    captured = capfd.readouterr()
    assert found_in(caplog.text + captured.out + captured.err) == []
    assert found_in(prefect_database()) == []
    with engine.connect() as conn:  # and they are where they belong
        kept = {tuple(row) for row in conn.execute(sa.text("SELECT field, text FROM private_text"))}
    assert kept == {
        ("date_of_birth", DATE_OF_BIRTH),
        ("child_id", CHILD_ID),
        ("upn", UPN),
        ("sex", "F"),
        ("override_reason", f"{TEXT}-s47-override"),
        ("override_reason", f"{TEXT}-convene"),
    }
