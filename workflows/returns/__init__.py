"""Statutory returns and management reports: the DfE CIN census, Ofsted Annex A, timeliness measures."""

from workflows.returns.annex_a import LISTS, months_before, rows, write_csv, write_xlsx
from workflows.returns.cin_census import (
    SCHEMA_DIR,
    CensusYear,
    build_census,
    census_children,
    la_child_id,
    validate_census,
)
from workflows.returns.errors import AnnexAInvalid, CensusInvalid, CensusYearInvalid, ReportPeriodInvalid
from workflows.returns.return_facts import CaseFacts, read_case_facts
from workflows.returns.timeliness import (
    MEASURES,
    Period,
    Result,
    measure_all,
    write_charts,
    write_table,
)

__all__ = [
    "LISTS",
    "MEASURES",
    "SCHEMA_DIR",
    "AnnexAInvalid",
    "CaseFacts",
    "CensusInvalid",
    "CensusYear",
    "CensusYearInvalid",
    "Period",
    "ReportPeriodInvalid",
    "Result",
    "build_census",
    "census_children",
    "la_child_id",
    "measure_all",
    "months_before",
    "read_case_facts",
    "rows",
    "validate_census",
    "write_charts",
    "write_csv",
    "write_table",
    "write_xlsx",
]
