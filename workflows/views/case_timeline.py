"""One case's timeline as a picture: phases as bars, due dates against done dates, escalations marked.

Drawn with matplotlib's object API (no pyplot: no global figure state, no display needed). The picture carries
the reference, statuses, action kinds, roles and dates only: nothing personal about the child.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any

from states.lifecycle import CaseStatus
from workflows.persistence import FIRED_EVENT
from workflows.views.case_detail import ActionView, CaseDetail, EscalationView
from workflows.views.errors import TimelineNotWritten

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["Phase", "TimelineNotWritten", "draw", "phases", "write_timeline"]

STATUS_ORDER = [status.value for status in CaseStatus]
ON_TIME, LATE, WAITING, CANCELLED = "#2e7d32", "#c62828", "#616161", "#9e9e9e"
ESCALATION, MANUAL, AS_OF = "#ef6c00", "#6a1b9a", "#000000"
PHASE_COLOURS = {
    "referred": "#90caf9",
    "s47_enquiry": "#64b5f6",
    "icpc_planning": "#ffb74d",
    "child_only_conference": "#ce93d8",
    "core_groups": "#e57373",
    "review_planning": "#f06292",
    "cin_plan": "#81c784",
    "closed": "#bdbdbd",
}


@dataclass(frozen=True)
class Phase:
    """A span of the case in one status, from the day it entered to the day it left (or the date drawn as of)."""

    status: str
    start: date
    end: date


def phases(detail: CaseDetail) -> list[Phase]:
    """The statuses the case went through, from the status changes in its audit trail."""
    changes = [
        (entry.occurred_on, entry.to_status)
        for entry in detail.history
        if entry.event == FIRED_EVENT and entry.occurred_on and entry.to_status and entry.to_status != entry.from_status
    ]
    spans: list[Phase] = []
    for index, (occurred, status) in enumerate(changes):
        # A backdated trigger must not draw a bar running backwards: a phase starts no earlier than the last one.
        start = max(occurred, spans[-1].start) if spans else occurred
        following = changes[index + 1][0] if index + 1 < len(changes) else max(detail.as_of, start)
        spans.append(Phase(status, start, max(following, start)))
    return spans


def _span(detail: CaseDetail, spans: Sequence[Phase]) -> tuple[date, date]:
    days = [detail.as_of, *(p.start for p in spans), *(p.end for p in spans)]
    for action in detail.actions:
        days += [action.opened_on, action.due_on, *([action.done_on] if action.done_on else [])]
    days += [escalation.raised_on for escalation in detail.escalations]
    first, last = min(days), max(days)
    margin = max(3, (last - first).days // 25)
    # Room on the right for the "N WD late" labels.
    return first - timedelta(days=margin), last + timedelta(days=margin * 4)


def draw(detail: CaseDetail) -> Figure:
    """The timeline figure of `detail`."""
    from matplotlib.figure import Figure

    spans = phases(detail)
    statuses = sorted({p.status for p in spans}, key=STATUS_ORDER.index)
    actions = sorted(detail.actions, key=lambda a: (a.due_on, a.id))
    rows = max(len(actions), 1)
    figure = Figure(figsize=(12, 2.4 + 0.32 * len(statuses) + 0.3 * rows), layout="constrained")
    top, bottom = figure.subplots(2, 1, sharex=True, height_ratios=[max(len(statuses), 1) + 1, rows + 1])
    _draw_phases(top, spans, statuses)
    _draw_actions(bottom, actions, detail)
    _draw_escalations(top, bottom, actions, detail.escalations)
    for axes in (top, bottom):
        axes.axvline(_num(detail.as_of), color=AS_OF, linestyle=":", linewidth=1)
    first, last = _span(detail, spans)
    bottom.set_xlim(_num(first), _num(last))
    _date_axis(bottom)
    team = detail.team or "no team"
    figure.suptitle(
        f"Case {detail.reference}: {detail.status} as of {detail.as_of:%a %d %b %Y}  ({team}, "
        f"policy {detail.authority})",
        fontsize=12,
        fontweight="bold",
    )
    _legend(figure)
    return figure


def _num(day: date) -> float:
    from matplotlib.dates import date2num

    return float(date2num(day))  # type: ignore[no-untyped-call]  # matplotlib.dates is not annotated


def _date_axis(axes: Axes) -> None:
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

    # matplotlib.dates is not annotated
    locator = AutoDateLocator(minticks=6, maxticks=14)  # type: ignore[no-untyped-call]
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]


def _draw_phases(axes: Axes, spans: Sequence[Phase], statuses: Sequence[str]) -> None:
    row = {status: index for index, status in enumerate(statuses)}
    for span in spans:
        # A phase entered and left on the same day still shows, as a sliver a day wide.
        width = max((span.end - span.start).days, 1)
        axes.barh(
            row[span.status],
            width,
            left=_num(span.start),
            height=0.6,
            color=PHASE_COLOURS.get(span.status, "#cfd8dc"),
            edgecolor="#37474f",
            linewidth=0.6,
        )
        axes.text(_num(span.start) + 0.5, row[span.status], f"{span.start:%d %b}", va="center", fontsize=7)
    axes.set_yticks(range(len(statuses)), statuses, fontsize=9)
    axes.set_ylim(len(statuses) - 0.4, -0.6)
    axes.set_title("Phases (status history)", loc="left", fontsize=10)
    axes.grid(axis="x", color="#eeeeee")


def _draw_actions(axes: Axes, actions: Sequence[ActionView], detail: CaseDetail) -> None:
    for index, action in enumerate(actions):
        _draw_action(axes, index, action, detail.as_of)
    labels = [f"{a.kind} ({a.owner_role})" for a in actions]
    axes.set_yticks(range(len(actions)), labels, fontsize=8)
    axes.set_ylim(max(len(actions), 1) - 0.4, -0.6)
    axes.set_title("Actions: time allowed, due date, done date", loc="left", fontsize=10)
    axes.grid(axis="x", color="#eeeeee")


def _draw_action(axes: Axes, row: int, action: ActionView, as_of: date) -> None:
    opened, due = _num(action.opened_on), _num(action.due_on)
    cancelled = action.status == "cancelled"
    axes.plot(
        [opened, due],
        [row, row],
        color=CANCELLED if cancelled else "#b0bec5",
        linewidth=4,
        solid_capstyle="butt",
        zorder=1,
    )
    axes.plot(due, row, marker="D", markersize=6, markerfacecolor="white", markeredgecolor="#263238", zorder=3)
    if cancelled:
        axes.plot(_num(action.done_on or action.due_on), row, marker="x", color=CANCELLED, markersize=7, zorder=4)
        return
    late = action.working_days_late > 0
    until = action.done_on if action.status == "done" else as_of
    if late and until is not None:
        axes.plot([due, _num(until)], [row, row], color=LATE, linewidth=2, zorder=2)
        axes.text(_num(until) + 1, row, f"{action.working_days_late} WD late", va="center", fontsize=7, color=LATE)
    if action.status == "done" and action.done_on is not None:
        axes.plot(_num(action.done_on), row, marker="o", markersize=6, color=LATE if late else ON_TIME, zorder=4)
    elif late:
        axes.plot(_num(as_of), row, marker=">", markersize=6, color=LATE, zorder=4)


def _draw_escalations(
    top: Axes, bottom: Axes, actions: Sequence[ActionView], escalations: Sequence[EscalationView]
) -> None:
    rows: dict[tuple[str, date | None], int] = {(a.kind, a.due_on): index for index, a in enumerate(actions)}
    for escalation in escalations:
        row = rows.get((escalation.action_kind, escalation.due_on)) if escalation.action_kind else None
        day = _num(escalation.raised_on)
        if row is not None:
            bottom.plot(day, row - 0.28, marker="v", markersize=7, color=ESCALATION, zorder=5)
            continue
        for axes in (top, bottom):
            axes.axvline(day, color=MANUAL, linestyle="--", linewidth=1.2)
        top.text(day, -0.55, f" escalated to {escalation.level}", color=MANUAL, fontsize=8, va="top")


def _legend(figure: Figure) -> None:
    from matplotlib.lines import Line2D

    def mark(label: str, **style: Any) -> Line2D:
        return Line2D([], [], linestyle="none", label=label, **style)

    handles = [
        Line2D([], [], color="#b0bec5", linewidth=4, label="time allowed (opened to due)"),
        mark("due date", marker="D", markerfacecolor="white", markeredgecolor="#263238"),
        mark("done on time", marker="o", color=ON_TIME),
        mark("done late", marker="o", color=LATE),
        Line2D([], [], color=LATE, linewidth=2, marker=">", label="late: still open (to the as-of date)"),
        mark("cancelled", marker="x", color=CANCELLED),
        mark("escalated by the sweep", marker="v", color=ESCALATION),
        Line2D([], [], color=MANUAL, linestyle="--", label="escalated by a manager"),
        Line2D([], [], color=AS_OF, linestyle=":", label="as of"),
    ]
    # Outside the axes, under them: constrained layout makes room, however few the actions.
    figure.legend(handles=handles, loc="outside lower center", ncol=5, fontsize=8, frameon=False)


def _png(figure: Figure) -> bytes:
    buffer = BytesIO()
    figure.savefig(buffer, format="png", dpi=110)
    return buffer.getvalue()


def write_timeline(detail: CaseDetail, png: Path, page: Path | None = None) -> None:
    """Write the timeline of `detail` as a PNG and, when asked, as a self-contained HTML page around it."""
    image = _png(draw(detail))
    _write(png, image)
    if page is not None:
        _write(page, html_page(detail, image).encode("utf-8"))


def _write(path: Path, content: bytes) -> None:
    try:
        path.write_bytes(content)
    except OSError as exc:
        raise TimelineNotWritten(f"{path}: cannot be written: {exc.strerror} (expected a writable file path)") from None


def html_page(detail: CaseDetail, image: bytes) -> str:
    """A page holding the picture and, for screen readers and copying, the same facts as tables."""
    title = html.escape(f"Case {detail.reference}: {detail.status} as of {detail.as_of.isoformat()}")
    picture = base64.b64encode(image).decode("ascii")
    phase_rows = [(p.status, p.start.isoformat(), p.end.isoformat()) for p in phases(detail)]
    action_rows = [
        (
            a.kind,
            a.owner_role,
            a.status,
            a.due_on.isoformat(),
            a.done_on.isoformat() if a.done_on else "",
            str(a.working_days_late),
        )
        for a in sorted(detail.actions, key=lambda a: (a.due_on, a.id))
    ]
    escalation_rows = [
        (e.raised_on.isoformat(), e.level, e.source, e.action_kind or "", e.reason_code or "")
        for e in detail.escalations
    ]
    return "\n".join(
        [
            "<!doctype html>",
            '<html lang="en"><head><meta charset="utf-8">',
            f"<title>{title}</title>",
            "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin:1em 0}"
            "td,th{border:1px solid #ccc;padding:2px 8px;text-align:left}img{max-width:100%}</style>",
            "</head><body>",
            f"<h1>{title}</h1>",
            f'<img src="data:image/png;base64,{picture}" alt="Timeline of case {html.escape(detail.reference)}">',
            _table("Phases", ("status", "from", "to"), phase_rows),
            _table("Actions", ("kind", "owner role", "status", "due", "done", "working days late"), action_rows),
            _table("Escalations", ("raised on", "level", "source", "action", "reason"), escalation_rows),
            "</body></html>",
        ]
    )


def _table(caption: str, headings: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headings)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><caption>{html.escape(caption)}</caption><tr>{head}</tr>{body}</table>"
