"""Scenario files read strictly: UTF-8, bounded in size and depth, no duplicate keys, no aliases, no guessed types.

PyYAML's safe loader follows YAML 1.1: it reads `on:` as True, `1:30` as 90, `2026-10-15` as a date and
`20261015` as a number, keeps the last of two equal keys, and expands aliases. Here only `true`/`false` are
booleans, only plain decimal digits are integers, everything else that is not quoted stays text for the scenario's
validation to check (a date must be written YYYY-MM-DD), and a duplicate key or an alias is an error naming the line.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node

from workflows.services.errors import ScenarioInvalid

__all__ = ["MAX_DEPTH", "MAX_SCENARIO_BYTES", "load_strict_yaml"]

# A scenario is one case's events: a few kilobytes. Far beyond any real one, well below what strains the parser.
MAX_SCENARIO_BYTES = 512 * 1024
# The deepest a scenario nests is four (file, events, an event, a value); room to spare, none for a bomb.
MAX_DEPTH = 16

_KEPT = {"tag:yaml.org,2002:null", "tag:yaml.org,2002:merge"}


class _StrictLoader(yaml.SafeLoader):
    """The safe loader with YAML 1.2's booleans and integers only, refusing duplicate keys, aliases and depth."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        if self.check_event(yaml.AliasEvent):
            raise _Refused(self._next_mark(), "an alias (*name): write the value out instead")
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _Refused(self._next_mark(), f"nested deeper than {MAX_DEPTH} levels")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def _next_mark(self) -> Any:
        return self.peek_event().start_mark  # type: ignore[no-untyped-call]

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, str):
                raise _Refused(key_node.start_mark, "a key that is not text: expected names like trigger or on")
            if key in seen:
                raise _Refused(key_node.start_mark, f"the key {key!r} is given twice in one mapping")
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


_StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag in _KEPT]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_StrictLoader.add_implicit_resolver("tag:yaml.org,2002:int", re.compile(r"^[-+]?[0-9]+$"), list("-+0123456789"))


class _Refused(yaml.MarkedYAMLError):
    def __init__(self, mark: Any, problem: str) -> None:
        super().__init__(problem=problem, problem_mark=mark)


def load_strict_yaml(path: Path) -> Any:
    """The document in `path`; any problem is one ScenarioInvalid line naming the file (and the line, if known)."""
    try:
        with path.open("rb") as stream:
            raw = stream.read(MAX_SCENARIO_BYTES + 1)
    except OSError as exc:
        raise ScenarioInvalid(f"{path}: cannot be read: {exc.strerror or type(exc).__name__}") from None
    if len(raw) > MAX_SCENARIO_BYTES:
        raise ScenarioInvalid(f"{path}: larger than {MAX_SCENARIO_BYTES // 1024} KiB: expected one case's scenario")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioInvalid(f"{path}: not UTF-8 text (byte {exc.start}): expected a UTF-8 YAML file") from None
    try:
        return yaml.load(text, Loader=_StrictLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "(unknown line)"
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise ScenarioInvalid(f"{path}: {where}: {problem}".splitlines()[0]) from None
    except RecursionError:
        raise ScenarioInvalid(f"{path}: nested too deeply: expected at most {MAX_DEPTH} levels") from None
