"""Timeliness measures of the conference process over a period: counts, percentages, a table and a chart each.

Each measure compares what the audit trail says happened with the due date the policy gave the action when
it was opened (the action rows), so a measure never recounts working days on its own.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from workflows.returns.annex_a import months_before
from workflows.returns.errors import ReportPeriodInvalid
from workflows.returns.return_facts import ActionRecord, CaseFacts, previous_plans

__all__ = [
    "MEASURES",
    "Measure",
    "Period",
    "ReportPeriodInvalid",
    "Result",
    "measure_all",
    "write_charts",
    "write_table",
]

LONG_PLAN_MONTHS = 24
TABLE_NAME = "timeliness.csv"
TABLE_COLUMNS = ("measure", "description", "met", "of", "percent", "from", "to")


@dataclass(frozen=True)
class Period:
    """The dates a report covers, both included."""

    start: date
    end: date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end


@dataclass(frozen=True)
class Result:
    """One measure over a period: how many met it, out of how many."""

    name: str
    description: str
    met: int
    of: int

    @property
    def percent(self) -> float | None:
        return round(100 * self.met / self.of, 1) if self.of else None


Count = tuple[int, int]


# Cancelled because the case moved on while the work was still open (the conference was held without it): a miss.
# Cancelled for any other reason (the plan ended, no conference was needed): the work was no longer owed.
_LEFT_UNDONE = frozenset({"phase_left", "overridden"})


def _actions_on_time(cases: Iterable[CaseFacts], kinds: tuple[str, ...], period: Period) -> Count:
    """Actions of `kinds` due in the period and still owed: done by their due date, out of all."""
    actions = (a for case in cases for a in case.actions if a.kind in kinds)
    due = [a for a in actions if a.due_on in period and (a.status != "cancelled" or a.close_reason in _LEFT_UNDONE)]
    return sum(1 for a in due if _on_time(a)), len(due)


def _on_time(action: ActionRecord) -> bool:
    return action.done_on is not None and action.done_on <= action.due_on


def _icpc_within_target(cases: Sequence[CaseFacts], period: Period) -> Count:
    held = [c for c in cases if c.icpc_date in period and c.strategy_discussion_date and c.icpc_target]
    return sum(1 for c in held if c.icpc_date and c.icpc_target and c.icpc_date <= c.icpc_target), len(held)


def _first_core_group(cases: Sequence[CaseFacts], period: Period) -> Count:
    started = [c for c in cases if c.plan is not None and c.plan.start in period]
    met = 0
    for case in started:
        due = next((a.due_on for a in case.actions_of("hold_first_core_group")), None)
        first = min(case.core_groups, default=None)
        met += due is not None and first is not None and first <= due
    return met, len(started)


def _reviews(cases: Sequence[CaseFacts], period: Period) -> Count:
    reviews = (a for c in cases for a in c.actions if a.kind in ("hold_first_review", "hold_review"))
    held = [a for a in reviews if a.done_on in period]
    return sum(1 for a in held if _on_time(a)), len(held)


def _open_plans(cases: Sequence[CaseFacts], on: date) -> list[CaseFacts]:
    return [c for c in cases if c.plan and c.plan.start <= on and (c.plan.end is None or c.plan.end > on)]


def _long_plans(cases: Sequence[CaseFacts], period: Period) -> Count:
    open_plans = _open_plans(cases, period.end)
    limit = months_before(period.end, LONG_PLAN_MONTHS)
    return sum(1 for c in open_plans if c.plan and c.plan.start <= limit), len(open_plans)


def _later_plans(cases: Sequence[CaseFacts], period: Period) -> Count:
    """Plans started in the period that follow an earlier plan of the same child (linked by its child id)."""
    started = [c for c in cases if c.plan is not None and c.plan.start in period]
    previous = previous_plans(cases)
    return sum(1 for c in started if previous[c.reference] > 0), len(started)


def _conferences(cases: Sequence[CaseFacts], period: Period) -> list[tuple[CaseFacts, date]]:
    held = [(c, c.icpc_date) for c in cases if c.icpc_date is not None and c.icpc_date in period]
    return [*held, *((c, r) for c in cases if c.plan for r in c.plan.reviews if r in period)]


def _child_only_held(cases: Sequence[CaseFacts], period: Period) -> Count:
    held = sum(1 for c in cases for on in c.child_only_conferences if on in period)
    return held, len(_conferences(cases, period))


def _children_took_part(cases: Sequence[CaseFacts], period: Period) -> Count:
    children = {c.child_key for c, _ in _conferences(cases, period)}
    took_part = {c.child_key for c in cases if any(on in period for on in c.child_only_conferences)}
    return len(children & took_part), len(children)


def _letters_offering_fgdm(cases: Sequence[CaseFacts], period: Period) -> Count:
    """Letters before proceedings sent in the period that offered an FGDM (s.31ZA), out of all sent."""
    letters = [e for c in cases for e in c.pre_proceedings if e.letter in period]
    return sum(1 for e in letters if e.fgdm_offered), len(letters)


def _contributed(case: CaseFacts, conference: date) -> bool:
    """Whether the child contributed to the conference on `conference`: the latest decision recorded while it was
    planned says they took part in some way, or a child-only conference was held for it."""
    earlier = [on for on in (case.icpc_date, *(case.plan.reviews if case.plan else ())) if on and on < conference]
    since = max(earlier, default=date.min)
    decided = [contributes for on, contributes in case.participation if since <= on <= conference]
    return (bool(decided) and decided[-1]) or any(since <= on <= conference for on in case.child_only_conferences)


def _children_contributed(cases: Sequence[CaseFacts], period: Period) -> Count:
    conferences = _conferences(cases, period)
    children = {c.child_key for c, _ in conferences}
    contributed = {c.child_key for c, on in conferences if _contributed(c, on)}
    return len(contributed), len(children)


@dataclass(frozen=True)
class Measure:
    """A named measure: what it counts, and how."""

    name: str
    description: str
    count: Callable[[Sequence[CaseFacts], Period], Count]


MEASURES: tuple[Measure, ...] = (
    Measure(
        "icpc_within_15_working_days",
        "ICPCs held within 15 working days of the strategy discussion",
        _icpc_within_target,
    ),
    Measure(
        "first_core_group_within_10_working_days",
        "Plans whose first core group met within 10 working days",
        _first_core_group,
    ),
    Measure("reviews_within_timescale", "Review conferences held by their due date", _reviews),
    Measure(
        "minutes_on_time",
        "Conference minutes circulated by their due date",
        lambda cases, period: _actions_on_time(cases, ("circulate_minutes",), period),
    ),
    Measure("plans_open_2_years_or_more", "Plans open at the period's end that have run 2 years or more", _long_plans),
    Measure("second_or_later_plans", "Plans started that are the child's second or later plan", _later_plans),
    Measure(
        "reports_shared_on_time",
        "Conference reports shared with the family by their due date",
        lambda cases, period: _actions_on_time(cases, ("share_reports_with_family",), period),
    ),
    Measure("child_only_conferences_held", "Child-only conferences held, out of conferences held", _child_only_held),
    Measure(
        "children_who_took_part",
        "Children with a conference who took part in a child-only conference",
        _children_took_part,
    ),
    Measure(
        "pre_proceedings_within_16_weeks",
        "Pre-proceedings decided within 16 weeks of the initial meeting (the policy's conclude_pre_proceedings)",
        lambda cases, period: _actions_on_time(cases, ("conclude_pre_proceedings",), period),
    ),
    Measure("letters_offering_fgdm", "Letters before proceedings that offered an FGDM", _letters_offering_fgdm),
    Measure(
        "participation_decided_in_advance",
        "Conferences whose decision on the child's participation was recorded by its due date",
        lambda cases, period: _actions_on_time(cases, ("decide_child_participation",), period),
    ),
    Measure(
        "children_who_contributed",
        "Children with a conference who contributed to it in any way (attending, their views, or an advocate)",
        _children_contributed,
    ),
)


def measure_all(cases: Sequence[CaseFacts], period: Period) -> list[Result]:
    """Every measure over the period."""
    return [Result(m.name, m.description, *m.count(cases, period)) for m in MEASURES]


def write_table(folder: Path, results: Sequence[Result], period: Period) -> Path:
    """The measures as one CSV table in `folder`."""
    path = folder / TABLE_NAME
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(TABLE_COLUMNS)
        for r in results:
            percent = "" if r.percent is None else f"{r.percent:.1f}"
            writer.writerow([r.name, r.description, r.met, r.of, percent, period.start, period.end])
    return path


def _chart(result: Result, period: Period) -> Figure:
    figure = Figure(figsize=(6, 3.2))
    axes = figure.add_subplot()
    bars = axes.barh(["met", "not met"], [result.met, result.of - result.met], color=["#2e7d32", "#c62828"])
    axes.bar_label(bars)
    axes.invert_yaxis()
    percent = "no cases" if result.percent is None else f"{result.percent:.1f}%"
    axes.set_title(
        f"{result.description}\n{period.start} to {period.end}: {result.met} of {result.of} ({percent})", fontsize=9
    )
    axes.set_xlabel("count")
    figure.tight_layout()
    return figure


def write_charts(folder: Path, results: Sequence[Result], period: Period) -> list[Path]:
    """One PNG bar chart per measure in `folder`, named after the measure."""
    paths = []
    for result in results:
        path = folder / f"{result.name}.png"
        FigureCanvasAgg(_chart(result, period)).print_png(str(path))  # type: ignore[no-untyped-call]  # not annotated
        paths.append(path)
    return paths
