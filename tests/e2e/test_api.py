"""The HTTP API as a case-management system meets it: the real `caseflow api` process, on SQLite and PostgreSQL.

Dates: the referral is Mon 2 Nov 2026 and the strategy discussion Tue 3 Nov 2026, both before any day these tests
run (the server's today is the real date, and a trigger refuses a date that has not happened yet).
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, select

from tests.cli_in_process import run_main
from tests.e2e.api_server import ApiServer, add_staff, api_environment, bearer, running_api, token_for
from workflows.persistence import AuditEventRow, EscalationRow, make_engine

pytestmark = [pytest.mark.e2e, pytest.mark.both_databases]

REFERRAL = {"referral_date": "2026-11-02", "date_of_birth": "2019-05-17", "team": "north"}
PROBLEM = "application/problem+json"
_events = AuditEventRow.__table__


@pytest.fixture
def engine(database_url: str) -> Engine:
    created = make_engine(database_url)
    yield created  # type: ignore[misc]
    created.dispose()


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return api_environment(database_url, tmp_path / "data")


@pytest.fixture
def server(env: dict[str, str], tmp_path: Path) -> ApiServer:
    with running_api(env, tmp_path / "api.log") as running:
        yield running  # type: ignore[misc]


def _trigger(server: ApiServer, reference: str, trigger: str, body: object, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(f"{server.url}/api/v1/cases/{reference}/triggers/{trigger}", json=body, headers=headers)


def _events_of(engine: Engine, reference: str) -> list[tuple[str, str | None, str]]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(_events.c.event_type, _events.c.trigger, _events.c.actor_id)
            .where(_events.c.case_reference == reference)
            .order_by(_events.c.seq)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


def test_the_issue_acceptance_a_north_worker_opens_a_case_a_south_worker_cannot_see_it_and_end_plan_is_refused(
    env: dict[str, str], server: ApiServer, engine: Engine
) -> None:
    for staff_id, team in (("sw-n1", "north"), ("sw-s1", "south")):
        added = run_main(
            "staff", "add", staff_id, "--role", "social_worker", "--team", team, "--email", f"{staff_id}@example.org",
            env=env,
        )  # fmt: skip
        assert added.returncode == 0, added.stderr
    north = json.loads(run_main("staff", "token", "create", "sw-n1", "--json", env=env).stdout)["token"]
    south = json.loads(run_main("staff", "token", "create", "sw-s1", "--json", env=env).stdout)["token"]

    opened = _trigger(server, "API-1", "receive_referral", REFERRAL, bearer(north))
    seen_by_north = httpx.get(f"{server.url}/api/v1/cases/API-1", headers=bearer(north))
    seen_by_south = httpx.get(f"{server.url}/api/v1/cases/API-1", headers=bearer(south))
    missing = httpx.get(f"{server.url}/api/v1/cases/API-404", headers=bearer(south))
    south_list = httpx.get(f"{server.url}/api/v1/cases", headers=bearer(south))
    north_list = httpx.get(f"{server.url}/api/v1/cases", headers=bearer(north))
    end_plan = _trigger(server, "API-1", "end_plan", {"reason": "child_protection_no_longer_needed"}, bearer(north))

    assert opened.status_code == 200, opened.text
    assert (opened.json()["status"], opened.json()["version"]) == ("referred", 1)
    assert seen_by_north.status_code == 200 and seen_by_north.json()["team"] == "north"
    assert seen_by_south.status_code == 404 and seen_by_south.headers["content-type"] == PROBLEM
    # A case out of sight reads exactly as one that does not exist, but for its reference.
    assert seen_by_south.json()["detail"] == missing.json()["detail"].replace("API-404", "API-1")
    assert [case["reference"] for case in north_list.json()["cases"]] == ["API-1"]
    assert south_list.json()["cases"] == []
    assert end_plan.status_code == 403 and end_plan.headers["content-type"] == PROBLEM
    assert end_plan.json()["detail"] == (
        "role 'social_worker' may not fire 'end_plan' under policy 'default' "
        "(team_manager, service_manager, head_of_service may)"
    )
    assert _events_of(engine, "API-1") == [
        ("trigger_fired", "receive_referral", "sw-n1"),
        ("trigger_refused", "end_plan", "sw-n1"),
    ]
    everything = opened.text + seen_by_north.text + server.log()
    assert "2019-05-17" not in everything
    # The access log: the north worker's read, through the API; the south worker's refused one is not a read.
    access = run_main("audit", "access", "API-1", env=env)
    assert access.returncode == 0, access.stderr
    assert "sw-n1" in access.stdout and " api" in access.stdout and "sw-s1" not in access.stdout


def test_no_token_a_wrong_an_expired_and_a_revoked_one_are_401_and_no_secret_is_stored_or_logged(
    server: ApiServer, engine: Engine
) -> None:
    from datetime import timedelta

    from workflows.persistence import Base
    from workflows.services import revoke_token
    from workflows.settings import utc_now

    add_staff(engine, "cms", ("business_support",), ("north",))
    live = token_for(engine, "cms")
    # Issued 40 days ago for 30 days: it expired at midnight ten days ago.
    expired = token_for(engine, "cms", days=30, issued_at=utc_now() - timedelta(days=40))
    revoked = token_for(engine, "cms")
    revoke_token(engine, revoked.split("_")[1])
    token_id, secret = live.split("_")[1:]
    unknown = f"cf_{'0' * 16}_{secret}"
    wrong_secret = f"cf_{token_id}_{'0' * 64}"

    url = f"{server.url}/api/v1/cases"
    answers = {
        "none": httpx.get(url),
        "basic": httpx.get(url, headers={"Authorization": "Basic Y21zOmNtcw=="}),
        "malformed": httpx.get(url, headers=bearer("not-a-token")),
        "unknown": httpx.get(url, headers=bearer(unknown)),
        "wrong secret": httpx.get(url, headers=bearer(wrong_secret)),
        "expired": httpx.get(url, headers=bearer(expired)),
        "revoked": httpx.get(url, headers=bearer(revoked)),
    }
    accepted = httpx.get(url, headers=bearer(live))

    assert {name: answer.status_code for name, answer in answers.items()} == dict.fromkeys(answers, 401)
    assert all(answer.headers["www-authenticate"].startswith("Bearer") for answer in answers.values())
    assert all(answer.headers["content-type"] == PROBLEM for answer in answers.values())
    assert answers["expired"].json()["detail"] == answers["revoked"].json()["detail"] == "API token refused"
    assert answers["none"].json()["detail"] == (
        "header Authorization: missing: expected 'Authorization: Bearer <token>'"
    )
    assert answers["basic"].json()["detail"] == (
        "header Authorization: not a bearer token: expected 'Authorization: Bearer <token>'"
    )
    assert accepted.status_code == 200
    with engine.connect() as connection:
        stored = [repr(row) for table in Base.metadata.sorted_tables for row in connection.execute(select(table))]
    for token in (live, expired, revoked):
        assert token.split("_")[2] not in "\n".join(stored) + server.log()


def test_a_replay_with_the_same_key_and_body_returns_the_first_answer_and_fires_nothing_again(
    server: ApiServer, engine: Engine
) -> None:
    add_staff(engine, "cms", ("social_worker",), ("north",))
    headers = {**bearer(token_for(engine, "cms")), "Idempotency-Key": "3f9c2a1e-referral-api-2"}

    first = _trigger(server, "API-2", "receive_referral", REFERRAL, headers)
    again = _trigger(server, "API-2", "receive_referral", REFERRAL, headers)
    other = _trigger(server, "API-2", "receive_referral", {**REFERRAL, "referral_date": "2026-11-03"}, headers)
    case = httpx.get(f"{server.url}/api/v1/cases/API-2", headers=headers)

    assert first.status_code == again.status_code == 200
    assert again.content == first.content and again.headers["idempotent-replayed"] == "true"
    assert case.json()["version"] == 1
    assert _events_of(engine, "API-2") == [("trigger_fired", "receive_referral", "cms")]
    assert other.status_code == 422 and other.headers["content-type"] == PROBLEM
    assert other.json()["detail"].startswith("header Idempotency-Key: this key was used for another request")


def test_refusals_are_problems_naming_the_field_conflicts_list_what_is_allowed(
    server: ApiServer, engine: Engine
) -> None:
    add_staff(engine, "tm-n1", ("social_worker", "team_manager"), ("north",))
    token = token_for(engine, "tm-n1")
    manager = bearer(token, "team_manager")
    assert _trigger(server, "API-3", "receive_referral", REFERRAL, manager).status_code == 200

    no_role = _trigger(server, "API-3", "start_s47", {"strategy_discussion_date": "2026-11-03"}, bearer(token))
    not_held = _trigger(server, "API-3", "start_s47", {}, bearer(token, "cp_chair"))
    not_now = _trigger(server, "API-3", "hold_core_group", {}, manager)
    stale = _trigger(
        server, "API-3", "start_s47", {"strategy_discussion_date": "2026-11-03", "expected_version": 7}, manager
    )
    bad_birth = _trigger(server, "API-4", "receive_referral", {**REFERRAL, "date_of_birth": "2019-13-45"}, manager)
    not_json = httpx.post(
        f"{server.url}/api/v1/cases/API-3/triggers/start_s47",
        content=b"{not json",
        headers={**manager, "content-type": "application/json"},
    )
    too_large = httpx.post(
        f"{server.url}/api/v1/cases/API-3/triggers/start_s47",
        content=b"{" + b" " * (64 * 1024) + b"}",
        headers={**manager, "content-type": "application/json"},
    )
    other_team = _trigger(server, "API-5", "receive_referral", {**REFERRAL, "team": "south"}, manager)
    no_route = httpx.get(f"{server.url}/api/v1/nothing-here", headers=manager)

    problems = [no_role, not_held, not_now, stale, bad_birth, not_json, too_large, other_team, no_route]
    assert [answer.status_code for answer in problems] == [422, 403, 409, 409, 422, 422, 413, 403, 404]
    assert all(answer.headers["content-type"] == PROBLEM for answer in problems)
    assert no_role.json()["detail"] == (
        "header Caseflow-Role: missing: expected one of the roles you hold (social_worker, team_manager)"
    )
    assert not_held.json()["detail"] == "staff tm-n1: does not hold role cp_chair (holds: social_worker, team_manager)"
    assert not_now.json()["allowed"] == [
        "start_s47",
        "close_no_further_action",
        "record_birth",
        "complete_action",
        "allocate",
    ]
    assert not_now.json()["detail"].startswith("case API-3: trigger hold_core_group is not allowed in status referred")
    assert stale.json()["detail"].startswith("case API-3: changed by someone else since it was read")
    assert bad_birth.json()["detail"].startswith("receive_referral: date_of_birth")
    assert "2019-13-45" not in bad_birth.text
    assert not_json.json()["detail"] == "body: not valid JSON: expected a JSON object"
    assert too_large.json()["detail"] == "request body: more than 65536 bytes: expected at most 65536"
    assert other_team.json()["detail"] == "body field team: a new case must be for one of your teams (north)"
    assert httpx.get(f"{server.url}/api/v1/cases/API-3", headers=manager).json()["version"] == 1


def test_escalations_take_the_manager_from_the_token_and_a_south_manager_cannot_see_the_case(
    server: ApiServer, engine: Engine
) -> None:
    add_staff(engine, "tm-n1", ("team_manager",), ("north",))
    add_staff(engine, "tm-s1", ("team_manager",), ("south",))
    add_staff(engine, "sw-n1", ("social_worker",), ("north",))
    north, south, worker = (bearer(token_for(engine, staff)) for staff in ("tm-n1", "tm-s1", "sw-n1"))
    assert _trigger(server, "API-6", "receive_referral", REFERRAL, worker).status_code == 200
    url = f"{server.url}/api/v1/cases/API-6/escalations"
    body = {"level": "service_manager", "reason": "deadline_missed", "note": "private words"}

    raised = httpx.post(url, json=body, headers=north)
    by_south = httpx.post(url, json=body, headers=south)
    by_worker = httpx.post(url, json=body, headers=worker)
    case = httpx.get(f"{server.url}/api/v1/cases/API-6", headers=north).json()
    metrics = httpx.get(f"{server.url}/metrics", headers=north)

    assert raised.status_code == 201, raised.text
    assert raised.json() == {"id": 1, "reference": "API-6", "level": "service_manager", "reason": "deadline_missed"}
    assert [(e["raised_by"], e["level"]) for e in case["escalations"]] == [("tm-n1", "service_manager")]
    with engine.connect() as connection:
        raised_via = connection.execute(select(EscalationRow.raised_via)).scalars().all()
    assert raised_via == ["api"]
    assert "private words" not in json.dumps(case)
    assert by_south.status_code == 404
    assert by_worker.status_code == 403 and "is not a manager over team north" in by_worker.json()["detail"]
    assert 'caseflow_triggers_fired_total{trigger="receive_referral"} 1.0' in metrics.text.splitlines()
    assert metrics.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert httpx.get(f"{server.url}/api/v1/healthz").json() == {
        "status": "ok",
        "database": "ok",
        "prefect": "not_configured",
    }


def test_a_form_body_and_an_escalation_level_outside_the_role_alphabet_are_422_saying_what_is_expected(
    server: ApiServer, engine: Engine
) -> None:
    add_staff(engine, "tm-n1", ("team_manager",), ("north",))
    headers = bearer(token_for(engine, "tm-n1"))
    # curl -d without a Content-Type sends a form: the answer says a JSON object was expected, and how to send one.
    form = httpx.post(
        f"{server.url}/api/v1/cases/API-9/triggers/receive_referral",
        content="referral_date=2026-11-02",
        headers={**headers, "Content-Type": "application/x-www-form-urlencoded"},
    )
    # A level that is no role name (here a date and a control character) is bad data, and is not repeated back.
    level = httpx.post(
        f"{server.url}/api/v1/cases/API-9/escalations",
        json={"level": "2019-05-17\n\u0000x", "reason": "other"},
        headers=headers,
    )

    assert form.status_code == 422 and form.headers["content-type"] == PROBLEM
    assert form.json()["detail"] == (
        "body: not a JSON object: expected a JSON object sent with Content-Type: application/json"
    )
    assert level.status_code == 422 and level.headers["content-type"] == PROBLEM
    assert "2019-05-17" not in level.text and "2019-05-17" not in server.log()
