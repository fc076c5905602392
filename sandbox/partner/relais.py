"""The partner's OpenID Connect client for Relais: discovery, token, id_token, userinfo.

Written with httpx and joserfc, every call with a timeout, every check explicit.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass
from functools import cache
from typing import Any

import httpx
from django.conf import settings
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, OctKey

LEEWAY_SECONDS = 5


class RelaisError(Exception):
    """Something Relais returned could not be trusted or used."""


def config() -> dict[str, Any]:
    partner: dict[str, Any] = getattr(settings, "PARTNER")  # noqa: B009 - not Relais's settings
    return partner


def _get(url: str) -> httpx.Response:
    response = httpx.get(url, timeout=config()["TIMEOUT_SECONDS"])
    response.raise_for_status()
    return response


@cache
def discovery() -> dict[str, Any]:
    issuer = config()["RELAIS_ISSUER"]
    metadata = _get(issuer + "/.well-known/openid-configuration").json()
    if metadata["issuer"] != issuer:
        raise RelaisError("issuer mismatch in discovery")
    return dict(metadata)


def _jwks(refresh: bool = False) -> KeySet:
    if refresh:
        _jwks_cached.cache_clear()
    return _jwks_cached()


@cache
def _jwks_cached() -> KeySet:
    return KeySet.import_key_set(_get(discovery()["jwks_uri"]).json())


def random_value() -> str:
    return secrets.token_urlsafe(32)


def pkce_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _verify_jwt(token: str) -> dict[str, Any]:
    alg = config()["ID_TOKEN_ALG"]
    key: Any = OctKey.import_key(config()["CLIENT_SECRET"]) if alg == "HS256" else _jwks()
    try:
        decoded = jwt.decode(token, key, algorithms=[alg])
    except JoseError:
        if alg == "HS256":
            raise
        # Keys rotate: on an unknown kid, fetch the JWKS again once.
        decoded = jwt.decode(token, _jwks(refresh=True), algorithms=[alg])
    claims = dict(decoded.claims)
    registry = jwt.JWTClaimsRegistry(
        leeway=LEEWAY_SECONDS,
        iss={"essential": True, "value": config()["RELAIS_ISSUER"]},
        aud={"essential": True, "value": config()["CLIENT_ID"]},
        exp={"essential": True},
        iat={"essential": True},
    )
    registry.validate(claims)
    return claims


@dataclass(frozen=True)
class Login:
    id_token: str
    id_claims: dict[str, Any]
    userinfo: dict[str, Any]


def exchange(*, code: str, redirect_uri: str, verifier: str | None, nonce: str) -> Login:
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
    if verifier:
        data["code_verifier"] = verifier
    auth: tuple[str, str] | None = None
    if config()["AUTH_METHOD"] == "client_secret_post":
        data |= {"client_id": config()["CLIENT_ID"], "client_secret": config()["CLIENT_SECRET"]}
    else:
        auth = (config()["CLIENT_ID"], config()["CLIENT_SECRET"])
    response = httpx.post(
        discovery()["token_endpoint"], data=data, auth=auth, timeout=config()["TIMEOUT_SECONDS"]
    )
    if response.status_code != 200:
        raise RelaisError(f"token endpoint: {response.json().get('error', response.status_code)}")
    tokens = response.json()
    try:
        id_claims = _verify_jwt(tokens["id_token"])
    except (JoseError, KeyError) as exc:
        raise RelaisError("invalid id_token") from exc
    if id_claims.get("nonce") != nonce:
        raise RelaisError("nonce mismatch")
    if id_claims.get("acr") != "eidas1":
        raise RelaisError("acr below eidas1")
    if not id_claims.get("rep_scope"):
        raise RelaisError("no rep_scope: nobody is representing the usager")
    userinfo = fetch_userinfo(tokens["access_token"])
    if userinfo.get("sub") != id_claims["sub"]:
        raise RelaisError("userinfo sub differs from the id_token sub")
    return Login(id_token=tokens["id_token"], id_claims=id_claims, userinfo=userinfo)


def fetch_userinfo(access_token: str) -> dict[str, Any]:
    response = httpx.get(
        discovery()["userinfo_endpoint"],
        headers={"Authorization": f"Bearer {access_token}"},
        timeout=config()["TIMEOUT_SECONDS"],
    )
    response.raise_for_status()
    if response.headers["content-type"].startswith("application/jwt"):
        try:
            return _verify_jwt(response.text)
        except JoseError as exc:
            raise RelaisError("invalid signed userinfo") from exc
    return dict(response.json())


def now() -> int:
    return int(time.time())
