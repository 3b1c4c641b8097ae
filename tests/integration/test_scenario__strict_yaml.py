"""Scenario files are read strictly: each problem is one line naming the file and the place, nothing guessed."""

from __future__ import annotations

from pathlib import Path

import pytest

from workflows.services import ScenarioInvalid, load_scenario

GOOD = """policy: default
case: {reference: CP-S-1, date_of_birth: 2015-03-02}
events:
  - {on: 2026-12-14, trigger: receive_referral}
as_of: 2027-01-04
"""


def _write(tmp_path: Path, content: str | bytes) -> Path:
    path = tmp_path / "scenario.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def test_a_good_scenario_reads_with_its_dates_as_dates(tmp_path: Path) -> None:
    scenario = load_scenario(_write(tmp_path, GOOD))
    assert str(scenario.events[0].on) == "2026-12-14"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (GOOD.replace("trigger: receive_referral", "trigger: receive_referral, trigger: start_s47"), "given twice"),
        (GOOD.replace("on: 2026-12-14", "on: 20261214"), "events[0].on"),
        (GOOD.replace("on: 2026-12-14", "on: 2026-W51-1"), "events[0].on"),
        (GOOD.replace("policy: default", "policy: &p default\nextra: *p"), "alias"),
        (GOOD.replace("policy: default", "policy: " + "[" * 500 + "]" * 500), "nested deeper"),
        (GOOD.replace("CP-S-1", '"CP-S-1\\nerror: forged"'), "case.reference"),
        (GOOD.replace("CP-S-1", '""'), "case.reference"),
        (GOOD + "#" + "x" * 600 * 1024, "larger than"),
        (GOOD.encode("utf-8").replace(b"CP-S-1", b"CP-S-\xe9"), "not UTF-8"),
        (GOOD.replace("as_of: 2027-01-04", "as_of: 0001-01-01"), "as_of"),
    ],
)
def test_a_bad_scenario_is_one_line_naming_the_file(tmp_path: Path, content: str | bytes, expected: str) -> None:
    path = _write(tmp_path, content)
    with pytest.raises(ScenarioInvalid) as refused:
        load_scenario(path)
    message = str(refused.value)
    assert message.startswith(f"{path}: ")
    assert expected in message
    assert "\n" not in message
