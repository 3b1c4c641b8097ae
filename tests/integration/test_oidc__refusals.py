"""OpenID Connect bearer tokens signed with keys the test makes: what is accepted, and every way one is refused.

The provider's JWKS is a file here (CASEFLOW_OIDC_JWKS_FILE's path); the verifier's clock is fixed at NOW, and each
token's times are set relative to it. Refusals are checked by their logged reason, and the token never in a log.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from sqlalchemy import Engine
from structlog.testing import capture_logs

from tests.integration.sweep_builders import policies
from workflows.services import KeySet, OidcVerifier, StaffDirectory, StaffEntry, TokenRefused, known_roles

ISSUER = "https://login.example.org/tenant-1/v2.0"
AUDIENCE = "api://caseflow"
NOW = datetime(2027, 3, 10, 9, 0, tzinfo=UTC)
MANAGER = StaffEntry("tm-n1", "tm-n1@example.org", ("team_manager",), ("north",))

RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())
OTHER_RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _jwk(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, kid: str) -> dict[str, Any]:
    if isinstance(key, rsa.RSAPrivateKey):
        public: dict[str, Any] = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    else:
        public = ECAlgorithm.to_jwk(key.public_key(), as_dict=True)
    return {**public, "kid": kid, "use": "sig"}


def _write_jwks(path: Path, *keys: dict[str, Any]) -> Path:
    path.write_text(json.dumps({"keys": list(keys)}))
    return path


@pytest.fixture
def jwks_file(tmp_path: Path) -> Path:
    return _write_jwks(tmp_path / "jwks.json", _jwk(RSA_KEY, "rsa-1"), _jwk(EC_KEY, "ec-1"))


@pytest.fixture
def verifier(jwks_file: Path) -> OidcVerifier:
    return OidcVerifier(ISSUER, KeySet(jwks_file), "preferred_username", clock=lambda: NOW)


def _claims(**changes: Any) -> dict[str, Any]:
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "opaque-subject-1",
        "preferred_username": "tm-n1",
        "iat": int((NOW - timedelta(minutes=5)).timestamp()),
        "nbf": int((NOW - timedelta(minutes=5)).timestamp()),
        "exp": int((NOW + timedelta(minutes=55)).timestamp()),
    }
    claims.update(changes)
    return {name: value for name, value in claims.items() if value is not None}


def _signed(claims: dict[str, Any], key: Any = RSA_KEY, kid: str | None = "rsa-1", algorithm: str = "RS256") -> str:
    headers = {"kid": kid} if kid is not None else {}
    return jwt.encode(claims, key, algorithm=algorithm, headers=headers)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _hand_made(
    header: dict[str, Any], claims: dict[str, Any], signature: bytes | None = None, secret: bytes = b""
) -> str:
    """A token built without PyJWT, which refuses to make the forgeries tested here."""
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    if signature is None and secret:
        signature = hmac.new(secret, signing_input.encode("ascii"), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature or b'')}"


def _refusal(verifier: OidcVerifier, token: str, audience: str = AUDIENCE) -> dict[str, Any]:
    """The logged refusal for a token the verifier must refuse, after checking the token is in no log."""
    with capture_logs() as logs, pytest.raises(TokenRefused) as refused:
        verifier.claims(token, audience=audience)
    assert len(token) < 16 or token not in repr(logs)  # a short string is in any log by chance
    (refusal,) = [entry for entry in logs if entry["event"] == "oidc_token_refused"]
    assert refusal["reason"] == refused.value.reason and refusal["log_level"] == "warning"
    return refusal


def test_a_token_signed_with_a_published_rsa_key_gives_its_claims(verifier: OidcVerifier) -> None:
    claims = verifier.claims(_signed(_claims()), audience=AUDIENCE)
    assert (claims["iss"], claims["aud"], claims["preferred_username"]) == (ISSUER, AUDIENCE, "tm-n1")


def test_a_token_signed_with_a_published_p256_key_and_es256_is_accepted_too(verifier: OidcVerifier) -> None:
    token = _signed(_claims(), key=EC_KEY, kid="ec-1", algorithm="ES256")
    assert verifier.claims(token, audience=AUDIENCE)["sub"] == "opaque-subject-1"


def test_a_token_signed_by_another_key_under_a_published_kid_is_a_bad_signature(verifier: OidcVerifier) -> None:
    refusal = _refusal(verifier, _signed(_claims(), key=OTHER_RSA_KEY, kid="rsa-1"))
    assert (refusal["reason"], refusal["kid"], refusal["iss"]) == ("bad_signature", "rsa-1", ISSUER)


def test_a_token_whose_payload_was_changed_after_signing_is_a_bad_signature(verifier: OidcVerifier) -> None:
    header, _payload, signature = _signed(_claims()).split(".")
    forged_payload = _b64(json.dumps(_claims(preferred_username="hos-1")).encode())
    assert _refusal(verifier, f"{header}.{forged_payload}.{signature}")["reason"] == "bad_signature"


def test_a_token_from_another_issuer_is_refused_and_the_log_names_that_issuer(verifier: OidcVerifier) -> None:
    refusal = _refusal(verifier, _signed(_claims(iss="https://evil.example.net")))
    assert (refusal["reason"], refusal["iss"]) == ("wrong_issuer", "https://evil.example.net")


@pytest.mark.parametrize("audience", ["api://another-service", ["api://another-service", "api://third"]])
def test_a_token_for_another_audience_is_refused(verifier: OidcVerifier, audience: str | list[str]) -> None:
    assert _refusal(verifier, _signed(_claims(aud=audience)))["reason"] == "wrong_audience"


def test_a_token_for_several_audiences_one_of_them_ours_is_accepted(verifier: OidcVerifier) -> None:
    token = _signed(_claims(aud=["api://another-service", AUDIENCE]))
    assert verifier.claims(token, audience=AUDIENCE)["sub"] == "opaque-subject-1"


def test_a_token_expired_beyond_the_minute_of_leeway_is_refused(verifier: OidcVerifier) -> None:
    # exp 09:00:00 - 61 s = 08:58:59: past the minute of leeway at 09:00:00.
    expired = _signed(_claims(exp=int(NOW.timestamp()) - 61))
    assert _refusal(verifier, expired)["reason"] == "expired"


def test_a_token_expired_within_the_minute_of_leeway_is_still_accepted(verifier: OidcVerifier) -> None:
    # exp 08:59:30: thirty seconds ago, inside the leeway given to a provider's clock that runs a little fast.
    token = _signed(_claims(exp=int(NOW.timestamp()) - 30))
    assert verifier.claims(token, audience=AUDIENCE)["preferred_username"] == "tm-n1"


def test_a_token_not_valid_before_a_time_two_minutes_ahead_is_refused(verifier: OidcVerifier) -> None:
    early = _signed(_claims(nbf=int(NOW.timestamp()) + 120))
    assert _refusal(verifier, early)["reason"] == "not_yet_valid"


def test_a_token_issued_two_minutes_in_the_future_is_refused(verifier: OidcVerifier) -> None:
    assert _refusal(verifier, _signed(_claims(iat=int(NOW.timestamp()) + 120)))["reason"] == "issued_in_the_future"


@pytest.mark.parametrize("missing", ["exp", "iss", "aud"])
def test_a_token_without_exp_iss_or_aud_is_refused(verifier: OidcVerifier, missing: str) -> None:
    assert _refusal(verifier, _signed(_claims(**{missing: None})))["reason"] == "missing_claim"


def test_an_unsigned_token_alg_none_is_refused_before_any_key_is_looked_up(verifier: OidcVerifier) -> None:
    unsigned = _hand_made({"alg": "none", "kid": "rsa-1", "typ": "JWT"}, _claims())
    refusal = _refusal(verifier, unsigned)
    assert (refusal["reason"], refusal["alg"]) == ("algorithm_not_accepted", "none")


def test_a_token_hmac_signed_with_the_published_public_key_is_refused(verifier: OidcVerifier) -> None:
    # The classic key-confusion forgery: the attacker knows the public key, and uses it as an HMAC secret.
    public_pem = RSA_KEY.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    forged = _hand_made({"alg": "HS256", "kid": "rsa-1", "typ": "JWT"}, _claims(), secret=public_pem)
    assert _refusal(verifier, forged)["reason"] == "algorithm_not_accepted"


def test_a_token_claiming_es256_under_an_rsa_key_id_is_refused(verifier: OidcVerifier) -> None:
    token = _signed(_claims(), key=EC_KEY, kid="rsa-1", algorithm="ES256")
    assert _refusal(verifier, token)["reason"] == "algorithm_does_not_match_key"


def test_a_token_naming_a_key_the_provider_does_not_publish_is_refused_with_its_kid(verifier: OidcVerifier) -> None:
    refusal = _refusal(verifier, _signed(_claims(), key=OTHER_RSA_KEY, kid="rsa-unknown"))
    assert (refusal["reason"], refusal["kid"]) == ("unknown_kid", "rsa-unknown")


def test_a_token_without_kid_is_refused_when_the_provider_publishes_several_keys(verifier: OidcVerifier) -> None:
    assert _refusal(verifier, _signed(_claims(), kid=None))["reason"] == "no_kid_and_several_keys"


@pytest.mark.parametrize("token", ["", "not-a-jwt", "a.b.c", "x" * 20_000])
def test_garbage_is_refused_without_a_traceback(verifier: OidcVerifier, token: str) -> None:
    assert _refusal(verifier, token)["reason"] in {"malformed", "too_long"}


@pytest.fixture
def directory(engine: Engine) -> Iterator[StaffDirectory]:
    directory = StaffDirectory(engine, known_roles(policies()))
    directory.add(MANAGER)
    yield directory


def _member_refusal(verifier: OidcVerifier, engine: Engine, token: str) -> dict[str, Any]:
    with capture_logs() as logs, pytest.raises(TokenRefused):
        verifier.member(engine, token, audience=AUDIENCE)
    assert token not in repr(logs)
    (refusal,) = [entry for entry in logs if entry["event"] == "oidc_token_refused"]
    return refusal


@pytest.mark.both_databases
def test_a_valid_token_names_the_active_member_of_staff_in_its_claim(
    verifier: OidcVerifier, engine: Engine, directory: StaffDirectory
) -> None:
    member = verifier.member(engine, _signed(_claims()), audience=AUDIENCE)
    assert (member.id, member.roles, member.teams, member.active) == ("tm-n1", ("team_manager",), ("north",), True)


@pytest.mark.both_databases
def test_a_valid_token_for_a_staff_id_not_in_the_directory_is_refused(
    verifier: OidcVerifier, engine: Engine, directory: StaffDirectory
) -> None:
    refusal = _member_refusal(verifier, engine, _signed(_claims(preferred_username="tm-s9")))
    assert (refusal["reason"], refusal["staff_id"]) == ("unknown_staff", "tm-s9")


@pytest.mark.both_databases
def test_a_valid_token_for_a_deactivated_member_is_refused(
    verifier: OidcVerifier, engine: Engine, directory: StaffDirectory
) -> None:
    directory.deactivate("tm-n1")
    refusal = _member_refusal(verifier, engine, _signed(_claims()))
    assert (refusal["reason"], refusal["staff_id"]) == ("staff_inactive", "tm-n1")


@pytest.mark.both_databases
def test_a_claim_holding_a_upn_is_refused_and_the_upn_is_not_logged(
    verifier: OidcVerifier, engine: Engine, directory: StaffDirectory
) -> None:
    refusal = _member_refusal(
        verifier, engine, _signed(_claims(preferred_username="jane.smith@council.example.gov.uk"))
    )
    assert refusal["reason"] == "staff_claim_missing_or_not_a_staff_id"
    assert "jane.smith" not in repr(refusal)
