"""Bad command-line invocations: templates of real commands with one slot given a bad value of its kind.

Every other slot holds a good value, so each invocation is refused for the value put in, or for an earlier
problem of the same invocation; none is good input.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from tests.fuzz.values import (
    BAD_COUNTS,
    BAD_DATES,
    BAD_FLAGS,
    BAD_IDENTIFIERS,
    BAD_LA_CODES,
    BAD_SECONDS,
    HUGE,
    UNDECODABLE,
)

__all__ = ["FIXTURE_TODAY", "Slot", "bad_invocations"]

# The day the fixture cases' triggers were fired on (tests/fuzz/harness.py), checked by hand: Tue 10 Nov 2026.
FIXTURE_TODAY = "2026-11-10"
# Years ahead of any real clock: beyond "a year after today" for a planned date or a clock option.
FAR_FUTURE = "2099-12-31"


@dataclass(frozen=True)
class Slot:
    """A place in a command for a value of `kind`; `good` fills it when another slot holds the bad value."""

    kind: str
    good: str


def _pools(workdir: Path) -> dict[str, tuple[str, ...]]:
    missing_folder = str(workdir / "no-such-folder" / "out.png")
    return {
        "date": BAD_DATES,
        "clock": (*BAD_DATES, FAR_FUTURE),
        "happened": (*BAD_DATES, FAR_FUTURE),
        "planned": (*BAD_DATES, FAR_FUTURE),
        "id": BAD_IDENTIFIERS,
        "count": BAD_COUNTS,
        "flag": BAD_FLAGS,
        "la": BAD_LA_CODES,
        "seconds": BAD_SECONDS,
        "limit": ("-1", HUGE, "x", "", UNDECODABLE),
        "year": ("2026-28", "\u0662\u0660\u0662\u0666-\u0662\u0667", "0001-02", "", "2026/27", UNDECODABLE),
        "out": (missing_folder, "/dev/full"),
        "trigger": ("hold_party", "start_s47", "close_case", "end_plan", *BAD_IDENTIFIERS),
        "note": ("",),
        "scenario": (str(workdir / "missing.yaml"), str(workdir), "/dev/null", UNDECODABLE),
        "lists": ("", "6", "5,,7", HUGE, UNDECODABLE),
    }


S = Slot
ACTOR = ("--actor", S("id", "sw-fz"), "--role", "social_worker", "--today", S("clock", FIXTURE_TODAY))
MANAGER = ("--actor", S("id", "tm-fz"), "--role", "team_manager", "--today", S("clock", FIXTURE_TODAY))
TEMPLATES: tuple[tuple[str | Slot, ...], ...] = (
    ("trigger", S("id", "CP-FZ-2"), "set_conference_date", S("planned", "2026-11-27"), *ACTOR),
    ("trigger", S("id", "CP-FZ-2"), S("trigger", "set_conference_date"), "conference_date=2026-11-27", *ACTOR),
    ("trigger", "CP-FZ-3", "record_visit", "--on", S("happened", "2026-11-09"), S("flag", "true"), *ACTOR),
    ("trigger", "CP-FZ-3", "hold_core_group", "date=" + FIXTURE_TODAY, "--on", S("happened", FIXTURE_TODAY), *ACTOR),
    (
        "trigger",
        S("id", "CP-FZ-NEW"),
        "receive_referral",
        "--on",
        S("happened", "2026-11-09"),
        "date_of_birth=2015-03-02",
        S("id", "north"),
        S("count", "1"),
        *ACTOR,
    ),
    ("trigger", "CP-FZ-1", "start_s47", "--on", S("happened", "2026-11-09"), *ACTOR),
    (
        "trigger",
        "CP-FZ-2",
        "hold_icpc",
        "--on",
        S("happened", FIXTURE_TODAY),
        "outcome=cp_plan",
        "category=NEG",
        *MANAGER,
    ),
    ("cases", "--status", S("id", "referred"), "--as-of", S("clock", FIXTURE_TODAY)),
    ("cases", "--team", S("id", "north"), "--owner-role", S("id", "social_worker")),
    ("case", "show", S("id", "CP-FZ-1"), "--as-of", S("clock", FIXTURE_TODAY)),
    ("case", "timeline", S("id", "CP-FZ-1"), "--out", S("out", "timeline.png")),
    ("overdue", "--as-of", S("clock", FIXTURE_TODAY), "--limit", S("limit", "5")),
    ("sweep", "--local", "--as-of", S("clock", "")),
    ("sweep", "--local", "--max-batches", S("limit", "")),
    (
        "escalate",
        S("id", "CP-FZ-1"),
        "--level",
        "team_manager",
        "--reason",
        "safety_concern",
        "--manager",
        S("id", "tm-fz"),
        "--today",
        S("clock", FIXTURE_TODAY),
        "--note",
        S("note", "see the file"),
    ),
    ("export", "cin-census", "--year", S("year", "2026-27"), "--la-code", S("la", "202"), "--out", S("out", "")),
    ("export", "annex-a", "--lists", S("lists", "5"), "--as-of", S("date", FIXTURE_TODAY), "--out", "lists.csv"),
    ("report", "timeliness", "--from", S("date", "2026-04-01"), "--to", S("date", "2027-03-31")),
    ("incidents", "retry", S("limit", "1")),
    ("policy", "migrate", "--to", "2026.1", "--actor", S("id", "ops-fz"), "--dry-run"),
    ("simulate", S("scenario", "")),
    ("audit", "verify", "--case", S("id", "CP-FZ-1")),
    # Long-running commands: every bad value is refused while the options are read, before anything starts.
    (
        "worker",
        "--lease-seconds",
        S("seconds", "30"),
        "--poll-seconds",
        S("seconds", "1"),
        "--stop-seconds",
        S("seconds", "0"),
    ),
    (
        "scheduler",
        "--dispatch-seconds",
        S("seconds", "5"),
        "--lease-seconds",
        S("seconds", "30"),
        "--renew-seconds",
        S("seconds", "4"),
    ),
    ("up", "--no-demo", "--dispatch-seconds", S("seconds", "5")),
)
# Slots whose good value is a `field=value` argument: the bad value goes after the field name.
_FIELD_OF = {"planned": "conference_date", "flag": "child_seen", "count": "earlier_plans_elsewhere"}


def _render(token: str | Slot, value: str | None, template: tuple[str | Slot, ...]) -> str:
    if isinstance(token, str):
        return token
    chosen = token.good if value is None else value
    field = _field_name(token, template)
    return f"{field}={chosen}" if field else chosen


def _field_name(slot: Slot, template: tuple[str | Slot, ...]) -> str | None:
    """The field a slot fills when it stands alone among a trigger's arguments (not after an option)."""
    position = template.index(slot)
    if template[0] != "trigger" or position < 3 or str(template[position - 1]).startswith("--"):
        return None
    if slot.kind == "id" and slot.good == "north":
        return "team"
    return _FIELD_OF.get(slot.kind)


def _in(workdir: Path, template: tuple[str | Slot, ...], index: int, text: str) -> str:
    token = template[index]
    if isinstance(token, Slot) and token.kind == "out" and text == token.good:
        return str(workdir / (token.good or "out.xml"))
    return text


def bad_invocations(seed: int, count: int, workdir: Path) -> list[tuple[str, ...]]:
    """`count` invocations, the same for the same seed: a template with one slot given a bad value."""
    pools = _pools(workdir)
    chooser = random.Random(seed)
    made: list[tuple[str, ...]] = []
    for _ in range(count):
        template = chooser.choice(TEMPLATES)
        slots = [index for index, token in enumerate(template) if isinstance(token, Slot)]
        bad_at = chooser.choice(slots)
        bad_slot = template[bad_at]
        assert isinstance(bad_slot, Slot)
        bad_value = chooser.choice(pools[bad_slot.kind])
        rendered = (_render(token, bad_value if i == bad_at else None, template) for i, token in enumerate(template))
        # A good file to write is one in the work folder: never a file where the fuzz was started.
        made.append(tuple(_in(workdir, template, i, text) for i, text in enumerate(rendered)))
    return made
