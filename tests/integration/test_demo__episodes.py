"""The demo caseload gives a few plan cases pre-proceedings episodes of every shape, on working days, never after today."""

from __future__ import annotations

from collections import Counter
from datetime import date

import sqlalchemy as sa

from states.pre_proceedings import PRE_PROCEEDINGS_TRIGGERS
from workflows.persistence import AuditEventRow, CaseRow, load_all_policies
from workflows.services import load_demo
from workflows.settings import REPOSITORY_CONFIG_DIR

# A Sunday, as in the census test: the history counted back from it crosses weekends and the Christmas bank holidays.
TODAY = date(2027, 1, 10)
POLICIES = load_all_policies(REPOSITORY_CONFIG_DIR / "policies")


def test_the_demo_holds_open_and_ended_episodes_fired_on_working_days_never_after_today(engine: sa.Engine) -> None:
    load_demo(engine, POLICIES, TODAY, size=300)
    calendar = POLICIES["default"].calendar()
    with engine.connect() as connection:
        tracks = Counter(connection.execute(sa.select(CaseRow.pre_proceedings)).scalars())
        fired = connection.execute(
            sa.select(AuditEventRow.trigger, AuditEventRow.occurred_on).where(
                AuditEventRow.trigger.in_(PRE_PROCEEDINGS_TRIGGERS)
            )
        ).all()
    assert {trigger for trigger, _ in fired} == set(PRE_PROCEEDINGS_TRIGGERS)
    assert {"letter_due", "meetings", "none"} <= set(tracks)
    assert [on for _, on in fired if on > TODAY or not calendar.is_working_day(on)] == []
