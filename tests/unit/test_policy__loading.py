"""Policy files: profiles extend the default, and a bad file is named with its key or line."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from states.policy import PolicyInvalid, PolicyNotFound
from states.working_days import YearlyClosure
from workflows.persistence import available_policies, load_all_policies, load_policy

POLICIES = Path(__file__).resolve().parents[2] / "config" / "policies"


def policy_dir(tmp_path: Path, **files: str) -> Path:
    """A folder holding the repository's default policy and the given files (name -> YAML text)."""
    folder = tmp_path / "policies"
    folder.mkdir()
    shutil.copyfile(POLICIES / "default.yaml", folder / "default.yaml")
    for name, text in files.items():
        (folder / f"{name}.yaml").write_text(text, encoding="utf-8")
    return folder


PROFILE_HEAD = 'name: authority_x\nextends: default\nversion: "1"\ndescription: test profile\n'


def refusal(folder: Path, name: str) -> PolicyInvalid:
    with pytest.raises(PolicyInvalid) as raised:
        load_policy(folder, name)
    assert "\n" not in str(raised.value)
    return raised.value


# the repository's own policies


def test_the_repository_holds_the_default_and_four_authority_profiles_and_all_validate() -> None:
    policies = load_all_policies(POLICIES)
    profiles = ["authority_a", "authority_b", "authority_c", "authority_d"]
    assert list(policies) == [*profiles, "default"]
    assert all(policies[name].extends == "default" for name in profiles)
    assert len({policy.description for policy in policies.values()}) == 5


def test_authority_a_follows_source_a() -> None:
    policy = load_policy(POLICIES, "authority_a")
    assert policy.ages.invite_to_conference_from == 12
    assert policy.ages.advocate == "always_considered"
    assert (policy.ages.child_only_conference.min, policy.ages.child_only_conference.max) == (8, 17)
    assert (policy.timescales["hold_core_group"].amount, policy.timescales["hold_core_group"].unit) == (6, "weeks")
    assert policy.timescales["circulate_minutes"].amount == 15
    assert policy.timescales["share_reports_with_family"].amount == 2
    assert policy.timescales["share_reports_before_review"].amount == 5


def test_authority_b_follows_source_b() -> None:
    policy = load_policy(POLICIES, "authority_b")
    assert policy.ages.invite_to_conference_from == 11  # "over 10"
    assert (policy.ages.advocate, policy.ages.advocate_automatic_over) == ("automatic", 8)
    assert policy.timescales["share_reports_with_family"].amount == 3
    pre_birth = policy.timescales["pre_birth_conference"]
    assert (pre_birth.amount, pre_birth.unit, pre_birth.direction) == (6, "weeks", "before")
    assert "34 weeks" in pre_birth.source


def test_authority_c_follows_source_c_and_closes_28_to_31_december() -> None:
    policy = load_policy(POLICIES, "authority_c")
    assert policy.ages.invite_to_conference_from == 0
    assert policy.ages.advocate == "on_request"
    assert policy.closure_days == [YearlyClosure((12, 28), (12, 31))]


def test_a_profile_inherits_every_rule_it_does_not_override() -> None:
    default = load_policy(POLICIES, "default")
    profile = load_policy(POLICIES, "authority_b")
    assert profile.timescales["hold_icpc"] == default.timescales["hold_icpc"]
    assert profile.actions == default.actions
    assert profile.conventions == default.conventions
    shared = "share_reports_with_family"
    assert profile.timescales[shared].source != default.timescales[shared].source


def test_a_profile_replaces_a_list_whole_rather_than_merging_it(tmp_path: Path) -> None:
    ladder = (
        "escalation:\n"
        "  - {level: owner, working_days_overdue: 0}\n"
        "  - {level: head_of_service, working_days_overdue: 3}\n"
    )
    folder = policy_dir(tmp_path, authority_x=PROFILE_HEAD + ladder)
    policy = load_policy(folder, "authority_x")
    assert [(rung.level, rung.working_days_overdue) for rung in policy.escalation] == [
        ("owner", 0),
        ("head_of_service", 3),
    ]


def test_a_profile_may_extend_another_profile(tmp_path: Path) -> None:
    folder = policy_dir(tmp_path, authority_x=PROFILE_HEAD + "closure_days: ['12-24']\n")
    (folder / "authority_y.yaml").write_text(
        'name: authority_y\nextends: authority_x\nversion: "1"\ndescription: grandchild\n'
        "ages: {advocate: on_request}\n",
        encoding="utf-8",
    )
    policy = load_policy(folder, "authority_y")
    assert (policy.extends, policy.ages.advocate, policy.closure_days) == (
        "authority_x",
        "on_request",
        [YearlyClosure((12, 24), (12, 24))],
    )


def test_a_profile_may_change_a_convention(tmp_path: Path) -> None:
    folder = policy_dir(tmp_path, authority_x=PROFILE_HEAD + "conventions: {months: fixed_days}\n")
    policy = load_policy(folder, "authority_x")
    assert policy.conventions.months == "fixed_days"
    # hand-checked: Mon 2027-03-01 + 91 days = Mon 2027-05-31 (spring bank holiday) -> Fri 2027-05-28
    assert policy.due_date("hold_first_review", date(2027, 3, 1)) == date(2027, 5, 28)


# broken files


def test_a_bad_extends_target_is_refused_listing_the_known_policies(tmp_path: Path) -> None:
    folder = policy_dir(tmp_path, authority_x=PROFILE_HEAD.replace("extends: default", "extends: nowhere"))
    error = refusal(folder, "authority_x")
    assert str(error) == f"{folder / 'authority_x.yaml'}: extends: no policy named 'nowhere' to extend (known: default)"


def test_a_cycle_of_extends_is_refused(tmp_path: Path) -> None:
    folder = policy_dir(
        tmp_path,
        authority_x=PROFILE_HEAD.replace("extends: default", "extends: authority_y"),
        authority_y=PROFILE_HEAD.replace("name: authority_x", "name: authority_y").replace(
            "extends: default", "extends: authority_x"
        ),
    )
    error = refusal(folder, "authority_x")
    assert error.key == "extends"
    assert error.problem == "cycle: authority_x -> authority_y -> authority_x"


def test_a_yaml_syntax_error_is_refused_with_its_line(tmp_path: Path) -> None:
    folder = policy_dir(tmp_path, authority_x=PROFILE_HEAD + "ages:\n  advocate: [on_request\n")
    error = refusal(folder, "authority_x")
    assert error.source == str(folder / "authority_x.yaml")
    assert error.key.startswith("line 7, column")
    assert error.problem.startswith("YAML syntax:")


def test_a_key_given_twice_is_refused_rather_than_silently_keeping_the_last(tmp_path: Path) -> None:
    twice = "ages: {advocate: on_request}\nages: {advocate: automatic}\n"
    folder = policy_dir(tmp_path, authority_x=PROFILE_HEAD + twice)
    error = refusal(folder, "authority_x")
    assert error.key == "line 6, column 1"
    assert error.problem == "the key 'ages' is given twice in one mapping"


@pytest.mark.parametrize(
    ("tail", "where", "problem"),
    [
        ("ages: " + "[" * 200 + "]" * 200 + "\n", "line 5, column", "nested deeper than 16 levels"),
        ("extra: &a {advocate: on_request}\nages: *a\n", "line 6, column", "an alias (*name)"),
        ("ages: {1: on_request}\n", "line 5, column", "a key that is not text"),
        ("#" + "x" * 600 * 1024 + "\n", "(file)", "larger than 512 KiB"),
    ],
)
def test_a_policy_file_is_read_by_the_same_strict_rules_as_a_scenario(
    tmp_path: Path, tail: str, where: str, problem: str
) -> None:
    error = refusal(policy_dir(tmp_path, authority_x=PROFILE_HEAD + tail), "authority_x")
    assert error.source.endswith("authority_x.yaml")
    assert error.key.startswith(where)
    assert error.problem.startswith(problem)


def test_a_policy_file_that_is_not_utf_8_is_refused_naming_the_file(tmp_path: Path) -> None:
    folder = policy_dir(tmp_path)
    (folder / "authority_x.yaml").write_bytes(PROFILE_HEAD.encode("utf-8").replace(b"test", b"t\xe9st"))
    error = refusal(folder, "authority_x")
    assert (error.source, error.key) == (str(folder / "authority_x.yaml"), "(file)")
    assert error.problem.startswith("not UTF-8 text")


def test_a_file_that_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    folder = policy_dir(tmp_path, authority_x="- just\n- a list\n")
    assert str(refusal(folder, "authority_x")).endswith(
        "authority_x.yaml: (top level): expected a mapping of policy keys, got list"
    )


def test_a_name_other_than_the_files_is_refused(tmp_path: Path) -> None:
    folder = policy_dir(tmp_path, authority_x=PROFILE_HEAD.replace("name: authority_x", "name: authority_z"))
    error = refusal(folder, "authority_x")
    assert (error.key, error.problem) == ("name", "must be the file's name 'authority_x' (got 'authority_z')")


def test_a_profile_that_changes_a_rule_must_name_its_source(tmp_path: Path) -> None:
    folder = policy_dir(tmp_path, authority_x=PROFILE_HEAD + "timescales:\n  hold_icpc: {amount: 10}\n")
    error = refusal(folder, "authority_x")
    assert error.key == "timescales.hold_icpc.source"
    assert error.problem == "a profile that changes a rule must name its source"


def test_a_bad_value_in_a_profile_names_the_profile_file_and_the_key(tmp_path: Path) -> None:
    folder = policy_dir(
        tmp_path, authority_x=PROFILE_HEAD + "timescales:\n  hold_icpc: {unit: fortnights, source: made up}\n"
    )
    error = refusal(folder, "authority_x")
    assert (error.source, error.key) == (str(folder / "authority_x.yaml"), "timescales.hold_icpc.unit")


def test_a_broken_default_is_named_even_when_a_profile_is_asked_for(tmp_path: Path) -> None:
    folder = policy_dir(tmp_path, authority_x=PROFILE_HEAD)
    default = folder / "default.yaml"
    default.write_text(default.read_text(encoding="utf-8").replace("unit: weeks", "unit: moons", 1), encoding="utf-8")
    error = refusal(folder, "authority_x")
    assert (error.source, error.key) == (str(default), "timescales.pre_birth_conference.unit")


def test_loading_every_policy_stops_at_the_first_bad_file(tmp_path: Path) -> None:
    folder = policy_dir(tmp_path, authority_x=PROFILE_HEAD + "colour: blue\n")
    with pytest.raises(PolicyInvalid, match=r"authority_x\.yaml: colour: unknown key$"):
        load_all_policies(folder)


def test_an_unknown_policy_name_lists_the_known_ones(tmp_path: Path) -> None:
    folder = policy_dir(tmp_path, authority_x=PROFILE_HEAD)
    with pytest.raises(PolicyNotFound, match=r"no policy named 'elsewhere' in .* \(known: authority_x, default\)$"):
        load_policy(folder, "elsewhere")


def test_a_policy_name_cannot_reach_outside_the_folder(tmp_path: Path) -> None:
    folder = policy_dir(tmp_path)
    shutil.copyfile(POLICIES / "default.yaml", tmp_path / "outside.yaml")
    with pytest.raises(PolicyNotFound):
        load_policy(folder, "../outside")


def test_an_empty_folder_has_no_policies(tmp_path: Path) -> None:
    assert available_policies(tmp_path) == []
    with pytest.raises(PolicyNotFound, match="no policy files"):
        load_all_policies(tmp_path)
