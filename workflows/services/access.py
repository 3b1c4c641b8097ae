"""Who acts, in which role, on which cases: the one rule every entry point (CLI, API, console) applies.

A caller is a member of staff from the directory, proven by whatever the entry point checks (an API token, an
OpenID Connect token, a console session, the CLI's `--actor` looked up in the directory), acting in one role they
hold. Team roles (the policy's `team_roles`) see and act only on their own teams' cases; a member with no team,
or acting in a service-wide role, sees every case. A case outside the caller's remit is reported as not found,
never as forbidden, so that its existence does not leak.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol, TypeVar

from sqlalchemy import Connection

from states import Actor, Policy
from workflows.services.errors import ActorRefused, NotVisible
from workflows.services.staff import StaffMember, load_member

__all__ = ["Caller", "act_as", "caller_from_directory", "require_visible", "visible_teams", "within_remit"]


class _OfACase(Protocol):
    """Anything listed per case: its case's authority (whose policy says which roles are team roles) and team."""

    @property
    def authority(self) -> str: ...

    @property
    def team(self) -> str | None: ...


Item = TypeVar("Item", bound=_OfACase)


@dataclass(frozen=True)
class Caller:
    """A proven member of staff acting in one role they hold, through one channel (`cli`, `api`, `console`,
    `prefect`), which the access log and refusals record."""

    member: StaffMember
    role: str
    channel: str

    @property
    def actor(self) -> Actor:
        """The trigger machinery's view of the caller: the audit trail's actor id and the role permissions name."""
        return Actor(self.member.id, self.role)


def act_as(member: StaffMember, role: str, channel: str) -> Caller:
    """`member` acting as `role`; ActorRefused when they are inactive or do not hold it."""
    if not member.active:
        raise ActorRefused(f"staff {member.id}: deactivated; a deactivated member cannot act")
    if role not in member.roles:
        held = ", ".join(member.roles) or "none"
        raise ActorRefused(f"staff {member.id}: does not hold role {role} (holds: {held})")
    return Caller(member, role, channel)


def caller_from_directory(connection: Connection, staff_id: str, role: str, channel: str) -> Caller:
    """The member of staff `staff_id` from the directory acting as `role`; ActorRefused when there is none."""
    member = load_member(connection, staff_id)
    if member is None:
        raise ActorRefused(f"staff {staff_id}: not in the staff directory")
    return act_as(member, role, channel)


def visible_teams(caller: Caller, policy: Policy) -> frozenset[str] | None:
    """The teams whose cases `caller` may see and act on; None for all of them (a service-wide remit)."""
    if caller.role not in policy.team_roles or caller.member.service_wide:
        return None
    return frozenset(caller.member.teams)


def require_visible(caller: Caller, policy: Policy, reference: str, team: str | None) -> None:
    """NotVisible unless the case `reference` of `team` is within `caller`'s remit (a case with no team is
    visible to service-wide callers only)."""
    teams = visible_teams(caller, policy)
    if teams is not None and team not in teams:
        raise NotVisible(reference)


def within_remit(caller: Caller, policies: Mapping[str, Policy], items: Iterable[Item]) -> list[Item]:
    """The `items` (cases, late actions) within `caller`'s remit, each judged under its own case's policy; an item
    of an authority with no policy loaded is outside it."""
    remit = {authority: visible_teams(caller, policy) for authority, policy in policies.items()}
    return [
        item
        for item in items
        if item.authority in remit and ((teams := remit[item.authority]) is None or item.team in teams)
    ]
