"""Links into the Prefect UI: the runs page searched by run name (case-transition and escalation runs are named
after their case reference, sweeps after their date)."""

from __future__ import annotations

from urllib.parse import urlencode

from workflows.settings import Settings

__all__ = ["runs_link", "ui_url"]


def ui_url(settings: Settings) -> str:
    """The Prefect UI's address: the configured API's, or the embedded server's."""
    if settings.prefect_api_url:
        return settings.prefect_api_url.rstrip("/").removesuffix("/api")
    return f"http://{settings.prefect_host}:{settings.prefect_port}"


def runs_link(settings: Settings, run_name: str) -> str:
    """The Prefect UI's runs page showing the flow runs whose name contains `run_name`."""
    return f"{ui_url(settings)}/runs?{urlencode({'flow-run-search': run_name})}"
