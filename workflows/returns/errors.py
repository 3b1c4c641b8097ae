"""What makes a return or report impossible to produce as asked."""

from __future__ import annotations

from states.errors import CaseflowError

__all__ = ["AnnexAInvalid", "CensusInvalid", "CensusYearInvalid", "ReportPeriodInvalid"]


class AnnexAInvalid(CaseflowError):
    """An Annex A request that names a list not produced or an output format not supported."""


class CensusInvalid(CaseflowError):
    """Census XML that does not validate against the DfE schema of its year."""


class CensusYearInvalid(CaseflowError):
    """A census year that is not written as YYYY-YY with consecutive years, or has no schema."""


class ReportPeriodInvalid(CaseflowError):
    """A report period that ends before it starts."""
