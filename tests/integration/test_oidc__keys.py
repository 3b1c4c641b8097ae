"""The provider's key set: looked up again for a key not seen yet, but at most once a minute; withdrawn keys age out.

The JWKS is a file the test rewrites, and the key set's monotonic clock is a number the test sets.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from workflows.services import KeySet

FIRST = rsa.generate_private_key(public_exponent=65537, key_size=2048)
ROTATED = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _rsa(key: rsa.RSAPrivateKey, kid: str, **extra: Any) -> dict[str, Any]:
    return {**RSAAlgorithm.to_jwk(key.public_key(), as_dict=True), "kid": kid, **extra}


def _publish(path: Path, *keys: dict[str, Any]) -> None:
    path.write_text(json.dumps({"keys": list(keys)}))


class Clock:
    """A monotonic clock that moves only when the test says so."""

    def __init__(self) -> None:
        self.seconds = 1000.0

    def __call__(self) -> float:
        return self.seconds


def _key_set(tmp_path: Path, *keys: dict[str, Any]) -> tuple[Path, Clock, KeySet]:
    path, clock = tmp_path / "jwks.json", Clock()
    _publish(path, *keys)
    return path, clock, KeySet(path, monotonic=clock)


def test_a_rotated_key_is_found_by_looking_again_once_a_minute_has_passed(tmp_path: Path) -> None:
    path, clock, keys = _key_set(tmp_path, _rsa(FIRST, "k1"))
    assert keys.key_for("k1") is not None
    _publish(path, _rsa(FIRST, "k1"), _rsa(ROTATED, "k2"))

    clock.seconds += 10
    assert keys.key_for("k2") is None  # looked up 10 s ago: not again, whatever kid a token makes up
    clock.seconds += 50
    found = keys.key_for("k2")  # 60 s since the last look

    assert found is not None and found.key_id == "k2"


def test_made_up_key_ids_do_not_make_the_key_set_look_again_within_the_minute(tmp_path: Path) -> None:
    path, clock, keys = _key_set(tmp_path, _rsa(FIRST, "k1"))
    assert keys.key_for("made-up-1") is None  # the first look, at load
    _publish(path, _rsa(FIRST, "k1"), _rsa(ROTATED, "made-up-2"))

    clock.seconds += 59
    assert keys.key_for("made-up-2") is None


def test_a_key_the_provider_withdrew_stops_being_trusted_within_the_hour(tmp_path: Path) -> None:
    path, clock, keys = _key_set(tmp_path, _rsa(FIRST, "k1"), _rsa(ROTATED, "k2"))
    assert keys.key_for("k1") is not None
    _publish(path, _rsa(ROTATED, "k2"))

    clock.seconds += 3599
    assert keys.key_for("k1") is not None  # still the keys looked up 59 min 59 s ago
    clock.seconds += 1
    assert keys.key_for("k1") is None


def test_the_keys_held_stay_in_use_when_the_provider_cannot_be_read(tmp_path: Path) -> None:
    path, clock, keys = _key_set(tmp_path, _rsa(FIRST, "k1"))
    assert keys.key_for("k1") is not None
    path.write_text("<html>503 Service Unavailable</html>")

    clock.seconds += 3600
    assert keys.key_for("k1") is not None


def test_only_keys_for_rs256_and_es256_signatures_are_kept(tmp_path: Path) -> None:
    secret = base64.urlsafe_b64encode(b"s" * 32).rstrip(b"=").decode()
    p384 = ECAlgorithm.to_jwk(ec.generate_private_key(ec.SECP384R1()).public_key(), as_dict=True)
    p256 = ECAlgorithm.to_jwk(ec.generate_private_key(ec.SECP256R1()).public_key(), as_dict=True)
    _path, _clock, keys = _key_set(
        tmp_path,
        {"kty": "oct", "k": secret, "kid": "hmac"},
        _rsa(FIRST, "encryption", use="enc"),
        _rsa(FIRST, "rsa-pss", alg="PS256"),
        {**p384, "kid": "p384"},
        {**p256, "kid": "p256"},
        _rsa(FIRST, "rsa"),
    )

    kept = {kid: keys.key_for(kid) for kid in ("hmac", "encryption", "rsa-pss", "p384", "p256", "rsa")}

    assert {kid: key.algorithm_name for kid, key in kept.items() if key is not None} == {
        "p256": "ES256",
        "rsa": "RS256",
    }


def test_a_token_without_kid_uses_the_only_key_of_a_provider_that_publishes_one(tmp_path: Path) -> None:
    _path, _clock, keys = _key_set(tmp_path, _rsa(FIRST, "k1"))
    found = keys.key_for(None)
    assert found is not None and found.key_id == "k1"
