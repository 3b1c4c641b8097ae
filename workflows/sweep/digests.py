"""Sweep digests: what a deadline sweep raised, told once per recipient (a role of a team) and sweep date.

An action's reminder, and its escalation at the `owner` rung, go to the action's owner role in the case's team (to
the case's allocated worker, in a digest of their own, when the case's policy allocates the owner role: its
`allocated_roles`); a higher rung
goes to that role (the team managers of the case's team, from the staff directory; a service manager or head of
service over the whole service). Role mailboxes are the fallback when the directory names nobody. The digests are recorded in one INSERT ... SELECT ... GROUP BY, keyed on (as_of, role, team), so a
rerun or a second sweep at once records nothing twice; each is then e-mailed once, with its first lines (case
reference, action, due date, working days late, level: nothing personal) and a pointer to `caseflow overdue`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Date,
    DateTime,
    Engine,
    Integer,
    Select,
    and_,
    case,
    cast,
    false,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from states.notices import WHOLE_SERVICE, Digest, DigestLine
from states.policy import OWNER_LEVEL, SERVICE_WIDE_ROLES, Policy
from workflows.delivery import Mailer, digest_message, digest_recipients, incidents, team_mailbox
from workflows.persistence import ERROR_LENGTH, ActionRow, CaseRow, EscalationRow, ReminderRow, SweepDigestRow
from workflows.sweep.stages import REMINDER

__all__ = [
    "CLAIM_EXPIRES_AFTER",
    "DIGEST_LINE_LIMIT",
    "DigestSummary",
    "email_digests",
    "failed_digests",
    "load_digest",
    "record_digests",
    "unsent_digests",
]

# Enough to act on in one sitting; the rest is one command away (`caseflow overdue`).
DIGEST_LINE_LIMIT = 50
# A sender that claimed a digest and then died leaves the claim; after this long another sender may take it.
CLAIM_EXPIRES_AFTER = timedelta(minutes=10)

_actions = ActionRow.__table__
_cases = CaseRow.__table__
_reminders = ReminderRow.__table__
_escalations = EscalationRow.__table__
_digests = SweepDigestRow.__table__
_SUMMARY = (
    _digests.c.id,
    _digests.c.as_of,
    _digests.c.recipient_role,
    _digests.c.team,
    _digests.c.actions,
    _digests.c.staff_id,
)


@dataclass(frozen=True)
class DigestSummary:
    """A digest as operations staff see it: which sweep, to whom, how many actions."""

    id: int
    as_of: date
    recipient_role: str
    team: str
    actions: int
    staff_id: str = ""  # the allocated worker it is for; "" for the role's recipients

    def __str__(self) -> str:
        team = f" of team {self.team}" if self.team != WHOLE_SERVICE else ""
        worker = f" (worker {self.staff_id})" if self.staff_id else ""
        return f"digest of {self.as_of.isoformat()} to {self.recipient_role}{team}{worker} ({self.actions} actions)"


def _allocated(role: Any, policies: Mapping[str, Policy]) -> ColumnElement[bool]:
    """Whether the case's policy (by its authority) allocates `role`: one clause per distinct set of allocated
    roles, not per authority, so the default's profiles that keep its roles share one."""
    authorities: dict[tuple[str, ...], list[str]] = {}
    for name, policy in sorted(policies.items()):
        authorities.setdefault(tuple(sorted(policy.allocated_roles)), []).append(name)
    clauses = [and_(_cases.c.authority.in_(names), role.in_(roles)) for roles, names in authorities.items()]
    return or_(false(), *clauses)


def _raised(as_of: date, policies: Mapping[str, Policy]) -> Select[Any]:
    """Every reminder and escalation the sweep of `as_of` raised, with its recipient (role, team); ids, no text."""
    rows = union_all(
        select(
            _reminders.c.action_id,
            _reminders.c.case_id,
            _reminders.c.due_on,
            literal(REMINDER).label("level"),
            cast(null(), Integer).label("days"),
        ).where(_reminders.c.swept_on == as_of),
        select(
            _escalations.c.action_id,
            _escalations.c.case_id,
            _escalations.c.due_on,
            _escalations.c.level,
            _escalations.c.working_days_overdue,
        ).where(_escalations.c.swept_on == as_of),
    ).subquery("raised")
    # Only a reminder or an `owner` rung looks up its action (for the owner role), not every row: on the sweep
    # benchmark's first-ever sweep, recording the digests took 0.16 s of PostgreSQL server CPU instead of 0.38 s
    # (SQLite 0.12 s instead of 0.21 s).
    owner = select(_actions.c.owner_role).where(_actions.c.id == rows.c.action_id).scalar_subquery()
    role = case((rows.c.level.in_([REMINDER, OWNER_LEVEL]), owner), else_=rows.c.level)
    team = case(
        (role.in_(SERVICE_WIDE_ROLES), literal(WHOLE_SERVICE)), else_=func.coalesce(_cases.c.team, WHOLE_SERVICE)
    )
    # The work of a role the case's policy allocates, on an allocated case, is told to its worker, in a digest of
    # their own.
    worker = case(
        (and_(_cases.c.allocated_worker.is_not(None), _allocated(role, policies)), _cases.c.allocated_worker),
        else_=literal(""),
    )
    return select(
        role.label("recipient_role"),
        team.label("team"),
        worker.label("staff_id"),
        rows.c.case_id,
        rows.c.action_id,
        rows.c.due_on,
        rows.c.days,
        rows.c.level,
    ).join_from(rows, _cases, _cases.c.id == rows.c.case_id)


def record_digests(connection: Connection, as_of: date, now: datetime, policies: Mapping[str, Policy]) -> int:
    """One digest per recipient of what the sweep of `as_of` raised, unless already recorded; how many are new.
    `policies` (by authority) say which owner roles go to a case's allocated worker."""
    raised = _raised(as_of, policies).subquery()
    source = select(
        literal(as_of, Date),
        raised.c.recipient_role,
        raised.c.team,
        raised.c.staff_id,
        func.count(),
        literal(now, DateTime(timezone=True)),
        literal(0),
    ).group_by(raised.c.recipient_role, raised.c.team, raised.c.staff_id)
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    columns = ["as_of", "recipient_role", "team", "staff_id", "actions", "created_at", "email_attempts"]
    statement = (
        dialect.insert(_digests)
        .from_select(columns, source)
        .on_conflict_do_nothing(index_elements=["as_of", "recipient_role", "team", "staff_id"])
    )
    return int(connection.execute(statement.execution_options(preserve_rowcount=True)).rowcount)


def unsent_digests(connection: Connection, as_of: date) -> list[int]:
    """The digests of `as_of` not e-mailed yet."""
    query = select(_digests.c.id).where(_digests.c.as_of == as_of, _digests.c.emailed_at.is_(None))
    return list(connection.execute(query.order_by(_digests.c.id)).scalars())


def failed_digests(connection: Connection, as_of: date) -> list[DigestSummary]:
    """The digests of `as_of` whose e-mail was tried and failed, and that no sender is trying now."""
    query = select(*_SUMMARY).where(
        _digests.c.as_of == as_of,
        _digests.c.emailed_at.is_(None),
        _digests.c.email_claimed_at.is_(None),
        _digests.c.email_attempts > 0,
    )
    return [DigestSummary(*row) for row in connection.execute(query.order_by(_digests.c.id))]


def load_digest(connection: Connection, digest_id: int) -> DigestSummary:
    """The digest `digest_id`: which sweep, to whom, how many actions."""
    return DigestSummary(*connection.execute(select(*_SUMMARY).where(_digests.c.id == digest_id)).one())


def _claim(engine: Engine, digest_ids: Sequence[int], now: datetime) -> list[DigestSummary]:
    """Take the digests no other sender holds and not yet sent; a second sweep at once then skips them."""
    free = or_(_digests.c.email_claimed_at.is_(None), _digests.c.email_claimed_at < now - CLAIM_EXPIRES_AFTER)
    statement = (
        update(_digests)
        .where(_digests.c.id.in_(digest_ids), _digests.c.emailed_at.is_(None), free)
        .values(email_claimed_at=now)
        .returning(*_SUMMARY)
    )
    with engine.begin() as connection:
        return sorted((DigestSummary(*row) for row in connection.execute(statement)), key=lambda d: d.id)


Recipient = tuple[str, str, str]  # (role, team, allocated worker or "")


def _lines(
    connection: Connection,
    as_of: date,
    recipients: Sequence[Recipient],
    limit: int,
    policies: Mapping[str, Policy],
) -> dict[Recipient, list[DigestLine]]:
    """The first `limit` lines of each recipient's digest, most overdue first, in one pass."""
    raised = _raised(as_of, policies).subquery()
    rank = func.row_number().over(
        partition_by=(raised.c.recipient_role, raised.c.team, raised.c.staff_id),
        order_by=(raised.c.due_on, raised.c.action_id),
    )
    ranked = select(raised, rank.label("rank")).subquery()
    # The case reference and the action's kind looked up for the lines kept only (a few thousand, by key), not
    # joined before ranking: the first-ever sweep's 82 digests took 0.34 s of PostgreSQL server CPU instead of
    # 0.60 s (SQLite 0.34 s instead of 0.46 s).
    reference = select(_cases.c.reference).where(_cases.c.id == ranked.c.case_id).scalar_subquery()
    kind = select(_actions.c.kind).where(_actions.c.id == ranked.c.action_id).scalar_subquery()
    query = (
        select(ranked, reference.label("reference"), kind.label("kind"))
        .where(ranked.c.rank <= limit)
        .order_by(ranked.c.recipient_role, ranked.c.team, ranked.c.staff_id, ranked.c.rank)
    )
    # Every recipient's lines, the wanted ones kept here: a filter on (role, team) in SQL took 1.16 s of PostgreSQL
    # server CPU instead of 0.34 s.
    wanted = set(recipients)
    found: dict[Recipient, list[DigestLine]] = {}
    for row in connection.execute(query):
        recipient = (row.recipient_role, row.team, row.staff_id)
        if recipient not in wanted:
            continue
        found.setdefault(recipient, []).append(DigestLine(row.reference, row.kind, row.due_on, row.days, row.level))
    return found


def _recipient(digest: DigestSummary) -> Recipient:
    return (digest.recipient_role, digest.team, digest.staff_id)


def _addressed(engine: Engine, digests: Sequence[Digest], sender: str) -> list[str]:
    """Each digest's `To`: its allocated worker, the team's managers, or the role's mailbox (never logged)."""
    mailbox = team_mailbox(sender)
    with engine.connect() as connection:
        return [digest_recipients(connection, d.recipient_role, d.team, d.staff_id, mailbox) for d in digests]


def _digests_to_send(
    engine: Engine, claimed: Sequence[DigestSummary], limit: int, policies: Mapping[str, Policy]
) -> list[Digest]:
    digests = []
    with engine.connect() as connection:
        for as_of in sorted({d.as_of for d in claimed}):
            of_date = [d for d in claimed if d.as_of == as_of]
            lines = _lines(connection, as_of, [_recipient(d) for d in of_date], limit, policies)
            digests += [
                Digest(
                    d.id, d.as_of, d.recipient_role, d.team, d.actions, tuple(lines.get(_recipient(d), ())), d.staff_id
                )
                for d in of_date
            ]
    return digests


def _record_outcomes(engine: Engine, outcomes: Sequence[tuple[int, str | None]], now: datetime) -> None:
    """Mark each digest sent (closing its incident, if a past run left one), or note its error; release the claim."""
    attempts = _digests.c.email_attempts + 1
    with engine.begin() as connection:
        for digest_id, error in outcomes:
            sent = {"emailed_at": now, "last_error": None} if error is None else {"last_error": error[:ERROR_LENGTH]}
            connection.execute(
                update(_digests)
                .where(_digests.c.id == digest_id)
                .values(email_claimed_at=None, email_attempts=attempts, **sent)
            )
            if error is None:
                incidents.resolve(connection, incidents.digest_subject(digest_id), now)


def email_digests(
    engine: Engine,
    mailer: Mailer,
    digest_ids: Sequence[int],
    now: datetime,
    policies: Mapping[str, Policy],
    limit: int = DIGEST_LINE_LIMIT,
) -> tuple[list[int], list[int]]:
    """E-mail the digests among `digest_ids` not yet sent and not held by another sender; (sent, failed) ids.
    `policies` (by authority) must be those the digests were recorded with."""
    claimed = _claim(engine, digest_ids, now) if digest_ids else []
    if not claimed:
        return [], []
    try:
        digests = _digests_to_send(engine, claimed, limit, policies)
        addressed = zip(digests, _addressed(engine, digests, mailer.sender), strict=True)
        errors = mailer.send_all([digest_message(d, mailer.sender, to) for d, to in addressed])
    except Exception as exc:  # release the claims whatever went wrong, so a retry can take them at once
        _record_outcomes(engine, [(d.id, f"not sent: {type(exc).__name__}") for d in claimed], now)
        raise
    outcomes = [(digest.id, error) for digest, error in zip(digests, errors, strict=True)]
    _record_outcomes(engine, outcomes, now)
    return [i for i, error in outcomes if error is None], [i for i, error in outcomes if error is not None]
