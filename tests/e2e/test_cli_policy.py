"""`caseflow policy show` and `caseflow policy check`, run through the console script's entry point."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from tests.cli_in_process import Ran, run_main
from workflows.persistence import load_policy

pytestmark = pytest.mark.e2e

CONFIG = Path(__file__).resolve().parents[2] / "config"
PROFILES = ("authority_a", "authority_b", "authority_c")


def caseflow(*args: str, config_dir: Path = CONFIG, **env: str) -> Ran:
    """Run the CLI with a clean CASEFLOW_* environment, a wide terminal and the given config folder."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("CASEFLOW_")}
    environment.update(COLUMNS="200", CASEFLOW_CONFIG_DIR=str(config_dir), **env)
    return run_main(*args, env=environment)


def config_with(tmp_path: Path, name: str, text: str) -> Path:
    """A config folder holding the repository's policies plus one more file."""
    config = tmp_path / "config"
    shutil.copytree(CONFIG / "policies", config / "policies")
    (config / "policies" / f"{name}.yaml").write_text(text, encoding="utf-8")
    return config


def test_policy_show_prints_the_default_timescale_table_with_conventions_and_actions() -> None:
    result = caseflow("policy", "show")
    assert (result.returncode, result.stderr) == (0, "")
    for expected in (
        "default (version",
        "Timescales",
        "hold_icpc",
        "strategy_discussion_date",
        "DfE CIN census item InitialCPCtarget",
        "conventions.working_days_after",
        "x_is_day_0",
        "ages.invite_to_conference_from",
        "closure_days",
        "Actions",
        "business_support",
    ):
        assert expected in result.stdout, expected


@pytest.mark.parametrize("authority", PROFILES)
def test_policy_show_prints_each_authority_profile(authority: str) -> None:
    result = caseflow("policy", "show", "--authority", authority)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.startswith(f"{authority} (version 2026.1, extends default): Authority ")
    assert "Source " in result.stdout  # at least one rule sourced to the profile's own practice


def test_policy_show_for_the_authority_closed_at_christmas_lists_its_closure() -> None:
    result = caseflow("policy", "show", "--authority", "authority_c")
    assert "12-28..12-31" in result.stdout
    assert "any age" in result.stdout


@pytest.mark.parametrize("authority", ("default", *PROFILES))
def test_policy_show_json_is_the_effective_policy(authority: str) -> None:
    result = caseflow("policy", "show", "--authority", authority, "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == load_policy(CONFIG / "policies", authority).model_dump(mode="json")


def test_policy_show_defaults_to_the_configured_authority() -> None:
    result = caseflow("policy", "show", "--json", CASEFLOW_AUTHORITY="authority_b")
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert (shown["name"], shown["timescales"]["share_reports_with_family"]["amount"]) == ("authority_b", 3)


def test_policy_show_for_the_families_first_authority_names_the_lead_practitioner_as_owner_and_actor() -> None:
    result = caseflow("policy", "show", "--authority", "authority_d")
    assert (result.returncode, result.stderr) == (0, "")
    assert "Families First" in result.stdout
    actions = {
        line.split("│")[1].strip(): line.split("│")[2].strip() for line in result.stdout.splitlines() if "│" in line
    }
    assert actions["statutory_visit"] == actions["decide_child_participation"] == "lead_cp_practitioner"
    assert actions["referral_decision"] == "social_worker"
    roles = result.stdout[result.stdout.index("Roles and the triggers they may fire") :]
    lead = roles[roles.index("│ lead_cp_practitioner") :].split("\n", 1)[0]
    assert "own teams' cases" in lead and "record_visit" in lead and "start_s47" in lead


def test_an_unknown_authority_is_one_line_listing_the_known_ones() -> None:
    result = caseflow("policy", "show", "--authority", "nowhere")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        "error: no policy named 'nowhere' (known: authority_a, authority_b, authority_c, authority_d, default)\n"
    )


def test_a_broken_policy_file_is_one_line_naming_the_file_the_key_and_the_problem(tmp_path: Path) -> None:
    profile = (
        'name: authority_x\nextends: default\nversion: "1"\ndescription: broken\n'
        "actions:\n  hold_icpc: {timescale: nap}\n"
    )
    config = config_with(tmp_path, "authority_x", profile)
    result = caseflow("policy", "show", config_dir=config)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        f"error: {config / 'policies' / 'authority_x.yaml'}: actions.hold_icpc.timescale: no timescale named 'nap'\n"
    )


def test_a_yaml_syntax_error_is_one_line_with_the_line_number(tmp_path: Path) -> None:
    config = config_with(tmp_path, "authority_x", "name: authority_x\nextends: [default\n")
    result = caseflow("policy", "check", config_dir=config)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.count("\n") == 1
    path = config / "policies" / "authority_x.yaml"
    assert result.stderr.startswith(f"error: {path}: line 3, column 1: YAML syntax:")


def test_policy_check_names_every_valid_policy() -> None:
    result = caseflow("policy", "check")
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == "5 policies valid: authority_a, authority_b, authority_c, authority_d, default\n"
