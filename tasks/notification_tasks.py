"""Prefect tasks that record and send notices: ids in, ids or flags out."""

from __future__ import annotations

from datetime import date
from typing import ParamSpec, TypeVar

from prefect import Task, task
from prefect.cache_policies import NO_CACHE

from tasks.errors import DigestsNotSent, NoticesNotSent
from workflows.bootstrap import current_runtime
from workflows.delivery import deliver_notice, incidents, mailer_of, notice_people
from workflows.logs import get_logger
from workflows.persistence import load_notice, mark_emailed, record_email_failure, unsent_emails
from workflows.sweep import email_digests, failed_digests, record_digests, unsent_digests

__all__ = [
    "DigestsNotSent",
    "NoticesNotSent",
    "email_notices",
    "email_sweep_digests",
    "record_digest_incidents",
    "record_email_incidents",
    "record_sweep_digests",
    "with_email_retries",
]

log = get_logger("caseflow.notifications")
P = ParamSpec("P")
R = TypeVar("R")
# For the tasks that only write keyed rows (a retry adds nothing); e-mail retries are the runtime's.
RETRIES = 2
RETRY_DELAYS = [1.0, 4.0]


def with_email_retries(email_task: Task[P, R]) -> Task[P, R]:
    """An e-mail task with this process's retries and backoff (runtime.email_retry_delays); after them, an incident."""
    delays = current_runtime().email_retry_delays
    return email_task.with_options(retries=len(delays), retry_delay_seconds=list(delays) or 0)


@task(name="email-notices", cache_policy=NO_CACHE)
def email_notices(notification_ids: list[int]) -> int:
    """E-mail the inbox notices among `notification_ids` not sent yet; raises while any fails, so a retry sends
    those only. Returns how many went now. Retries are set by the flow (with_email_retries)."""
    rt = current_runtime()
    if rt.email is None:
        return 0
    with rt.engine.connect() as connection:
        unsent = unsent_emails(connection, notification_ids)
    sent, failed = 0, 0
    for notification_id in unsent:
        if _email_one(notification_id):
            sent += 1
        else:
            failed += 1
    if failed:
        raise NoticesNotSent(f"{failed} of {len(unsent)} notice e-mail(s) not sent")
    return sent


def _email_one(notification_id: int) -> bool:
    """Send one notice; False when the channel refused it (recorded on the notice)."""
    rt = current_runtime()
    assert rt.email is not None
    with rt.engine.connect() as connection:
        notice, _ = load_notice(connection, notification_id)
        people = notice_people(connection, notice.case_reference, notice.recipient_role, rt.policies)
    try:
        deliver_notice(rt.email, notice, people)
    except Exception as exc:  # any channel failure is recorded on the notice, then retried or made an incident
        with rt.engine.begin() as connection:
            record_email_failure(connection, notification_id, str(exc))
        return False
    with rt.engine.begin() as connection:
        mark_emailed(connection, notification_id, rt.clock())
    log.info("notification_emailed", case_ref=notice.case_reference, notification_id=notification_id)
    return True


@task(name="record-email-incidents", cache_policy=NO_CACHE, retries=RETRIES, retry_delay_seconds=RETRY_DELAYS)
def record_email_incidents(notification_ids: list[int], flow_run_id: str | None) -> list[int]:
    """Open (or reopen) an incident for each notice among `notification_ids` still not e-mailed; their ids."""
    rt = current_runtime()
    with rt.engine.begin() as connection:
        unsent = unsent_emails(connection, notification_ids)
        for notification_id in unsent:
            notice, _ = load_notice(connection, notification_id)
            incidents.open_incident(
                connection,
                incidents.email_subject(notification_id),
                incidents.EMAIL_FAILED,
                incidents.notification_error(connection, notification_id),
                rt.clock(),
                case_reference=notice.case_reference,
                notification_id=notification_id,
                flow_run_id=flow_run_id,
            )
            log.warning("incident_opened", case_ref=notice.case_reference, kind=incidents.EMAIL_FAILED)
    return unsent


@task(name="record-sweep-digests", cache_policy=NO_CACHE, retries=RETRIES, retry_delay_seconds=RETRY_DELAYS)
def record_sweep_digests(as_of: date) -> int:
    """One inbox digest per recipient (role, team) of what the sweep of `as_of` raised; how many are new."""
    rt = current_runtime()
    with rt.engine.begin() as connection:
        created = record_digests(connection, as_of, rt.clock(), rt.policies)
    log.info("sweep_digests_recorded", as_of=as_of.isoformat(), created=created)
    return created


@task(name="email-sweep-digests", cache_policy=NO_CACHE)
def email_sweep_digests(as_of: date) -> int:
    """E-mail the digests of `as_of` not sent yet; raises while any fails, so a retry sends those. Retries: the flow."""
    rt = current_runtime()
    mailer = mailer_of(rt.email)
    if mailer is None:
        return 0
    with rt.engine.connect() as connection:
        unsent = unsent_digests(connection, as_of)
    sent, failed = email_digests(rt.engine, mailer, unsent, rt.clock(), rt.policies)
    log.info("sweep_digests_emailed", as_of=as_of.isoformat(), sent=len(sent), failed=len(failed))
    if failed:
        raise DigestsNotSent(
            f"sweep {as_of.isoformat()}: {len(failed)} of {len(sent) + len(failed)} digest e-mail(s) not sent"
        )
    return len(sent)


@task(name="record-digest-incidents", cache_policy=NO_CACHE, retries=RETRIES, retry_delay_seconds=RETRY_DELAYS)
def record_digest_incidents(as_of: date, flow_run_id: str | None) -> list[int]:
    """Open (or reopen) an incident per digest of `as_of` whose e-mail failed every retry; their ids."""
    rt = current_runtime()
    with rt.engine.begin() as connection:
        opened = [
            incidents.open_incident(
                connection,
                incidents.digest_subject(digest.id),
                incidents.DIGEST_EMAIL_FAILED,
                f"{digest}: {incidents.digest_error(connection, digest.id)}",
                rt.clock(),
                digest_id=digest.id,
                flow_run_id=flow_run_id,
            )
            for digest in failed_digests(connection, as_of)
        ]
    log.warning("incidents_opened", as_of=as_of.isoformat(), incidents=opened, kind=incidents.DIGEST_EMAIL_FAILED)
    return opened
