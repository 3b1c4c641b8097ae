"""Reading a staff CSV file (columns id, email, roles, teams; roles and teams separated by ';'), all or nothing.

Every bad row is reported, one line each: the file, the line, the column and what was expected. An e-mail is never
repeated in a problem, and neither is any value outside the id alphabet (it may be an e-mail in the wrong column).
"""

from __future__ import annotations

import csv
from collections.abc import Collection, Iterator
from pathlib import Path

from workflows.services.errors import StaffImportInvalid
from workflows.services.staff_fields import StaffEntry, entry_problems

__all__ = ["COLUMNS", "read_staff_csv"]

COLUMNS = ("id", "email", "roles", "teams")
SEPARATOR = ";"


def _split(cell: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in cell.split(SEPARATOR) if part.strip())


def _rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) of each non-blank record; a record spanning lines is numbered by its first."""
    # utf-8-sig: a spreadsheet's "CSV UTF-8" starts with a byte-order mark.
    with path.open(newline="", encoding="utf-8-sig") as file:
        reader = csv.reader(file)
        start = 1
        for cells in reader:
            if any(cell.strip() for cell in cells):
                yield start, [cell.strip() for cell in cells]
            start = reader.line_num + 1


def _header_problem(cells: list[str]) -> str | None:
    if tuple(cell.lower() for cell in cells) == COLUMNS:
        return None
    return f"header: expected the columns {','.join(COLUMNS)}"


def _entry(cells: list[str]) -> StaffEntry:
    staff_id, email, roles, teams = cells
    return StaffEntry(staff_id, email, _split(roles), _split(teams))


def read_staff_csv(path: Path, roles: Collection[str]) -> list[StaffEntry]:
    """Every row of the file as a staff entry; StaffImportInvalid listing each bad row if any row is bad."""
    source = str(path)
    try:
        rows = list(_rows(path))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        reason = "not UTF-8 text" if isinstance(exc, UnicodeDecodeError) else str(getattr(exc, "strerror", None) or exc)
        raise StaffImportInvalid(source, [f"{source}: cannot be read: {reason}"]) from None
    if not rows:
        raise StaffImportInvalid(source, [f"{source}:1: header: expected the columns {','.join(COLUMNS)}"])
    (header_line, header), body = rows[0], rows[1:]
    problem = _header_problem(header)
    if problem is not None:
        raise StaffImportInvalid(source, [f"{source}:{header_line}: {problem}"])
    entries: list[StaffEntry] = []
    problems: list[str] = []
    first_line: dict[str, int] = {}
    for line, cells in body:
        if len(cells) != len(COLUMNS):
            problems.append(
                f"{source}:{line}: expected {len(COLUMNS)} columns ({','.join(COLUMNS)}), found {len(cells)}"
            )
            continue
        entry = _entry(cells)
        found = [str(problem) for problem in entry_problems(entry, roles)]
        if not found and entry.id in first_line:
            found.append(f"id: {entry.id} is already on line {first_line[entry.id]}")
        if found:
            problems.append(f"{source}:{line}: {'; '.join(found)}")
            continue
        first_line[entry.id] = line
        entries.append(entry)
    if problems:
        raise StaffImportInvalid(source, problems)
    return entries
