"""The CLI's registry: every command module is listed and loads; the lazy start is checked in tests/integration."""

from __future__ import annotations

from pathlib import Path

from workflows.cli import COMMANDS

CLI_FOLDER = Path(__file__).resolve().parents[2] / "workflows" / "cli"


def test_every_cli_module_is_reachable_from_the_registry() -> None:
    # No command of their own: shared pieces of the commands.
    helpers = {"__init__", "errors", "acting", "case_reads", "connected", "policy_migrate", "seconds", "staff_tokens"}
    modules = {path.stem for path in CLI_FOLDER.glob("*.py")} - helpers
    registered = {entry.module.rsplit(".", 1)[1] for entry in COMMANDS}
    assert modules == registered, "add the module's command to COMMANDS in workflows/cli/__init__.py"


def test_every_registered_command_loads(tmp_path: Path) -> None:
    from workflows.cli import cli

    ctx = cli.make_context("caseflow", ["--help"], resilient_parsing=True)
    for entry in COMMANDS:
        command = cli.get_command(ctx, entry.name)
        assert command is not None and command.name == entry.name


def test_a_group_with_a_single_subcommand_still_takes_it_by_name() -> None:
    from typer.core import TyperGroup

    from workflows.cli import cli

    ctx = cli.make_context("caseflow", ["--help"], resilient_parsing=True)
    for entry in COMMANDS:
        if entry.attribute == "app":
            group = cli.get_command(ctx, entry.name)
            assert isinstance(group, TyperGroup), f"{entry.name} lost its subcommands"
            assert group.list_commands(ctx), entry.name
