"""The application shell around the Prefect flows, in layers (see docs/architecture.md): the composition root
(`bootstrap`), settings, logs and errors at the top; one subpackage per layer below.
"""

__all__: list[str] = []
