"""OpenID Connect settings: all or nothing, https off loopback, each problem in one line naming the variable."""

from __future__ import annotations

import pytest

from workflows.bootstrap import load_settings
from workflows.errors import SettingsInvalid

ISSUER = "https://login.microsoftonline.com/tenant-1/v2.0"
COMPLETE = {
    "CASEFLOW_OIDC_ISSUER": ISSUER,
    "CASEFLOW_OIDC_AUDIENCE": "api://caseflow",
    "CASEFLOW_OIDC_JWKS_URL": "https://login.microsoftonline.com/tenant-1/discovery/v2.0/keys",
}


def _problem(monkeypatch: pytest.MonkeyPatch, environment: dict[str, str]) -> str:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsInvalid) as raised:
        load_settings()
    assert "\n" not in str(raised.value)
    return str(raised.value)


def test_oidc_is_off_by_default_and_its_staff_claim_is_preferred_username() -> None:
    settings = load_settings()
    assert (settings.oidc_enabled, settings.oidc_staff_claim) == (False, "preferred_username")


def test_a_complete_oidc_setting_turns_it_on(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in COMPLETE.items():
        monkeypatch.setenv(name, value)
    settings = load_settings()
    assert (settings.oidc_enabled, settings.oidc_issuer, settings.oidc_audience) == (True, ISSUER, "api://caseflow")


def test_an_issuer_without_an_audience_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    problem = _problem(monkeypatch, {name: value for name, value in COMPLETE.items() if "AUDIENCE" not in name})
    assert problem.startswith("setting CASEFLOW_OIDC_ISSUER: Value error, needs CASEFLOW_OIDC_AUDIENCE as well")


def test_an_empty_audience_is_refused_as_such(monkeypatch: pytest.MonkeyPatch) -> None:
    problem = _problem(monkeypatch, {**COMPLETE, "CASEFLOW_OIDC_AUDIENCE": ""})
    assert problem.startswith("setting CASEFLOW_OIDC_AUDIENCE: String should have at least 1 character")


def test_an_issuer_with_both_a_jwks_url_and_a_jwks_file_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    problem = _problem(monkeypatch, {**COMPLETE, "CASEFLOW_OIDC_JWKS_FILE": "jwks.json"})
    assert problem.startswith("setting CASEFLOW_OIDC_ISSUER: Value error, needs exactly one of CASEFLOW_OIDC_JWKS_URL")


def test_client_settings_without_an_issuer_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    problem = _problem(monkeypatch, {"CASEFLOW_OIDC_CLIENT_ID": "caseflow-console"})
    assert problem.startswith("setting CASEFLOW_OIDC_ISSUER: Value error, unset, but CASEFLOW_OIDC_CLIENT_ID need it")


def test_a_client_id_without_a_redirect_url_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    problem = _problem(monkeypatch, {**COMPLETE, "CASEFLOW_OIDC_CLIENT_ID": "caseflow-console"})
    assert "sign-in needs both CASEFLOW_OIDC_CLIENT_ID and CASEFLOW_OIDC_REDIRECT_URL" in problem


@pytest.mark.parametrize(
    ("name", "url"),
    [
        ("CASEFLOW_OIDC_JWKS_URL", "http://login.example.org/keys"),
        ("CASEFLOW_OIDC_ISSUER", "http://login.example.org"),
        ("CASEFLOW_OIDC_JWKS_URL", "ftp://login.example.org/keys"),
    ],
)
def test_provider_urls_must_be_https_off_loopback(monkeypatch: pytest.MonkeyPatch, name: str, url: str) -> None:
    problem = _problem(monkeypatch, {**COMPLETE, name: url})
    assert problem.startswith(f"setting {name}: Value error, expected an https URL (http only on loopback)")


def test_http_on_loopback_is_accepted_for_a_provider_on_this_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {**COMPLETE, "CASEFLOW_OIDC_JWKS_URL": "http://127.0.0.1:9400/jwks"}.items():
        monkeypatch.setenv(name, value)
    assert load_settings().oidc_jwks_url == "http://127.0.0.1:9400/jwks"


def test_the_client_secret_is_not_shown_when_the_settings_are_printed(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {**COMPLETE, "CASEFLOW_OIDC_CLIENT_SECRET": "s3cret-value"}.items():
        monkeypatch.setenv(name, value)
    assert "s3cret-value" not in repr(load_settings())
