"""Starting the CLI loads no heavy dependency: checked in a fresh interpreter, whose modules are its own."""

from __future__ import annotations

import subprocess
import sys


def test_listing_the_commands_imports_neither_prefect_nor_sqlalchemy() -> None:
    probe = (
        "import sys\n"
        "from workflows.cli import cli\n"
        "cli.get_help(cli.make_context('caseflow', ['--help'], resilient_parsing=True))\n"
        "print(sorted(m for m in ('prefect', 'sqlalchemy', 'alembic', 'matplotlib') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True)
    assert result.stdout.strip() == "[]"
