"""Every console page in headless Chromium: axe-core finds no serious or critical violation, nothing overflows
at 320 px wide, the main controls are reached by Tab alone, no script or style is blocked; and each page's
screenshot is saved under docs/images for docs/console.md."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from tests.e2e.console_fixtures import (
    AXE,
    CHROMIUM,
    CHROMIUM_ARGS,
    NORTH_LATE,
    NORTH_MANAGER,
    OPERATIONS,
    PASSWORDS,
    SCREENSHOTS,
    ConsoleServer,
    console_server,
)
from workflows.delivery import OUTBOX_STUCK
from workflows.delivery.incidents import open_incident, outbox_subject
from workflows.persistence import OutboxRow
from workflows.settings import utc_now

pytestmark = pytest.mark.e2e
TIMEOUT_MS = 15_000
# Page, who views it, and the screenshot's name.
PAGES = (
    ("/sign-in", None, "console-sign-in"),
    ("/cases", NORTH_MANAGER, "console-cases"),
    (f"/cases/{NORTH_LATE}", NORTH_MANAGER, "console-case"),
    ("/overdue", NORTH_MANAGER, "console-overdue"),
    ("/operations", OPERATIONS, "console-operations"),
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsoleServer]:
    for running in console_server(tmp_path_factory.mktemp("console")):
        _stuck_outbox_row(running.engine)
        yield running


def _stuck_outbox_row(engine: sa.Engine) -> None:
    """An incident for the operations page to show with its Retry button: the late case's first outbox row."""
    outbox = OutboxRow.__table__
    with engine.begin() as connection:
        row = connection.execute(sa.select(outbox.c.id).where(outbox.c.case_reference == NORTH_LATE)).first()
        assert row is not None
        error = "the case-transition flow failed 5 times"
        open_incident(
            connection,
            outbox_subject(row.id),
            OUTBOX_STUCK,
            error,
            utc_now(),
            case_reference=NORTH_LATE,
            outbox_id=row.id,
        )


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _page_as(browser: Any, server: ConsoleServer, staff_id: str | None, width: int = 1024) -> Any:
    context = browser.new_context(base_url=server.url, viewport={"width": width, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.blocked = []
    # A Content-Security-Policy refusal or a missing file shows as a console error: the page would be half-styled.
    page.on("console", lambda message: page.blocked.append(message.text) if message.type == "error" else None)
    if staff_id is not None:
        page.goto("/sign-in")
        page.get_by_label("Staff ID").fill(staff_id)
        page.get_by_label("Password").fill(PASSWORDS[staff_id])
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(re.compile(r"/cases$"))
    return page


def _serious_violations(page: Any) -> list[str]:
    page.evaluate(AXE.read_text())
    found = page.evaluate("axe.run(document, {resultTypes: ['violations']}).then(r => r.violations)")
    return [
        f"{v['id']} ({v['impact']}): {v['nodes'][0]['html'][:120]}"
        for v in found
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize(("path", "staff_id", "name"), PAGES, ids=[name for _, _, name in PAGES])
def test_a_page_has_no_serious_accessibility_violation_and_loads_every_asset(
    browser: Any, server: ConsoleServer, path: str, staff_id: str | None, name: str
) -> None:
    page = _page_as(browser, server, staff_id)
    response = page.goto(path)
    assert response.status == 200
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.body.classList.contains('govuk-frontend-supported')"), "GOV.UK Frontend's script ran"
    assert _serious_violations(page) == []
    assert page.blocked == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    page.context.close()


@pytest.mark.parametrize(("path", "staff_id", "name"), PAGES, ids=[name for _, _, name in PAGES])
def test_a_page_fits_320_px_wide(
    browser: Any, server: ConsoleServer, path: str, staff_id: str | None, name: str
) -> None:
    page = _page_as(browser, server, staff_id, width=320)
    page.goto(path)
    # Wide tables scroll inside their own focusable region; the page itself never scrolls sideways.
    wide = page.evaluate(
        "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 321"
        " && !(e.parentElement && e.parentElement.closest('.caseflow-table-scroll')))"
        ".map(e => e.tagName + '.' + e.className + ' ' + e.getBoundingClientRect().right).slice(0, 8)"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 320, wide
    assert _serious_violations(page) == []
    page.context.close()


def _tab_through(page: Any, presses: int) -> list[str]:
    reached = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        reached.append(page.evaluate("(e => e.id ? '#' + e.id : (e.innerText || '').trim())(document.activeElement)"))
    return reached


def test_the_case_list_and_its_filters_are_reached_by_tab_alone(browser: Any, server: ConsoleServer) -> None:
    page = _page_as(browser, server, NORTH_MANAGER)
    page.goto("/cases")
    reached = _tab_through(page, 25)
    for control in (
        "Skip to main content",
        "Your work",
        "Late work",
        "Sign out",
        "#status",
        "#team",
        "#late",
        "Apply filters",
        NORTH_LATE,
    ):
        assert control in reached, f"{control!r} not reached by Tab: {reached}"
    page.context.close()


def test_a_manager_escalates_by_keyboard_alone(browser: Any, server: ConsoleServer) -> None:
    page = _page_as(browser, server, NORTH_MANAGER)
    page.goto(f"/cases/{NORTH_LATE}")
    page.locator("#level").focus()
    page.keyboard.press("ArrowDown")  # the first level of the ladder
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "reason"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "note"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.innerText.trim()") == "Escalate"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/cases/{NORTH_LATE}\?escalated=\d+"))
    assert page.locator("#escalations-table").inner_text().count(NORTH_MANAGER) == 1
    page.context.close()


def test_operations_staff_retry_an_incident_with_its_button(browser: Any, server: ConsoleServer) -> None:
    page = _page_as(browser, server, OPERATIONS)
    page.goto("/operations")
    page.get_by_role("button", name=re.compile(r"Retry incident \d+")).click()
    page.wait_for_url(re.compile(r"/operations\?retried=\d+"))
    assert "retried" in page.get_by_role("alert").inner_text()
    assert "(retried 1)" in page.locator("#incidents + div table").inner_text()
    page.context.close()
