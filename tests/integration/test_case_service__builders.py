"""Builders for the case service tests: the service on a test database, staff, a standard journey, snapshots.

The standard journey (November 2026, no bank holidays): referral Mon 2026-11-02, strategy discussion Tue 11-03,
conference decided Wed 11-04 for Tue 11-24.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Engine

from states.case import Actor, TransitionResult
from workflows.persistence import (
    ANCHOR_COLUMNS,
    ActionRow,
    AuditEventRow,
    CaseRow,
    OutboxRow,
    load_all_policies,
    make_session_factory,
)
from workflows.services import CaseService
from workflows.settings import REPOSITORY_CONFIG_DIR

POLICIES = load_all_policies(REPOSITORY_CONFIG_DIR / "policies")
RECORDED_AT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)

SOCIAL_WORKER = Actor("sw-1", "social_worker")
TEAM_MANAGER = Actor("tm-1", "team_manager")
CHAIR = Actor("chair-1", "cp_chair")
BUSINESS_SUPPORT = Actor("bs-1", "business_support")

REFERRAL = {"referral_date": "2026-11-02", "date_of_birth": "2016-05-01", "team": "north"}
STRATEGY_DISCUSSION = {"strategy_discussion_date": "2026-11-03"}
CONVENE = {"decision_date": "2026-11-04", "conference_date": "2026-11-24"}
NO_FURTHER_ACTION = {"reason": "no concerns substantiated", "date": "2026-11-05"}


def fixed_clock() -> datetime:
    return RECORDED_AT


def make_service(engine: Engine, clock: Callable[[], datetime] = fixed_clock) -> CaseService:
    return CaseService(make_session_factory(engine), POLICIES, clock=clock)


def referred(service: CaseService, reference: str = "CP-1") -> TransitionResult:
    """A case just referred (version 1, status referred, referral_decision open)."""
    return service.fire(reference, "receive_referral", REFERRAL, SOCIAL_WORKER, date(2026, 11, 2))


def in_s47_enquiry(service: CaseService, reference: str = "CP-1") -> TransitionResult:
    """A case in a section 47 enquiry (version 2, hold_icpc open, due 15 WD after Tue 11-03: Tue 11-24)."""
    referred(service, reference)
    return service.fire(reference, "start_s47", STRATEGY_DISCUSSION, SOCIAL_WORKER, date(2026, 11, 3))


def _rows(conn: sa.Connection, table: Any, where: Any, order: Any) -> list[tuple[Any, ...]]:
    columns = table if isinstance(table, list) else [table]
    return [tuple(row) for row in conn.execute(sa.select(*columns).where(where).order_by(order))]


def _case_columns(cases: sa.Table) -> list[sa.Column[Any]]:
    return [column for column in cases.c if column.name not in ANCHOR_COLUMNS]


def snapshot(engine: Engine, reference: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row the case owns, in every table a trigger writes."""
    cases, actions = CaseRow.__table__, ActionRow.__table__
    events, outbox = AuditEventRow.__table__, OutboxRow.__table__
    with engine.connect() as conn:
        case_ids = sa.select(cases.c.id).where(cases.c.reference == reference).scalar_subquery()
        return {
            # Less the audit anchor, which every audited event moves (a refusal too): the case's own columns.
            "case": _rows(conn, _case_columns(cases), cases.c.reference == reference, cases.c.id),
            "actions": _rows(conn, actions, actions.c.case_id == case_ids, actions.c.id),
            "audit": _rows(conn, events, events.c.case_reference == reference, events.c.seq),
            "outbox": _rows(conn, outbox, outbox.c.case_reference == reference, outbox.c.id),
        }


def audit_events(engine: Engine, reference: str) -> list[Any]:
    events = AuditEventRow.__table__
    with engine.connect() as conn:
        query = sa.select(events).where(events.c.case_reference == reference).order_by(events.c.seq)
        return list(conn.execute(query))


def outbox_rows(engine: Engine, reference: str) -> list[Any]:
    outbox = OutboxRow.__table__
    with engine.connect() as conn:
        return list(conn.execute(sa.select(outbox).where(outbox.c.case_reference == reference).order_by(outbox.c.id)))
