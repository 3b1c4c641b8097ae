"""Settings: defaults for the embedded stack, and one clear line for a bad value."""

from __future__ import annotations

from pathlib import Path

import pytest

from workflows.bootstrap import load_settings
from workflows.errors import SettingsInvalid


def test_the_default_database_is_a_sqlite_file_in_the_data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CASEFLOW_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("CASEFLOW_DATABASE_URL", raising=False)
    assert load_settings().effective_database_url == f"sqlite:///{tmp_path.resolve() / 'caseflow.db'}"


def test_a_database_url_setting_wins_over_the_embedded_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASEFLOW_DATABASE_URL", "postgresql+psycopg://u@localhost/caseflow")
    assert load_settings().effective_database_url == "postgresql+psycopg://u@localhost/caseflow"


def test_a_bad_setting_names_the_variable_and_the_problem_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASEFLOW_PREFECT_PORT", "99999")
    with pytest.raises(SettingsInvalid) as raised:
        load_settings()
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith("setting CASEFLOW_PREFECT_PORT:")
    assert "99999" in message


def test_every_setting_is_documented_in_the_example_env_file() -> None:
    from workflows.settings import REPOSITORY_CONFIG_DIR, Settings

    example = (REPOSITORY_CONFIG_DIR / "example.env").read_text()
    for name in Settings.model_fields:
        assert f"CASEFLOW_{name.upper()}=" in example, f"CASEFLOW_{name.upper()} missing from config/example.env"
