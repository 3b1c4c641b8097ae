"""Our top-level package names are ours alone: no other installed distribution provides them."""

from __future__ import annotations

import importlib.metadata

OUR_DISTRIBUTION = "caseflow-cp"
OUR_PACKAGES = ("states", "tasks", "workflows")


def test_no_other_installed_distribution_provides_our_top_level_packages() -> None:
    providers = importlib.metadata.packages_distributions()
    for package in OUR_PACKAGES:
        others = {name for name in providers.get(package, []) if name.lower() != OUR_DISTRIBUTION}
        assert others == set(), f"{package!r} is also provided by {sorted(others)}"
    assert all(OUR_DISTRIBUTION in providers.get(package, []) for package in OUR_PACKAGES)


def test_no_installed_distribution_provides_a_package_named_config() -> None:
    # config/ is data, not a package; anything importable as `config` would be mistaken for ours.
    assert "config" not in importlib.metadata.packages_distributions()
