"""Subject access: everything held about one child (by the authority's child id), as JSON and a readable page.

Cases, their actions, the audit history (with the text kept beside it), notices, escalations, reminders and the
reads of each case. What was erased shows as erased, with the event that erased it.
"""

from __future__ import annotations

import html
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Table, select

from workflows.persistence import (
    ActionRow,
    AuditEventRow,
    CaseReadRow,
    CaseRow,
    EscalationRow,
    NotificationRow,
    PrivateTextRow,
    ReminderRow,
)

__all__ = ["EXPORT_HTML", "EXPORT_JSON", "subject_access", "write_subject_access"]

EXPORT_JSON = "subject-access.json"
EXPORT_HTML = "subject-access.html"

# Each case's rows, table by table: (title, table, the column that names the case, by reference or by row id).
_BY_CASE: tuple[tuple[str, Table, str, str], ...] = (
    ("actions", ActionRow.__table__, "case_id", "id"),
    ("history", AuditEventRow.__table__, "case_reference", "reference"),
    ("free_text", PrivateTextRow.__table__, "case_reference", "reference"),
    ("notices", NotificationRow.__table__, "case_reference", "reference"),
    ("escalations", EscalationRow.__table__, "case_id", "id"),
    ("reminders", ReminderRow.__table__, "case_id", "id"),
    ("reads", CaseReadRow.__table__, "case_reference", "reference"),
)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _rows(connection: Connection, table: Table, column: str, key: Any) -> list[dict[str, Any]]:
    query = select(table).where(table.c[column] == key).order_by(*table.primary_key.columns)
    return [{name: _plain(value) for name, value in row._mapping.items()} for row in connection.execute(query)]


def subject_access(connection: Connection, child_id: str) -> dict[str, Any]:
    """Everything held about the child `child_id`: each of their cases with every row that belongs to it."""
    cases = CaseRow.__table__
    found = _rows(connection, cases, "child_id", child_id)
    return {
        "child_id": child_id,
        "cases": [
            {
                "case": case,
                **{title: _rows(connection, table, column, case[key]) for title, table, column, key in _BY_CASE},
            }
            for case in found
        ],
    }


def _table_html(title: str, rows: list[dict[str, Any]]) -> str:
    if not rows:
        return f"<h3>{html.escape(title)}</h3><p>None.</p>"
    names = list(rows[0])
    head = "".join(f"<th>{html.escape(name)}</th>" for name in names)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_cell(row[name]))}</td>" for name in names) + "</tr>" for row in rows
    )
    return f"<h3>{html.escape(title)}</h3><table><tr>{head}</tr>{body}</table>"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)


def _page(export: dict[str, Any]) -> str:
    parts = [f"<h1>Information held about child {html.escape(export['child_id'])}</h1>"]
    if not export["cases"]:
        parts.append("<p>No case holds this child id.</p>")
    for held in export["cases"]:
        parts.append(f"<h2>Case {html.escape(held['case']['reference'])}</h2>")
        parts.append(_table_html("case", [held["case"]]))
        parts.extend(_table_html(title, held[title]) for title, *_ in _BY_CASE)
    style = "body{font-family:sans-serif}table{border-collapse:collapse}td,th{border:1px solid #999;padding:2px 6px}"
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Subject access</title>'
        f"<style>{style}</style></head><body>{''.join(parts)}</body></html>"
    )


def write_subject_access(export: dict[str, Any], out: Path) -> tuple[Path, Path]:
    """Write the export as JSON and as an HTML page into the folder `out`; returns the two files."""
    out.mkdir(parents=True, exist_ok=True)
    as_json, as_html = out / EXPORT_JSON, out / EXPORT_HTML
    as_json.write_text(json.dumps(export, ensure_ascii=False, indent=2, sort_keys=True), encoding="utf-8")
    as_html.write_text(_page(export), encoding="utf-8")
    return as_json, as_html
