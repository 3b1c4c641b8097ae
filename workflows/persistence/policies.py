"""Reading policy files: YAML in, a validated Policy out, a profile merged over the policy it extends."""

from __future__ import annotations

import copy
import functools
import re
from pathlib import Path
from typing import Any

from states.policy import Policy, PolicyInvalid, PolicyNotFound, policy_from_mapping
from workflows.persistence.strict_yaml import YamlRefused, load_strict_yaml

__all__ = ["available_policies", "load_all_policies", "load_policy"]

SUFFIX = ".yaml"
NAME = re.compile(r"^[a-z][a-z0-9_]*$")
# A profile that changes one of these must say where its version comes from.
RULE_FIELDS = ("amount", "unit", "direction", "counts_from")


@functools.lru_cache(maxsize=64)
def _parsed(path: str, modified_ns: int, size: int) -> Any:
    """The YAML in `path` as last modified at `modified_ns` with `size` bytes: parsed once per version of the file.

    PyYAML's pure-Python parser takes about 0.1 s for the policy files, and every command reads them all; a
    process that runs many commands (the tests, the fuzz in tests/fuzz) reads each file once.
    """
    return load_strict_yaml(Path(path))


def available_policies(policy_dir: Path) -> list[str]:
    """Names of the policy files in `policy_dir`, sorted."""
    return sorted(path.stem for path in policy_dir.glob(f"*{SUFFIX}") if path.is_file())


def _read(path: Path) -> dict[str, Any]:
    try:
        stat = path.stat()
    except OSError as exc:
        raise PolicyInvalid(str(path), "(file)", f"cannot be read: {exc.strerror or type(exc).__name__}") from None
    try:
        data = copy.deepcopy(_parsed(str(path), stat.st_mtime_ns, stat.st_size))
    except YamlRefused as exc:
        raise PolicyInvalid(str(path), exc.where or "(file)", exc.problem) from None
    if not isinstance(data, dict):
        raise PolicyInvalid(str(path), "(top level)", f"expected a mapping of policy keys, got {type(data).__name__}")
    return data


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value  # scalars and lists are replaced whole
    return merged


def _check_sources(path: Path, profile: dict[str, Any], base: dict[str, Any]) -> None:
    timescales = profile.get("timescales")
    if not isinstance(timescales, dict):
        return
    for name, rule in timescales.items():
        changes_rule = isinstance(rule, dict) and any(field in rule for field in RULE_FIELDS)
        if changes_rule and name in base.get("timescales", {}) and "source" not in rule:
            key = f"timescales.{name}.source"
            raise PolicyInvalid(str(path), key, "a profile that changes a rule must name its source")


def _path_for(policy_dir: Path, name: str) -> Path:
    path = policy_dir / f"{name}{SUFFIX}"
    if not NAME.match(name) or not path.is_file():
        known = ", ".join(available_policies(policy_dir)) or "none"
        raise PolicyNotFound(f"no policy named {name!r} in {policy_dir} (known: {known})")
    return path


def _effective(policy_dir: Path, name: str, chain: tuple[str, ...]) -> dict[str, Any]:
    path = _path_for(policy_dir, name)
    data = _read(path)
    if data.get("name") != name:
        raise PolicyInvalid(str(path), "name", f"must be the file's name {name!r} (got {data.get('name')!r})")
    parent = data.get("extends")
    if parent is None:
        return data
    if not isinstance(parent, str) or not NAME.match(parent) or not (policy_dir / f"{parent}{SUFFIX}").is_file():
        known = ", ".join(n for n in available_policies(policy_dir) if n != name) or "none"
        raise PolicyInvalid(str(path), "extends", f"no policy named {parent!r} to extend (known: {known})")
    if parent in chain:
        raise PolicyInvalid(str(path), "extends", f"cycle: {' -> '.join((*chain, name, parent))}")
    base = _effective(policy_dir, parent, (*chain, name))
    policy_from_mapping(base, str(_path_for(policy_dir, parent)))  # a parent's own errors name the parent's file
    _check_sources(path, data, base)
    return _merge(base, data)


def load_policy(policy_dir: Path, name: str) -> Policy:
    """The validated, effective policy `name` from `policy_dir`, with `extends:` resolved (dicts deep-merged)."""
    data = _effective(policy_dir, name, ())
    return policy_from_mapping(data, str(_path_for(policy_dir, name)))


def load_all_policies(policy_dir: Path) -> dict[str, Policy]:
    """Every policy in `policy_dir`, validated; the first bad file raises PolicyInvalid."""
    names = available_policies(policy_dir)
    if not names:
        raise PolicyNotFound(f"no policy files (*{SUFFIX}) in {policy_dir}")
    return {name: load_policy(policy_dir, name) for name in names}
