"""The embedded stack of `caseflow up`: the local Prefect server, the process serving the deployments, the outbox
worker, the scheduler process and the web application (API and console). `workflows.stack.deployments` loads Prefect and is imported only where PREFECT_* is set.
"""

from workflows.stack.errors import PrefectUnreachable, StackPartFailed
from workflows.stack.prefect_server import prefect_environment, prefect_home, use_prefect
from workflows.stack.processes import Stack, logs_dir, next_sweep, start_stack
from workflows.stack.web import web_app

__all__ = [
    "PrefectUnreachable",
    "Stack",
    "StackPartFailed",
    "logs_dir",
    "next_sweep",
    "prefect_environment",
    "prefect_home",
    "start_stack",
    "use_prefect",
    "web_app",
]
