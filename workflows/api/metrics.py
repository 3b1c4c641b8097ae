"""`/metrics` in the Prometheus text format, read from the database on each scrape, so that every process's work
counts (the CLI's triggers too) and a restart loses nothing: triggers fired and refused, the outbox backlog and
the age of its oldest row, open incidents, and when the deadline sweep last finished a due date.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, func, select

from workflows.delivery import backlog
from workflows.persistence import FIRED_EVENT, AuditEventRow, IncidentRow, SweepProgressRow
from workflows.services import REFUSED_EVENT

__all__ = ["PROMETHEUS_MEDIA_TYPE", "Metric", "read_metrics", "render"]

PROMETHEUS_MEDIA_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_events = AuditEventRow.__table__
_incidents, _sweeps = IncidentRow.__table__, SweepProgressRow.__table__


@dataclass(frozen=True)
class Metric:
    """One metric family: its name, kind (counter or gauge), help line and samples (labels, value)."""

    name: str
    kind: str
    help: str
    samples: list[tuple[dict[str, str], float]]


def _seconds(value: datetime | None) -> float | None:
    if value is None:
        return None
    return (value.replace(tzinfo=UTC) if value.tzinfo is None else value).timestamp()


def _by_trigger(connection: Connection, event_type: str) -> list[tuple[dict[str, str], float]]:
    rows = connection.execute(
        select(_events.c.trigger, func.count())
        .where(_events.c.event_type == event_type)
        .group_by(_events.c.trigger)
        .order_by(_events.c.trigger)
    ).all()
    return [({"trigger": trigger or "none"}, float(count)) for trigger, count in rows]


def read_metrics(connection: Connection, now: datetime) -> list[Metric]:
    """Every metric as of `now`."""
    waiting = backlog(connection, now)  # the same reading as the console's operations page
    oldest_at = _seconds(waiting.oldest_created_at)
    incidents = connection.execute(select(func.count()).where(_incidents.c.resolved_at.is_(None))).scalar_one()
    last_sweep = _seconds(connection.execute(select(func.max(_sweeps.c.done_at))).scalar())
    return [
        Metric("caseflow_triggers_fired_total", "counter", "Triggers that changed a case.", _by_trigger(connection, FIRED_EVENT)),
        Metric("caseflow_triggers_refused_total", "counter", "Triggers refused on an existing case (audited).",
               _by_trigger(connection, REFUSED_EVENT)),
        Metric("caseflow_outbox_backlog", "gauge", "Outbox rows not yet delivered.", [({}, float(waiting.undelivered))]),
        Metric("caseflow_outbox_oldest_age_seconds", "gauge", "Age of the oldest undelivered outbox row (0: none).",
               [({}, max(0.0, now.timestamp() - oldest_at) if oldest_at is not None else 0.0)]),
        Metric("caseflow_incidents_open", "gauge", "Incidents not yet resolved.", [({}, float(incidents))]),
        Metric("caseflow_sweep_last_done_timestamp_seconds", "gauge",
               "When the deadline sweep last finished a due date, Unix time (0: never).", [({}, last_sweep or 0.0)]),
    ]  # fmt: skip


def _labels(labels: dict[str, str]) -> str:
    if not labels:
        return ""
    escaped = (value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") for value in labels.values())
    return "{" + ",".join(f'{name}="{value}"' for name, value in zip(labels, escaped, strict=True)) + "}"


def render(metrics: Iterable[Metric]) -> str:
    """The metrics in the Prometheus text exposition format (0.0.4)."""
    lines: list[str] = []
    for metric in metrics:
        lines += [f"# HELP {metric.name} {metric.help}", f"# TYPE {metric.name} {metric.kind}"]
        lines += [f"{metric.name}{_labels(labels)} {value!r}" for labels, value in metric.samples]
    return "\n".join(lines) + "\n"
