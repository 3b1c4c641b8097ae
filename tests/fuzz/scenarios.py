"""Bad scenario files: the example scenario with one mutation that makes it bad, written as files to replay."""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from pathlib import Path

from tests.fuzz.values import BAD_COUNTS, BAD_DATES, BAD_IDENTIFIERS, HUGE
from workflows.settings import REPOSITORY_CONFIG_DIR

__all__ = ["MUTATIONS", "bad_scenarios"]

BASE = (REPOSITORY_CONFIG_DIR / "scenarios" / "example.yaml").read_text(encoding="utf-8")
_EVENT = re.compile(r"^  - \{on: (\d{4}-\d{2}-\d{2}), trigger: (\w+)(.*)\}$", re.MULTILINE)

Mutation = Callable[[random.Random, str], str | bytes]


def _quoted(value: str) -> str:
    """`value` as a YAML double-quoted scalar (JSON's escapes are YAML's)."""
    return json.dumps(value)


def _events(text: str) -> list[re.Match[str]]:
    return list(_EVENT.finditer(text))


def _on_event(chooser: random.Random, text: str, change: Callable[[re.Match[str]], str]) -> str:
    event = chooser.choice(_events(text))
    return text[: event.start()] + change(event) + text[event.end() :]


def _bad_event_date(chooser: random.Random, text: str) -> str:
    bad = chooser.choice(BAD_DATES)
    return _on_event(chooser, text, lambda e: e[0].replace(f"on: {e[1]}", f"on: {_quoted(bad)}", 1))


def _date_as_number(chooser: random.Random, text: str) -> str:
    return _on_event(chooser, text, lambda e: e[0].replace(f"on: {e[1]}", f"on: {e[1].replace('-', '')}", 1))


def _duplicate_key(chooser: random.Random, text: str) -> str:
    return _on_event(chooser, text, lambda e: e[0].replace(f"trigger: {e[2]}", f"trigger: {e[2]}, trigger: {e[2]}", 1))


def _bad_reference(chooser: random.Random, text: str) -> str:
    return text.replace("reference: CP-EXAMPLE-1", f"reference: {_quoted(chooser.choice(BAD_IDENTIFIERS))}")


def _bad_team(chooser: random.Random, text: str) -> str:
    return text.replace(
        "date_of_birth: 2015-03-02", f"date_of_birth: 2015-03-02, team: {_quoted(chooser.choice(BAD_IDENTIFIERS))}"
    )


def _bad_count(chooser: random.Random, text: str) -> str:
    value = chooser.choice((*BAD_COUNTS, HUGE, str(2**70), "-5"))
    written = value if re.fullmatch(r"-?[0-9]+", value) else _quoted(value)
    return text.replace(
        "trigger: receive_referral}", f"trigger: receive_referral, earlier_plans_elsewhere: {written}}}"
    )


def _bad_birth_date(chooser: random.Random, text: str) -> str:
    return text.replace("date_of_birth: 2015-03-02", f"date_of_birth: {_quoted(chooser.choice(BAD_DATES))}")


def _planned_too_far(chooser: random.Random, text: str) -> str:
    return text.replace(
        "conference_date: 2027-01-08", f"conference_date: {chooser.choice(('2099-01-08', '2028-06-01'))}"
    )


def _deep(chooser: random.Random, text: str) -> str:
    depth = chooser.choice((20, 100, 500, 5000))
    return text.replace("policy: default", f"policy: {'[' * depth}{']' * depth}")


def _not_utf8(chooser: random.Random, text: str) -> bytes:
    encoded = text.encode("utf-8")
    at = chooser.randrange(len(encoded))
    return encoded[:at] + chooser.choice((b"\xff", b"\xe9", b"\xc3\x28", b"\xed\xa0\x80")) + encoded[at:]


def _alias(chooser: random.Random, text: str) -> str:
    return text.replace("policy: default", "policy: &p default\nextra: *p")


def _unknown_trigger(chooser: random.Random, text: str) -> str:
    name = chooser.choice(("hold_party", "start_s48", "close_case"))
    return _on_event(chooser, text, lambda e: e[0].replace(f"trigger: {e[2]}", f"trigger: {name}", 1))


def _after_as_of(chooser: random.Random, text: str) -> str:
    return text.replace("as_of: 2027-02-01", f"as_of: {chooser.choice(('2026-12-15', '2027-01-07'))}")


def _missing_key(chooser: random.Random, text: str) -> str:
    key = chooser.choice(("case:", "events:"))
    return "\n".join(line for line in text.splitlines() if not line.startswith(key))


def _unknown_key(chooser: random.Random, text: str) -> str:
    return text + f"\n{chooser.choice(('sneaky', 'on', 'yes', 'Case'))}: 1\n"


def _broken_syntax(chooser: random.Random, text: str) -> str:
    # At the start of a line that says something (after its indentation), where any of these breaks the document:
    # inside a comment or a quoted string it would be harmless, and the file valid.
    lines = text.splitlines(keepends=True)
    body = next(index for index, line in enumerate(lines) if line.startswith("policy:"))
    saying = [
        index for index in range(body, len(lines)) if lines[index].strip() and not lines[index].lstrip().startswith("#")
    ]
    index = chooser.choice(saying)
    indent = len(lines[index]) - len(lines[index].lstrip())
    broken = chooser.choice(("{", "[", "*", "!!python/object/apply:os.system "))
    lines[index] = lines[index][:indent] + broken + lines[index][indent:]
    return "".join(lines)


def _too_big(chooser: random.Random, text: str) -> str:
    return text + "#" + "x" * (600 * 1024) + "\n"


def _not_a_mapping(chooser: random.Random, text: str) -> str:
    return chooser.choice(("- a\n- b\n", "just text\n", "", "42\n", "null\n"))


def _control_in_trigger(chooser: random.Random, text: str) -> str:
    name = chooser.choice(("start_s47\n", "\x1b[2Jstart_s47", "start s47", ""))
    return _on_event(chooser, text, lambda e: e[0].replace(f"trigger: {e[2]}", f"trigger: {_quoted(name)}", 1))


def _bad_flag(chooser: random.Random, text: str) -> str:
    value = chooser.choice(("yes", "on", "1", '"true"', "maybe"))
    return text.replace("conference_date: 2027-01-08", f"conference_date: 2027-01-08, advocate_requested: {value}")


MUTATIONS: tuple[Mutation, ...] = (
    _bad_event_date,
    _date_as_number,
    _duplicate_key,
    _bad_reference,
    _bad_team,
    _bad_count,
    _bad_birth_date,
    _planned_too_far,
    _deep,
    _not_utf8,
    _alias,
    _unknown_trigger,
    _after_as_of,
    _missing_key,
    _unknown_key,
    _broken_syntax,
    _too_big,
    _not_a_mapping,
    _control_in_trigger,
    _bad_flag,
)


def bad_scenarios(seed: int, count: int, folder: Path) -> list[Path]:
    """`count` scenario files in `folder`, the same for the same seed, each the example with one mutation."""
    folder.mkdir(parents=True, exist_ok=True)
    chooser = random.Random(seed)
    written = []
    for index in range(count):
        mutation = chooser.choice(MUTATIONS)
        mutated = mutation(chooser, BASE)
        path = folder / f"scenario-{index:05d}-{mutation.__name__.strip('_')}.yaml"
        if isinstance(mutated, bytes):
            path.write_bytes(mutated)
        else:
            path.write_text(mutated, encoding="utf-8", errors="surrogatepass")
        written.append(path)
    return written
