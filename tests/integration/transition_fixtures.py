"""Builders for the orchestration tests: a case service on the test database and an installed flow runtime."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import Engine, func, select

from states.case import Actor
from workflows.bootstrap import Runtime, install_runtime, uninstall_runtime
from workflows.persistence import OutboxRow, load_all_policies, make_session_factory
from workflows.services import CaseService
from workflows.settings import REPOSITORY_CONFIG_DIR

TEAM_MANAGER = Actor("tm-1", "team_manager")
POLICIES = load_all_policies(REPOSITORY_CONFIG_DIR / "policies")


def case_service(engine: Engine) -> CaseService:
    return CaseService(make_session_factory(engine), POLICIES)


def convene_conference(service: CaseService, reference: str, decided_on: date = date(2026, 3, 10)) -> None:
    """Referral, section 47 enquiry, initial conference convened on `decided_on` for ten days later."""
    service.fire(
        reference,
        "receive_referral",
        {"referral_date": "2026-03-02", "date_of_birth": "2016-05-01"},
        TEAM_MANAGER,
        date(2026, 3, 2),
        authority="default",
    )
    service.fire(reference, "start_s47", {"strategy_discussion_date": "2026-03-03"}, TEAM_MANAGER, date(2026, 3, 3))
    service.fire(
        reference,
        "convene_icpc",
        {"decision_date": decided_on.isoformat(), "conference_date": "2026-03-20"},
        TEAM_MANAGER,
        decided_on,
    )


def outbox_ids(engine: Engine) -> list[tuple[int, str, str]]:
    """(id, case reference, trigger) of every outbox row, oldest first."""
    with engine.connect() as connection:
        rows = connection.execute(select(OutboxRow.__table__).order_by(OutboxRow.__table__.c.id))
        return [(row.id, row.case_reference, row.payload["trigger"]) for row in rows]


def count(engine: Engine, table: object) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


@pytest.fixture
def installed_runtime(engine: Engine) -> Iterator[Runtime]:
    """The flow runtime of this test: its database, the repository's policies, no e-mail."""
    installed = Runtime(engine, POLICIES, email=None, email_retry_delays=(0.0, 0.0))
    install_runtime(installed)
    yield installed
    uninstall_runtime()
