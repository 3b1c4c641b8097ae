"""The console in headless Chromium against a real server process: sign-in, team scoping, escalating by hand,
refusals (forged posts, missing CSRF tokens, no session)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.e2e.console_fixtures import (
    CHROMIUM,
    CHROMIUM_ARGS,
    NORTH_FRESH,
    NORTH_LATE,
    NORTH_MANAGER,
    NORTH_WORKER,
    PASSWORDS,
    SOUTH_LATE,
    ConsoleServer,
    console_server,
)
from workflows.persistence import AuditEventRow, CaseReadRow, EscalationRow

pytestmark = pytest.mark.e2e
TIMEOUT_MS = 15_000


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsoleServer]:
    yield from console_server(tmp_path_factory.mktemp("console"))


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, server: ConsoleServer) -> Iterator[Any]:
    context = browser.new_context(base_url=server.url)
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()


def sign_in(page: Any, staff_id: str) -> None:
    page.goto("/sign-in")
    page.get_by_label("Staff ID").fill(staff_id)
    page.get_by_label("Password").fill(PASSWORDS[staff_id])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/cases$"))


def _rows(engine: sa.Engine, query: Any) -> list[Any]:
    with engine.connect() as connection:
        return list(connection.execute(query))


def test_a_north_manager_sees_north_cases_only_and_escalates_a_late_one_as_themselves(
    page: Any, server: ConsoleServer
) -> None:
    sign_in(page, NORTH_MANAGER)
    listed = page.locator("#main-content table tbody th").all_inner_texts()
    assert sorted(listed) == [NORTH_FRESH, NORTH_LATE]
    page.get_by_label("Late only").check()
    page.get_by_role("button", name="Apply filters").click()
    assert page.locator("#main-content table tbody th").all_inner_texts() == [NORTH_LATE]

    page.get_by_role("link", name=NORTH_LATE).click()
    page.wait_for_url(re.compile(f"/cases/{NORTH_LATE}$"))
    late = page.locator("#open-actions + div table .govuk-tag--red")
    assert late.count() >= 1, "the case's initial conference is late, so at least one red 'working days late' tag"
    page.get_by_label("Level").select_option("service_manager")
    page.get_by_label("Reason").select_option("deadline_missed")
    page.get_by_role("button", name="Escalate").click()

    page.wait_for_url(re.compile(rf"/cases/{NORTH_LATE}\?escalated=\d+"))
    assert "escalated" in page.get_by_role("alert").inner_text()
    row = page.locator("#escalations-table tbody tr").filter(has_text="by hand")
    assert row.inner_text().split("\t")[1:3] == ["service manager", NORTH_MANAGER]
    escalations = EscalationRow.__table__
    recorded = _rows(
        server.engine,
        sa.select(escalations.c.level, escalations.c.raised_by, escalations.c.reason_code, escalations.c.raised_via),
    )
    assert [tuple(r) for r in recorded] == [("service_manager", NORTH_MANAGER, "deadline_missed", "console")]
    # Each view of the case page is in the access log, as the manager, through the console.
    reads = CaseReadRow.__table__
    viewed = _rows(
        server.engine, sa.select(reads.c.staff_id, reads.c.channel).where(reads.c.case_reference == NORTH_LATE)
    )
    assert {tuple(r) for r in viewed} == {(NORTH_MANAGER, "console")}


def test_a_south_case_is_not_found_for_the_north_manager(page: Any) -> None:
    sign_in(page, NORTH_MANAGER)
    response = page.goto(f"/cases/{SOUTH_LATE}")
    assert response.status == 404
    assert page.get_by_role("heading", level=1).inner_text() == "Page not found"
    assert SOUTH_LATE not in page.content()


def test_a_social_worker_sees_no_escalate_form_and_a_forged_post_is_refused_and_audited(
    page: Any, server: ConsoleServer
) -> None:
    sign_in(page, NORTH_WORKER)
    page.goto(f"/cases/{NORTH_FRESH}")
    assert page.get_by_role("heading", name=NORTH_FRESH).is_visible()
    assert page.get_by_role("button", name="Escalate").count() == 0
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    form = {"csrf_token": token, "level": "team_manager", "reason": "deadline_missed", "note": ""}
    forged = page.request.post(f"/cases/{NORTH_FRESH}/escalations", form=form, max_redirects=0)
    assert forged.status == 403
    events = AuditEventRow.__table__
    refused = _rows(
        server.engine,
        sa.select(events.c.actor_id, events.c.actor_role).where(
            events.c.case_reference == NORTH_FRESH, events.c.event_type == "escalation_refused"
        ),
    )
    assert [tuple(r) for r in refused] == [(NORTH_WORKER, "social_worker")]
    escalations = EscalationRow.__table__
    assert _rows(server.engine, sa.select(escalations.c.id).where(escalations.c.raised_by == NORTH_WORKER)) == []


def test_a_request_without_a_session_is_sent_to_sign_in_and_back_after(page: Any) -> None:
    page.goto(f"/cases/{NORTH_LATE}")
    assert re.search(r"/sign-in\?next=%2Fcases%2FCON-N-LATE$", page.url), page.url
    page.get_by_label("Staff ID").fill(NORTH_MANAGER)
    page.get_by_label("Password").fill(PASSWORDS[NORTH_MANAGER])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(f"/cases/{NORTH_LATE}$"))


def test_a_wrong_password_is_refused_in_one_line_without_echoing_it(page: Any) -> None:
    page.goto("/sign-in")
    page.get_by_label("Staff ID").fill(NORTH_MANAGER)
    page.get_by_label("Password").fill("not the password at all")
    page.get_by_role("button", name="Sign in").click()
    assert "match a member of staff" in page.locator(".govuk-error-summary").inner_text()
    assert "not the password at all" not in page.content()
    assert page.url.endswith("/sign-in")


def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(page: Any, server: ConsoleServer) -> None:
    sign_in(page, NORTH_MANAGER)
    escalations = EscalationRow.__table__
    before = _rows(server.engine, sa.select(sa.func.count()).select_from(escalations))[0][0]
    form = {"level": "team_manager", "reason": "deadline_missed", "note": ""}
    response = page.request.post(f"/cases/{NORTH_LATE}/escalations", form=form, max_redirects=0)
    assert response.status == 403
    wrong = page.request.post(f"/cases/{NORTH_LATE}/escalations", form={**form, "csrf_token": "guess"}, max_redirects=0)
    assert wrong.status == 403
    assert _rows(server.engine, sa.select(sa.func.count()).select_from(escalations))[0][0] == before


def test_signing_out_ends_the_session_so_its_cookie_is_worth_nothing(page: Any) -> None:
    sign_in(page, NORTH_MANAGER)
    cookie = next(c for c in page.context.cookies() if c["name"] == "caseflow_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/sign-in"))
    page.context.add_cookies([{**cookie}])
    page.goto("/cases")
    assert "/sign-in" in page.url


def test_the_server_log_holds_no_password(server: ConsoleServer) -> None:
    log = Path(server.log).read_text()
    assert "case_viewed" in log
    assert not [password for password in PASSWORDS.values() if password in log]
