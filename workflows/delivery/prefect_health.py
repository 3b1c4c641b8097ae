"""Whether the Prefect API answers: asked before outbox rows are handed to flow runs, so an outage counts no attempts."""

from __future__ import annotations

import urllib.error
import urllib.request

__all__ = ["is_healthy", "prefect_is_up"]


def is_healthy(api_url: str, timeout: float = 2.0) -> bool:
    """Whether the Prefect API at `api_url` answers its health check within `timeout` seconds."""
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=timeout) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError, ValueError):
        return False


def prefect_is_up() -> bool:
    """Whether the Prefect API this process (this thread's settings) is configured for answers now."""
    from prefect.settings import PREFECT_API_URL

    url = PREFECT_API_URL.value()
    return bool(url) and is_healthy(str(url).rstrip("/"), timeout=2.0)
