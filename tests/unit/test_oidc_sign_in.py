"""The pure parts of console sign-in: the PKCE challenge and the authorization URL."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from workflows.services import authorization_url, code_challenge


def test_the_s256_challenge_is_the_one_rfc_7636_appendix_b_gives_for_its_verifier() -> None:
    assert (
        code_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    )


def test_the_authorization_url_keeps_the_endpoints_own_query_and_encodes_ours() -> None:
    url = authorization_url(
        "https://login.example.org/authorize?tenant=t1",
        client_id="caseflow console",
        redirect_url="https://caseflow.example.org/sign-in/callback",
        state="s&1",
        nonce="n1",
        code_verifier="dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
    )

    parts = urlsplit(url)
    assert (parts.netloc, parts.path) == ("login.example.org", "/authorize")
    assert dict(parse_qsl(parts.query)) == {
        "tenant": "t1",
        "response_type": "code",
        "client_id": "caseflow console",
        "redirect_uri": "https://caseflow.example.org/sign-in/callback",
        "scope": "openid profile",
        "state": "s&1",
        "nonce": "n1",
        "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        "code_challenge_method": "S256",
    }
