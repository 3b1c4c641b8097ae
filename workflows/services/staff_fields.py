"""What a staff record's fields may hold: ids and teams from a small alphabet, a plausible e-mail, known roles.

Problems name the field and what was expected, and repeat a value only when it is within the id alphabet: a value
outside it may be an e-mail in the wrong column, and an e-mail is never echoed back.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from states.input_rules import ID_ALPHABET, MAX_IDENTIFIER, identifier_expected, is_identifier
from states.policy import Policy
from workflows.services.errors import StaffInvalid

__all__ = [
    "ID_ALPHABET",
    "FieldProblem",
    "StaffEntry",
    "email_problem",
    "entry_problems",
    "id_problem",
    "known_roles",
    "require_valid",
    "role_problem",
    "team_problem",
]

MAX_ID, MAX_TEAM, MAX_ROLE, MAX_EMAIL = MAX_IDENTIFIER, MAX_IDENTIFIER, 32, 254
# Deliberately loose: one '@', no spaces, a dot in the domain. Whether it delivers is the mail server's answer.
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")


@dataclass(frozen=True)
class StaffEntry:
    """A member of staff as given to the directory: id, e-mail, roles, teams (none: service-wide)."""

    id: str
    email: str
    roles: tuple[str, ...]
    teams: tuple[str, ...] = ()


@dataclass(frozen=True)
class FieldProblem:
    """One field that does not hold what was expected."""

    field: str
    expected: str

    def __str__(self) -> str:
        return f"{self.field}: {self.expected}"


def known_roles(policies: Mapping[str, Policy]) -> frozenset[str]:
    """Every role some loaded policy names."""
    return frozenset(role for policy in policies.values() for role in policy.roles)


def id_problem(value: str) -> FieldProblem | None:
    """What is wrong with a staff id, if anything."""
    # The input rules' alphabet and wording, but never the value: it may be an e-mail address in the wrong column.
    return None if is_identifier(value, MAX_ID) else FieldProblem("id", identifier_expected(MAX_ID))


def email_problem(value: str) -> FieldProblem | None:
    """What is wrong with an e-mail address, if anything (never the address itself)."""
    if _EMAIL.fullmatch(value) and len(value) <= MAX_EMAIL:
        return None
    return FieldProblem("email", f"expected one e-mail address like name@example.org, at most {MAX_EMAIL} characters")


def role_problem(roles: Collection[str], known: Collection[str]) -> FieldProblem | None:
    """What is wrong with a list of roles: none given, or one no policy knows."""
    listed = ", ".join(sorted(known))
    if not roles:
        return FieldProblem("roles", f"expected at least one role of: {listed}")
    for role in roles:
        if role not in known:
            shown = f"unknown role {role!r}" if is_identifier(role, MAX_ROLE) else "an unknown role"
            return FieldProblem("roles", f"{shown}: expected roles of: {listed}")
    return None


def team_problem(teams: Iterable[str]) -> FieldProblem | None:
    """What is wrong with a list of teams, if anything; an empty list is fine (service-wide)."""
    for team in teams:
        if not is_identifier(team, MAX_TEAM):
            return FieldProblem("teams", f"expected team names of 1-{MAX_TEAM} characters: {ID_ALPHABET}")
    return None


def entry_problems(entry: StaffEntry, known: Collection[str]) -> list[FieldProblem]:
    """Every field of `entry` that does not hold what the directory accepts, in column order."""
    found = (
        id_problem(entry.id),
        email_problem(entry.email),
        role_problem(entry.roles, known),
        team_problem(entry.teams),
    )
    return [problem for problem in found if problem is not None]


def require_valid(entry: StaffEntry, known: Collection[str]) -> None:
    """StaffInvalid naming every bad field of `entry` (and the id only when it is a valid one)."""
    problems = entry_problems(entry, known)
    if problems:
        who = f"staff {entry.id}" if id_problem(entry.id) is None else "staff record"
        raise StaffInvalid(f"{who}: {'; '.join(str(problem) for problem in problems)}")
