"""The Prefect UI, checked in headless Chromium against a running `caseflow up`: runs, the sweep's table, escalation.

Chromium is Debian's (`/usr/bin/chromium`), driven by Playwright; nothing is downloaded. `make test` installs it.
Screenshots go to the folder this module prints (pytest -s shows it; failures name it too).
"""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from states.case import Actor
from tests.e2e.cli import CASEFLOW, clean_environment, read_until, run_caseflow
from tests.ports import free_port
from workflows.persistence import (
    CaseRow,
    EscalationRow,
    OutboxRow,
    load_all_policies,
    make_engine,
    make_session_factory,
)
from workflows.services import CaseService
from workflows.settings import REPOSITORY_CONFIG_DIR

pytestmark = pytest.mark.e2e

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CASES = ("E2E-0001", "E2E-0002")
MANAGER = "e2e-tm-north"
UI_TIMEOUT_MS = 30_000
RUN_TIMEOUT = 150.0


@dataclass(frozen=True)
class RunningStack:
    ui_url: str
    api_url: str
    env: dict[str, str]
    engine: sa.Engine
    screenshots: Path


def _wait_for(check: Callable[[], bool], what: str, timeout: float = RUN_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.5)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def _fire_triggers(engine: sa.Engine) -> None:
    """Two fictional cases: referred weeks ago, section 47 enquiry started, the conference now overdue."""
    service = CaseService(make_session_factory(engine), load_all_policies(REPOSITORY_CONFIG_DIR / "policies"))
    start = date.today() - timedelta(days=40)
    for reference in CASES:
        referral = {"referral_date": start, "date_of_birth": date(2016, 5, 4), "team": "north"}
        service.fire(reference, "receive_referral", referral, Actor("e2e-sw", "social_worker"), start)
        s47 = {"strategy_discussion_date": start + timedelta(days=1)}
        service.fire(reference, "start_s47", s47, Actor("e2e-sw", "social_worker"), start + timedelta(days=1))


def _undelivered(engine: sa.Engine) -> int:
    outbox = OutboxRow.__table__
    with engine.connect() as connection:
        query = sa.select(sa.func.count()).select_from(outbox).where(outbox.c.delivered_at.is_(None))
        return int(connection.execute(query).scalar_one())


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    """`caseflow up --no-demo` on a free port; two cases fired, a sweep run through Prefect, the outbox delivered."""
    if shutil.which(CHROMIUM) is None:
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium chromium-driver; "
            "`make test` does it)"
        )
    root = tmp_path_factory.mktemp("prefect-ui")
    screenshots = root / "screenshots"
    screenshots.mkdir()
    print(f"\nPrefect UI screenshots: {screenshots}")
    port = free_port()
    env = clean_environment(
        CASEFLOW_DATA_DIR=str(root / "data"), CASEFLOW_PREFECT_PORT=str(port), CASEFLOW_LOG_FORMAT="json"
    )
    process = subprocess.Popen(
        # The API and console on a free port too: another server on the default 8000 must not stop the stack.
        [CASEFLOW, "up", "--no-demo", "--dispatch-seconds", "1", "--api-port", str(free_port())],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=root,
    )
    engine = make_engine(f"sqlite:///{root / 'data' / 'caseflow.db'}")
    try:
        read_until(process, "Prefect UI:", timeout=180)
        api_url = f"http://127.0.0.1:{port}/api"
        _fire_triggers(engine)
        staff = run_caseflow(
            "staff",
            "add",
            MANAGER,
            "--role",
            "team_manager",
            "--team",
            "north",
            "--email",
            f"{MANAGER}@example.org",
            env=env,
        )
        assert staff.returncode == 0, staff.stderr
        sweep = run_caseflow("sweep", env={**env, "CASEFLOW_PREFECT_API_URL": api_url}, timeout=180)
        assert sweep.returncode == 0, sweep.stderr
        _wait_for(
            lambda: _undelivered(engine) == 0, "the outbox dispatcher to deliver every trigger to case-transition"
        )
        yield RunningStack(f"http://127.0.0.1:{port}", api_url, env, engine, screenshots)
    finally:
        engine.dispose()
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=90)
        assert process.returncode == 0, output


@pytest.fixture(scope="module")
def browser(stack: RunningStack) -> Iterator[object]:
    from playwright.sync_api import expect, sync_playwright

    # An assertion waits as long as an action may (its own default is 5 s): on a busy machine a page that is
    # right can take longer than that to render; a page that is wrong still fails, at the end of the wait.
    expect.set_options(timeout=UI_TIMEOUT_MS)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: object, stack: RunningStack, request: pytest.FixtureRequest) -> Iterator[object]:
    from playwright.sync_api import Browser

    assert isinstance(browser, Browser)
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(UI_TIMEOUT_MS)
    page = context.new_page()
    yield page
    # Whatever the outcome, the last screen is kept: it is what a failure needs looked at.
    page.screenshot(path=str(stack.screenshots / f"{request.node.name}-last.png"))
    context.close()


def _run_item(page: object, name: str) -> object:
    from playwright.sync_api import Page

    assert isinstance(page, Page)
    return page.locator(".flow-run-list-item").filter(
        has=page.locator(".flow-run-bread-crumbs__flow-run-link", has_text=re.compile(f"^{re.escape(name)}$"))
    )


def test_the_runs_page_lists_case_transition_runs_named_and_tagged_with_the_case_reference(
    page: object, stack: RunningStack
) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    page.goto(f"{stack.ui_url}/runs")
    for reference in CASES:
        item = _run_item(page, f"{reference} start_s47")
        expect(item).to_be_visible()
        expect(item.locator(".p-tag", has_text=f"case:{reference}")).to_be_visible()
        expect(item.locator(".p-tag", has_text="trigger:start_s47")).to_be_visible()
        expect(item.locator(".state-badge")).to_have_text(re.compile("Completed"))
    page.screenshot(path=str(stack.screenshots / "prefect-ui-runs.png"))


def test_the_sweep_run_shows_its_overdue_table_with_case_references(page: object, stack: RunningStack) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    page.goto(f"{stack.ui_url}/runs")
    page.locator(".flow-run-bread-crumbs__flow-run-link", has_text=f"deadline-sweep {date.today().isoformat()}").click()
    page.wait_for_url(re.compile(r"/runs/flow-run/"))
    page.get_by_role("button", name="Artifacts").or_(page.get_by_text("Artifacts", exact=True)).first.click()
    page.get_by_text("deadline-sweep-overdue", exact=True).first.click()
    page.wait_for_url(re.compile(r"/artifacts/"))
    if "/artifacts/key/" in page.url:  # the key's page lists its versions: open the newest
        page.locator("a[href*='/artifacts/artifact/']").first.click()
    table = page.locator("table.p-table__table")
    expect(table.locator("th[title='case_reference']")).to_be_visible()
    for reference in CASES:
        expect(table.locator("td", has_text=reference).first).to_be_visible()
    page.screenshot(path=str(stack.screenshots / "prefect-ui-sweep-overdue.png"))


def test_the_manager_escalation_form_starts_a_run_that_escalates_the_case(page: object, stack: RunningStack) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    page.goto(f"{stack.ui_url}/deployments")
    page.get_by_role("link", name="manager-escalation").first.click()
    page.wait_for_url(re.compile(r"/deployments/deployment/"))
    page.get_by_role("button", name="Run", exact=True).click()
    page.get_by_text("Custom run").click()
    page.wait_for_url(re.compile(r"/run(\?.*)?$"))

    def field(name: str) -> object:
        label = page.locator(".schema-form-property__label", has_text=re.compile(f"^{name}$"))
        return page.locator(".schema-form-property").filter(has=label)

    field("case_reference").locator("textarea").fill(CASES[0])  # type: ignore[attr-defined]
    field("level").locator("textarea").fill("service_manager")  # type: ignore[attr-defined]
    field("manager_id").locator("textarea").fill(MANAGER)  # type: ignore[attr-defined]
    # The select opens from the keyboard; a synthetic click does not reach its pop-over in headless Chromium.
    field("reason").locator(".p-select-button__control").press("ArrowDown")  # type: ignore[attr-defined]
    page.get_by_role("option", name="deadline_missed", exact=True).click()
    page.screenshot(path=str(stack.screenshots / "prefect-ui-escalation-form.png"))
    page.get_by_role("button", name="Submit").click()
    page.wait_for_url(re.compile(r"/deployments/deployment/[^/]+(\?.*)?$"))

    run_name = f"escalate {CASES[0]} to service_manager"
    _wait_for(
        lambda: _escalations(stack.engine, CASES[0]) == [("service_manager", "manual", MANAGER)],
        f"the {run_name!r} run to record the escalation",
    )
    _wait_for(
        lambda: _run(stack.api_url, run_name).get("state_type") == "COMPLETED", f"the {run_name!r} run to complete"
    )
    # Opened once the API reports the run completed, the run's own page has that state to show as it loads: it
    # reads this one run, where the runs list depends on its sort, its page size and when it last refreshed.
    page.goto(f"{stack.ui_url}/runs/flow-run/{_run(stack.api_url, run_name)['id']}")
    heading = page.locator(".page-heading-flow-run")
    expect(heading).to_contain_text(run_name)
    expect(heading.locator(".state-badge")).to_have_text(re.compile("Completed"))
    expect(heading.locator(".p-tag", has_text="escalation")).to_be_visible()
    page.screenshot(path=str(stack.screenshots / "prefect-ui-escalation-run.png"))


def _run(api_url: str, name: str) -> dict[str, Any]:
    """The newest flow run named `name`, as the API has it now (an empty dict while there is none)."""
    body = json.dumps({"flow_runs": {"name": {"any_": [name]}}, "sort": "EXPECTED_START_TIME_DESC", "limit": 1})
    request = urllib.request.Request(f"{api_url}/flow_runs/filter", body.encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        runs: list[dict[str, Any]] = json.load(response)
    return runs[0] if runs else {}


def _escalations(engine: sa.Engine, reference: str) -> list[tuple[str, str, str]]:
    escalations, cases = EscalationRow.__table__, CaseRow.__table__
    query = (
        sa.select(escalations.c.level, escalations.c.source, escalations.c.raised_by)
        .join(cases, cases.c.id == escalations.c.case_id)
        .where(cases.c.reference == reference, escalations.c.source == "manual")
    )
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(query)]  # type: ignore[misc]
