"""YAML files read strictly (policies and scenarios alike): UTF-8, bounded, no duplicate keys, no aliases, no guesses.

PyYAML's safe loader follows YAML 1.1: it reads `on:` as True, `1:30` as 90, `2026-10-15` as a date and
`20261015` as a number, keeps the last of two equal keys, and expands aliases. Here only `true`/`false` are
booleans, only plain decimal digits are integers, everything else that is not quoted stays text for the reader's
own validation to check (a date must be written YYYY-MM-DD), and a duplicate key, an alias, a key that is not text
or nesting past `MAX_DEPTH` is a `YamlRefused` naming the file and the line.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node

from states.errors import CaseflowError

__all__ = ["MAX_DEPTH", "MAX_YAML_BYTES", "YamlRefused", "load_strict_yaml"]

# A scenario is one case's events, a policy a few dozen rules: tens of kilobytes at most. Far beyond any real one,
# well below what strains the parser.
MAX_YAML_BYTES = 512 * 1024
# Scenarios nest four deep (file, events, an event, a value), policies five: room to spare, none for a bomb.
MAX_DEPTH = 16

_KEPT = {"tag:yaml.org,2002:null", "tag:yaml.org,2002:merge"}


class YamlRefused(CaseflowError):
    """A YAML file that cannot be read: the file, where in it (a line and column, when known) and what is wrong."""

    def __init__(self, path: Path, where: str | None, problem: str) -> None:
        self.path, self.where, self.problem = path, where, problem
        super().__init__(f"{path}: {where}: {problem}" if where else f"{path}: {problem}")


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
    """A refusal of ours, told apart from the parser's own syntax errors."""

    def __init__(self, mark: Any, problem: str) -> None:
        super().__init__(problem=problem, problem_mark=mark)


def load_strict_yaml(path: Path) -> Any:
    """The document in `path`; any problem is one YamlRefused line naming the file (and the line, if known)."""
    try:
        with path.open("rb") as stream:
            raw = stream.read(MAX_YAML_BYTES + 1)
    except OSError as exc:
        raise YamlRefused(path, None, f"cannot be read: {exc.strerror or type(exc).__name__}") from None
    if len(raw) > MAX_YAML_BYTES:
        raise YamlRefused(path, None, f"larger than {MAX_YAML_BYTES // 1024} KiB: expected a hand-written file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise YamlRefused(path, None, f"not UTF-8 text (byte {exc.start}): expected a UTF-8 YAML file") from None
    try:
        return yaml.load(text, Loader=_StrictLoader)
    except _Refused as exc:
        raise YamlRefused(path, _where(exc), str(exc.problem)) from None
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or getattr(exc, "context", None) or "not valid YAML"
        raise YamlRefused(path, _where(exc), f"YAML syntax: {problem}".splitlines()[0]) from None
    except RecursionError:
        raise YamlRefused(path, None, f"nested too deeply: expected at most {MAX_DEPTH} levels") from None


def _where(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    return f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(unknown line)"
