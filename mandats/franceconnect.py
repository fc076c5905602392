"""Relais as a FranceConnect v2 client: identifies the usager before a mandate.

authlib builds the authorization URL and exchanges the code (client_secret_post); joserfc
verifies the signed id_token and the signed JWT userinfo. See ../shared/FRANCECONNECT.md
for the pitfalls this module avoids (short default state/nonce, 60 s leeway, JSON-only
userinfo, claims_options dropping the issuer check).
"""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
from authlib.oauth2.auth import ClientAuth
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri, prepare_token_request
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jwt import JWTClaimsRegistry

from mandats.identity import FranceConnectIdentity

SESSION_FLOW = "mandats_fc_flow"
SESSION_LOGOUT_STATE = "mandats_fc_logout_state"
# eIDAS levels, lowest first: the id_token's acr must be at least the requested one.
ACR_LEVELS = ["eidas1", "eidas2", "eidas3"]
ALGORITHMS = ["ES256", "RS256"]
LEEWAY_SECONDS = 5
FLOW_MAX_AGE_SECONDS = 15 * 60
_METADATA_TTL = 3600
_JWKS_TTL = 3600

MESSAGE_UNAVAILABLE = (
    "FranceConnect ne répond pas pour le moment. Aucun mandat n'a été créé. "
    "Réessayez dans quelques minutes."
)
MESSAGE_REJECTED = (
    "L'identification FranceConnect n'a pas pu être vérifiée. Aucun mandat n'a été créé. "
    "Recommencez l'identification."
)
MESSAGE_CANCELLED = "L'identification FranceConnect a été annulée. Aucun mandat n'a été créé."


class FranceConnectError(Exception):
    """Identification failed. `reason` is a short code for the journal (never a token)."""

    def __init__(self, reason: str, message: str = MESSAGE_REJECTED) -> None:
        super().__init__(reason)
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class Config:
    issuer: str
    client_id: str
    client_secret: str
    redirect_uri: str
    post_logout_redirect_uri: str
    scopes: str
    acr: str
    timeout: float

    @classmethod
    def from_settings(cls) -> Config:
        conf: dict[str, Any] = settings.FRANCECONNECT
        return cls(
            issuer=conf["ISSUER"].rstrip("/"),
            client_id=conf["CLIENT_ID"],
            client_secret=conf["CLIENT_SECRET"],
            redirect_uri=conf["REDIRECT_URI"],
            post_logout_redirect_uri=conf["POST_LOGOUT_REDIRECT_URI"],
            scopes=conf["SCOPES"],
            acr=conf["ACR"],
            timeout=float(conf["TIMEOUT_SECONDS"]),
        )

    @property
    def configured(self) -> bool:
        return bool(self.issuer and self.client_id and self.client_secret and self.redirect_uri)


@dataclass(frozen=True)
class Metadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    userinfo_endpoint: str
    end_session_endpoint: str
    jwks_uri: str
    iss_parameter_supported: bool


@dataclass(frozen=True)
class Identification:
    identity: FranceConnectIdentity
    acr: str
    # Kept only to log the usager out of FranceConnect: never stored nor logged.
    id_token: str


def _get(config: Config, url: str, **kwargs: Any) -> httpx.Response:
    try:
        response = httpx.get(url, timeout=config.timeout, follow_redirects=False, **kwargs)
    except httpx.HTTPError as exc:
        raise FranceConnectError("unavailable", MESSAGE_UNAVAILABLE) from exc
    if response.status_code != 200:
        raise FranceConnectError(f"http_{response.status_code}", MESSAGE_UNAVAILABLE)
    return response


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError as exc:
        raise FranceConnectError("bad_response", MESSAGE_UNAVAILABLE) from exc
    if not isinstance(data, dict):
        raise FranceConnectError("bad_response", MESSAGE_UNAVAILABLE)
    return data


def metadata(config: Config) -> Metadata:
    key = f"mandats:fc:metadata:{config.issuer}"
    data = cache.get(key)
    if data is None:
        url = f"{config.issuer}/.well-known/openid-configuration"
        data = _json(_get(config, url))
        if data.get("issuer") != config.issuer:
            raise FranceConnectError("discovery_issuer", MESSAGE_UNAVAILABLE)
        cache.set(key, data, _METADATA_TTL)
    try:
        return Metadata(
            issuer=data["issuer"],
            authorization_endpoint=data["authorization_endpoint"],
            token_endpoint=data["token_endpoint"],
            userinfo_endpoint=data["userinfo_endpoint"],
            end_session_endpoint=data["end_session_endpoint"],
            jwks_uri=data["jwks_uri"],
            iss_parameter_supported=bool(
                data.get("authorization_response_iss_parameter_supported")
            ),
        )
    except KeyError as exc:
        raise FranceConnectError("discovery_incomplete", MESSAGE_UNAVAILABLE) from exc


def _keyset(config: Config, meta: Metadata, *, refresh: bool = False) -> KeySet:
    key = f"mandats:fc:jwks:{meta.jwks_uri}"
    data = None if refresh else cache.get(key)
    if data is None:
        data = _json(_get(config, meta.jwks_uri))
        cache.set(key, data, _JWKS_TTL)
    try:
        return KeySet.import_key_set(data)  # type: ignore[arg-type]
    except (JoseError, ValueError, KeyError, TypeError) as exc:
        raise FranceConnectError("jwks_invalid", MESSAGE_UNAVAILABLE) from exc


def _verify_jwt(config: Config, meta: Metadata, token: str) -> dict[str, Any]:
    """Signature through the JWKS; on an unknown kid, fetch the JWKS once more."""
    for refresh in (False, True):
        try:
            return jwt.decode(token, _keyset(config, meta, refresh=refresh), ALGORITHMS).claims
        except InvalidKeyIdError:
            if refresh:
                raise FranceConnectError("unknown_kid") from None
        except (JoseError, ValueError) as exc:
            raise FranceConnectError("bad_signature") from exc
    raise AssertionError("unreachable")


def _validate(claims: dict[str, Any], reason: str, **options: Any) -> None:
    try:
        JWTClaimsRegistry(leeway=LEEWAY_SECONDS, **options).validate(claims)
    except JoseError as exc:
        field = getattr(exc, "claim", "") or type(exc).__name__
        raise FranceConnectError(f"{reason}_{field}") from exc


def authorization_url(request: HttpRequest, *, purpose: str) -> str:
    """Starts an identification: our own 32-byte state and nonce, bound to this session."""
    config = Config.from_settings()
    if not config.configured:
        raise FranceConnectError("not_configured", MESSAGE_UNAVAILABLE)
    meta = metadata(config)
    state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    request.session[SESSION_FLOW] = {
        "state": state,
        "nonce": nonce,
        "purpose": purpose,
        "started": time.time(),
    }
    return str(
        prepare_grant_uri(
            meta.authorization_endpoint,
            client_id=config.client_id,
            response_type="code",
            redirect_uri=config.redirect_uri,
            scope=config.scopes,
            state=state,
            nonce=nonce,
            acr_values=config.acr,
        )
    )


def flow_purpose(request: HttpRequest) -> str | None:
    flow = request.session.get(SESSION_FLOW)
    return flow.get("purpose") if isinstance(flow, dict) else None


def complete(request: HttpRequest) -> Identification:
    """Handles the callback. The flow is popped first: a state and nonce are usable once."""
    config = Config.from_settings()
    flow = request.session.pop(SESSION_FLOW, None)
    params = request.GET
    if not isinstance(flow, dict) or time.time() - flow["started"] > FLOW_MAX_AGE_SECONDS:
        raise FranceConnectError("no_flow")
    if not hmac.compare_digest(params.get("state", ""), flow["state"]):
        raise FranceConnectError("state")
    if "error" in params:
        raise FranceConnectError("provider_error", MESSAGE_CANCELLED)
    meta = metadata(config)
    # RFC 9207: the callback says which issuer answered (mix-up defence).
    if ("iss" in params or meta.iss_parameter_supported) and params.get("iss") != meta.issuer:
        raise FranceConnectError("callback_iss")
    code = params.get("code", "")
    if not code:
        raise FranceConnectError("no_code")
    token = _exchange_code(config, meta, code)
    id_token = token.get("id_token")
    access_token = token.get("access_token")
    if not isinstance(id_token, str) or not isinstance(access_token, str):
        raise FranceConnectError("token_response")
    id_claims = _verify_jwt(config, meta, id_token)
    _validate(
        id_claims,
        "id_token",
        iss={"essential": True, "value": meta.issuer},
        aud={"essential": True, "value": config.client_id},
        sub={"essential": True},
        exp={"essential": True},
        iat={"essential": True},
        nonce={"essential": True, "value": flow["nonce"]},
        acr={"essential": True, "values": ACR_LEVELS[ACR_LEVELS.index(config.acr) :]},
    )
    userinfo = _userinfo(config, meta, access_token)
    if not hmac.compare_digest(str(userinfo.get("sub")), str(id_claims["sub"])):
        raise FranceConnectError("userinfo_sub")
    try:
        identity = FranceConnectIdentity.from_claims(userinfo)
    except ValueError as exc:
        raise FranceConnectError("userinfo_claims") from exc
    return Identification(identity=identity, acr=id_claims["acr"], id_token=id_token)


def _exchange_code(config: Config, meta: Metadata, code: str) -> dict[str, Any]:
    body = prepare_token_request("authorization_code", code=code, redirect_uri=config.redirect_uri)
    auth = ClientAuth(config.client_id, config.client_secret, "client_secret_post")
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Accept": "application/json",
    }
    _, headers, body = auth.prepare("POST", meta.token_endpoint, headers, body)
    try:
        response = httpx.post(
            meta.token_endpoint, content=body, headers=headers, timeout=config.timeout
        )
    except httpx.HTTPError as exc:
        raise FranceConnectError("unavailable", MESSAGE_UNAVAILABLE) from exc
    if response.status_code in (400, 401):
        raise FranceConnectError("token_refused")
    if response.status_code != 200:
        raise FranceConnectError(f"http_{response.status_code}", MESSAGE_UNAVAILABLE)
    return _json(response)


def _userinfo(config: Config, meta: Metadata, access_token: str) -> dict[str, Any]:
    """FranceConnect v2 userinfo is a signed JWT: verify it like the id_token."""
    response = _get(
        config, meta.userinfo_endpoint, headers={"Authorization": f"Bearer {access_token}"}
    )
    if response.headers.get("content-type", "").split(";")[0].strip() != "application/jwt":
        raise FranceConnectError("userinfo_not_jwt")
    claims = _verify_jwt(config, meta, response.text.strip())
    _validate(
        claims,
        "userinfo",
        iss={"essential": True, "value": meta.issuer},
        aud={"essential": True, "value": config.client_id},
        sub={"essential": True},
    )
    return claims


def logout_url(request: HttpRequest, identification: Identification) -> str:
    """Where to send the browser so that the usager leaves FranceConnect (shared tablet)."""
    config = Config.from_settings()
    meta = metadata(config)
    state = secrets.token_urlsafe(32)
    request.session[SESSION_LOGOUT_STATE] = state
    query = urlencode(
        {
            "id_token_hint": identification.id_token,
            "state": state,
            "post_logout_redirect_uri": config.post_logout_redirect_uri,
        }
    )
    return f"{meta.end_session_endpoint}?{query}"


def check_logout_state(request: HttpRequest) -> bool:
    expected = request.session.pop(SESSION_LOGOUT_STATE, None)
    return bool(expected) and hmac.compare_digest(request.GET.get("state", ""), expected)
