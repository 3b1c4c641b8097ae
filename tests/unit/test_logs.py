"""Logging: personal data never reaches a log line, and the case reference does."""

from __future__ import annotations

import io
import json
import logging

import pytest
import structlog

from workflows.logs import REDACTED, configure_logging, get_logger, redact_personal_data


def test_personal_keys_are_redacted_at_any_depth_and_other_keys_kept() -> None:
    event = {
        "event": "case_received",
        "case_ref": "CP-1",
        "name": "Alice Example",
        "Date_Of_Birth": "2015-03-02",
        "contact": {"address": "1 Example Street", "phone": "01234", "team": "north"},
        "people": [{"email": "a@example.org"}],
    }
    result = redact_personal_data(None, "info", event)
    assert result == {
        "event": "case_received",
        "case_ref": "CP-1",
        "name": REDACTED,
        "Date_Of_Birth": REDACTED,
        "contact": {"address": REDACTED, "phone": REDACTED, "team": "north"},
        "people": [{"email": REDACTED}],
    }


@pytest.fixture
def captured_json_log(monkeypatch: pytest.MonkeyPatch) -> io.StringIO:
    stream = io.StringIO()
    monkeypatch.setattr("sys.stderr", stream)
    configure_logging("INFO", "json")
    yield stream
    structlog.reset_defaults()
    logging.getLogger("caseflow").handlers.clear()


def test_a_json_log_line_carries_the_case_reference_but_not_the_childs_name(captured_json_log: io.StringIO) -> None:
    get_logger("lifecycle", case_ref="CP-42").info("case_status_changed", name="Alice Example", status="referred")
    line = json.loads(captured_json_log.getvalue().strip().splitlines()[-1])
    assert line["case_ref"] == "CP-42"
    assert line["event"] == "case_status_changed"
    assert line["name"] == REDACTED
    assert "Alice" not in captured_json_log.getvalue()


def test_an_exception_logged_as_json_does_not_carry_local_variables(captured_json_log: io.StringIO) -> None:
    def fail_with_a_name_in_scope() -> None:
        child_name = "Alice Example"  # noqa: F841 - a local a traceback with locals would print
        raise ValueError("boom")

    try:
        fail_with_a_name_in_scope()
    except ValueError:
        get_logger("sweep", case_ref="CP-7").exception("sweep_case_failed")
    output = captured_json_log.getvalue()
    assert "sweep_case_failed" in output and "ValueError" in output
    assert "Alice" not in output


def test_a_logger_made_before_logging_is_configured_follows_the_configuration(
    capsys: pytest.CaptureFixture[str],
) -> None:
    early = get_logger("early", case_ref="CP-9")  # as a module-level logger is, at import time
    stream = io.StringIO()
    import sys

    real_stderr = sys.stderr
    sys.stderr = stream
    try:
        configure_logging("INFO", "json")
        early.info("case_checked")
    finally:
        sys.stderr = real_stderr
        structlog.reset_defaults()
        logging.getLogger("caseflow").handlers.clear()
    assert capsys.readouterr().out == ""  # nothing on stdout, where --json output goes
    assert json.loads(stream.getvalue().strip())["case_ref"] == "CP-9"
