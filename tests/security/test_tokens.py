"""Tokens an attacker forges or replays: every one is refused with 401, in French, before any route runs."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from chassis.http.auth import TokenVerifier, Unauthenticated
from chassis.settings import ServiceSettings

from security_support import SECRET, InProcess

pytestmark = pytest.mark.integration


def claims() -> dict[str, Any]:
    """A valid token's claims, minted now: a token built at import expires while a slow suite is still running."""
    now = int(time.time())
    return {"sub": "d-1", "role": "declarant", "relations": ["rel-974-0001"], "iat": now, "exp": now + 600}


def _b64(part: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()


def _rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def forged(name: str) -> str:
    """The token an attacker sends, minted when the test uses it."""
    good = claims()
    now = good["iat"]
    match name:
        case "alg-none":
            return _b64({"alg": "none", "typ": "JWT"}) + "." + _b64(good) + "."
        case "other-secret":
            return jwt.encode(good, "another-secret-of-at-least-thirty-two-bytes", algorithm="HS256")
        case "expired":
            return jwt.encode({**good, "iat": now - 7200, "exp": now - 3600}, SECRET, algorithm="HS256")
        case "not-yet-valid":
            return jwt.encode({**good, "nbf": now + 3600}, SECRET, algorithm="HS256")
        case "issued-in-the-future":
            return jwt.encode({**good, "iat": now + 3600, "exp": now + 7200}, SECRET, algorithm="HS256")
        case "rs256-signed":
            return jwt.encode(good, _rsa_key(), algorithm="RS256")
        case "no-expiry":
            return jwt.encode({k: v for k, v in good.items() if k != "exp"}, SECRET, algorithm="HS256")
        case "unknown-role":
            return jwt.encode({**good, "role": "root"}, SECRET, algorithm="HS256")
        case "relations-not-a-list":
            return jwt.encode({**good, "relations": "rel-974-0001"}, SECRET, algorithm="HS256")
        case "garbage":
            return "not.a.token"
    raise AssertionError(name)


FORGED = (
    "alg-none",
    "other-secret",
    "expired",
    "not-yet-valid",
    "issued-in-the-future",
    "rs256-signed",
    "no-expiry",
    "unknown-role",
    "relations-not-a-list",
    "garbage",
)


@pytest.mark.parametrize("name", FORGED)
async def test_a_forged_or_stale_token_is_refused(services: dict[str, InProcess], name: str) -> None:
    app = services["declarations"].app
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://svc") as http:
        r = await http.get("/api/v1/relations", headers={"Authorization": f"Bearer {forged(name)}"})
    assert r.status_code == 401, r.text
    assert r.headers["content-type"].startswith("application/problem+json") and "jeton" in r.json()["detail"].lower()


def test_hs_rs_confusion_and_another_audience_are_refused_with_a_jwks() -> None:
    """Production verifies RS256 through the provider's keys: an HS256 token signed with the public key
    (the classic confusion) and a token for another audience are both refused."""
    key = _rsa_key()
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    settings = ServiceSettings(jwks_url="https://idp.example/jwks", jwt_audience="octroi")
    verifier = TokenVerifier(settings)

    class FixedKey:
        def __init__(self, material: Any) -> None:
            self.key = material

    verifier._jwks.get_signing_key_from_jwt = lambda token: FixedKey(key.public_key())  # type: ignore[union-attr]
    good_claims = claims()
    good = jwt.encode({**good_claims, "aud": "octroi"}, key, algorithm="RS256")
    assert verifier.verify(good).id == "d-1"
    header = _b64({"alg": "HS256", "typ": "JWT"}) + "." + _b64({**good_claims, "aud": "octroi"})
    signature = hmac.new(public_pem, header.encode(), hashlib.sha256).digest()
    confused = header + "." + base64.urlsafe_b64encode(signature).rstrip(b"=").decode()
    for token in (confused, jwt.encode({**good_claims, "aud": "autre-service"}, key, algorithm="RS256")):
        with pytest.raises(Unauthenticated):
            verifier.verify(token)
