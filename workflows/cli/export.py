"""`caseflow export ...`: the statutory returns, from the audit-backed facts of the application database."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from lxml import etree

from states.errors import InputInvalid
from states.input_rules import check_identifier, check_la_code, shown
from workflows.bootstrap import bootstrap
from workflows.cli import parse_date
from workflows.persistence import require_schema
from workflows.returns import (
    LISTS,
    AnnexAInvalid,
    CaseFacts,
    CensusInvalid,
    CensusYear,
    build_census,
    census_children,
    read_case_facts,
    rows,
    validate_census,
    write_csv,
    write_xlsx,
)
from workflows.settings import utc_now

app = typer.Typer(help="Statutory returns: the DfE CIN census and Ofsted Annex A.", no_args_is_help=True)

OutOption = Annotated[Path, typer.Option("--out", help="File to write.", dir_okay=False)]
AuthorityOption = Annotated[str | None, typer.Option("--authority", help="Only the cases of this authority.")]


def read_facts(authority: str | None) -> list[CaseFacts]:
    """Every case's audit-backed facts from the configured database (of one authority, if given)."""
    if authority is not None:
        check_identifier(authority, "--authority")
    engine = bootstrap().engine
    try:
        require_schema(engine)
        with engine.connect() as connection:
            return read_case_facts(connection, authority)
    finally:
        engine.dispose()


def _la_code(value: str) -> str:
    try:
        return check_la_code(value, "--la-code")
    except InputInvalid as exc:
        raise CensusInvalid(str(exc)) from None


@app.command("cin-census")
def cin_census(
    year: Annotated[str, typer.Option("--year", help="Census year, e.g. 2026-27 (1 April to 31 March).")],
    out: OutOption,
    la_code: Annotated[str, typer.Option("--la-code", help="The authority's DfE LA number (3 digits).")],
    authority: AuthorityOption = None,
) -> None:
    """Write the child protection parts of the CIN census as XML, validated against the DfE schema of the year."""
    census_year, lea = CensusYear.parse(year), _la_code(la_code)
    facts = read_facts(authority)
    if not census_children(facts, census_year):
        raise CensusInvalid(f"census year {year}: no case was open in it: the census needs at least one child")
    root = build_census(facts, census_year, lea, utc_now())
    validate_census(root, census_year)
    out.write_bytes(etree.tostring(root, pretty_print=True, xml_declaration=True, encoding="UTF-8"))
    children = root.find("Children")
    episodes = len(census_children(facts, census_year))
    typer.echo(f"wrote {out}: {len(children)} children, {episodes} cases, census year {year}")


def _lists(text: str) -> list[int]:
    numbers = [part.strip() for part in text.split(",")]
    if not all(n.isdigit() and int(n) in LISTS for n in numbers):
        raise AnnexAInvalid(f"--lists {shown(text)}: expected a comma-separated choice of {', '.join(map(str, LISTS))}")
    return list(dict.fromkeys(int(n) for n in numbers))


def _csv_paths(out: Path, numbers: list[int]) -> list[Path]:
    if len(numbers) == 1:
        return [out]
    return [out.with_name(f"{out.stem}_list_{number}{out.suffix}") for number in numbers]


@app.command("annex-a")
def annex_a(
    lists: Annotated[str, typer.Option("--lists", help="Lists to produce: 5, 7 or 5,7.")],
    as_of: Annotated[str, typer.Option("--as-of", help="Date of the lists (YYYY-MM-DD).")],
    out: OutOption,
    authority: AuthorityOption = None,
) -> None:
    """Write Ofsted Annex A lists as XLSX (one sheet a list) or CSV (one file a list: FILE_list_N.csv for several)."""
    numbers, day = _lists(lists), parse_date(as_of, "--as-of")
    suffix = out.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise AnnexAInvalid(f"--out {out.name}: expected a .xlsx or .csv file name")
    facts = read_facts(authority)
    tables = [(LISTS[n], rows(LISTS[n], facts, day)) for n in numbers]
    if suffix == ".xlsx":
        write_xlsx(out, tables)
        written = [out]
    else:
        written = _csv_paths(out, numbers)
        for path, (annex_list, table) in zip(written, tables, strict=True):
            write_csv(path, annex_list, table)
    counts = ", ".join(f"list {a.number}: {len(t)} rows" for a, t in tables)
    typer.echo(f"wrote {', '.join(str(p) for p in written)} ({counts}) as of {date.isoformat(day)}")
