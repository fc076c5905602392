"""The authorization server, built on authlib: code grant, OpenID Connect, PKCE S256,
private_key_jwt, revocation (RFC 7009) and RP-initiated logout.

authlib leaves a few things to us (see FRANCECONNECT.md, "authlib pitfalls"): codes are
redeemed under SELECT ... FOR UPDATE and kept once used so a replay is detected, the
redirect_uri is always stored, PKCE is restricted to S256 and enforced per client, and
the id_token carries no identity claim (those are served by userinfo).
"""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from authlib.integrations.django_oauth2 import AuthorizationServer
from authlib.integrations.django_oauth2.requests import DjangoOAuth2Payload, DjangoOAuth2Request
from authlib.oauth2 import OAuth2Request
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749.errors import (
    InvalidClientError,
    InvalidGrantError,
    InvalidRequestError,
    InvalidScopeError,
)
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import OpenIDCode
from authlib.oidc.core.errors import InteractionRequiredError
from authlib.oidc.rpinitiated import EndSessionEndpoint
from django.conf import settings
from django.contrib.auth import logout
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, OctKey

from aidants.models import Aidant, Organisation
from mandats.models import Autorisation
from oidc import journaling
from oidc.claims import ACR_VALUES, requested_rep_scope
from oidc.crypto import hash_secret, pairwise_sub
from oidc.keys import public_jwks, signing_key_for
from oidc.lookups import active_client, code_for_exchange, nonce_used
from oidc.models import AuthorizationCode, Client, Token


@dataclass(frozen=True)
class Choice:
    """What the aidant chose on the authorize pages, checked by the view."""

    aidant: Aidant
    organisation: Organisation
    autorisation: Autorisation
    auth_time: int


@dataclass(frozen=True)
class Subject:
    """The end user of a grant: the usager, represented by the aidant of the code."""

    sub: str
    code: AuthorizationCode


class IssuerRequest(DjangoOAuth2Request):
    """authlib refuses plain-http URIs; the URI it checks is the configured issuer's."""

    def __init__(self, request: HttpRequest) -> None:
        OAuth2Request.__init__(
            self,
            method=request.method or "GET",
            uri=settings.OIDC_ISSUER + request.path,
            headers=request.headers,
        )
        self.payload = DjangoOAuth2Payload(request)
        self._request = request


class StoredAuthorizationRequest(OAuth2Request):
    """An authorization request replayed from the session once the aidant has chosen."""

    relais_choice: Choice | None = None

    def __init__(self, params: dict[str, str]) -> None:
        super().__init__("GET", settings.OIDC_ISSUER + "/oidc/authorize")
        self.payload = BasicOAuth2Payload(params)
        self._params = params

    @property
    def args(self) -> dict[str, str]:
        return self._params

    @property
    def form(self) -> dict[str, str]:
        return {}


def valid_demarches(
    client: Client, organisation: Organisation, claims: dict[str, Any]
) -> list[str]:
    """Démarches the client allows, the organisation handles and rep_scope (if any) asks."""
    allowed = [d for d in client.allowed_demarches if d in organisation.allowed_demarches]
    wanted = requested_rep_scope(claims)
    return allowed if wanted is None else [d for d in allowed if d in wanted]


def parse_claims_param(raw: str | None) -> dict[str, Any]:
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise InvalidRequestError("Invalid 'claims' parameter.") from exc
    if not isinstance(value, dict):
        raise InvalidRequestError("Invalid 'claims' parameter.")
    return value


class S256CodeChallenge(CodeChallenge):
    """PKCE with S256 only (no "plain"), required for clients flagged requires_pkce."""

    DEFAULT_CODE_CHALLENGE_METHOD = "S256"
    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        client: Client = grant.request.client
        if client.requires_pkce and not data.get("code_challenge"):
            raise InvalidRequestError("PKCE (code_challenge, S256) is required for this client.")
        if data.get("code_challenge") and data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("Only code_challenge_method=S256 is supported.")
        super().validate_code_challenge(grant, redirect_uri)


class RelaisOpenIDCode(OpenIDCode):
    def exists_nonce(self, nonce: str, request: OAuth2Request) -> bool:
        return nonce_used(request.client, nonce)

    def get_client_algorithm(self, client: Client) -> str:
        return client.id_token_signed_response_alg

    def resolve_client_private_key(self, client: Client) -> Any:
        return signing_key_for(client, client.id_token_signed_response_alg)[0]

    def get_encode_header(self, client: Client) -> dict[str, str]:
        return signing_key_for(client, client.id_token_signed_response_alg)[1]

    def get_client_claims(self, client: Client) -> dict[str, Any]:
        return {
            "iss": settings.OIDC_ISSUER,
            "aud": client.client_id,
            "exp": int(time.time()) + settings.OIDC_ID_TOKEN_SECONDS,
        }

    def get_authorization_code_claims(
        self, authorization_code: AuthorizationCode
    ) -> dict[str, Any]:
        claims = super().get_authorization_code_claims(authorization_code)
        claims["rep_scope"] = [authorization_code.demarche]
        return claims

    def generate_user_info(self, user: Subject, scope: str) -> dict[str, str]:
        # Everything returned here lands in the id_token: the sub, and nothing personal.
        return {"sub": user.sub}

    def validate_openid_authorization_request(self, grant: Any, redirect_uri: str) -> None:
        super().validate_openid_authorization_request(grant, redirect_uri)
        data = grant.request.payload.data
        prompt = (data.get("prompt") or "").split()
        if "none" in prompt:
            # The aidant always has to choose the usager: there is no silent login.
            raise InteractionRequiredError(redirect_uri=redirect_uri)
        acr_values = (data.get("acr_values") or "").split()
        if acr_values and not set(acr_values) & set(ACR_VALUES):
            raise InvalidRequestError("Unsupported 'acr_values'.")
        claims = parse_claims_param(data.get("claims"))
        client: Client = grant.request.client
        wanted = requested_rep_scope(claims)
        if wanted is not None and not set(wanted) & set(client.allowed_demarches):
            raise InvalidRequestError("No requested rep_scope is allowed for this client.")


class RelaisCodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "private_key_jwt"]

    def validate_authorization_request(self) -> str:
        redirect_uri = super().validate_authorization_request()
        if "openid" not in (self.request.scope or "").split():
            raise InvalidScopeError("The 'openid' scope is required.", redirect_uri=redirect_uri)
        return redirect_uri

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        choice: Choice = request.relais_choice
        data = request.payload.data
        now = timezone.now()
        AuthorizationCode.objects.create(
            code_hash=hash_secret(code),
            client=request.client,
            aidant=choice.aidant,
            organisation=choice.organisation,
            usager_id=choice.autorisation.usager_id,
            autorisation=choice.autorisation,
            demarche=choice.autorisation.demarche,
            redirect_uri=request.payload.redirect_uri,
            scope=request.scope,
            nonce=data.get("nonce") or "",
            acr=ACR_VALUES[0],
            claims=parse_claims_param(data.get("claims")),
            code_challenge=data.get("code_challenge") or "",
            code_challenge_method=data.get("code_challenge_method") or "",
            auth_time=datetime.fromtimestamp(choice.auth_time, tz=UTC),
            created_at=now,
            expires_at=now + timedelta(seconds=settings.OIDC_CODE_SECONDS),
        )

    def query_authorization_code(self, code: str, client: Client) -> AuthorizationCode | None:
        row = code_for_exchange(code, client)
        if row is None:
            return None
        if row.used_at is not None:
            revoked = Token.objects.filter(code=row, revoked_at__isnull=True).update(
                revoked_at=timezone.now()
            )
            journaling.code_replayed(code=row, revoked_tokens=revoked)
            raise InvalidGrantError("This code was already used; its tokens are revoked.")
        if row.is_expired:
            return None
        return row

    def authenticate_user(self, authorization_code: AuthorizationCode) -> Subject:
        code = authorization_code
        reason = refusal_reason(code, checks=code)
        if reason:
            code.used_at = timezone.now()
            code.save(update_fields=["used_at"])
            journaling.autorisation_refused(code=code, reason=reason)
            raise InvalidGrantError("The autorisation is no longer valid.")
        sub = pairwise_sub(sector=code.client.client_id, usager_sub=code.usager.sub)
        return Subject(sub=sub, code=code)

    def delete_authorization_code(self, authorization_code: AuthorizationCode) -> None:
        # Kept, marked used, so that a replay is detected and revokes the tokens.
        authorization_code.used_at = timezone.now()
        authorization_code.save(update_fields=["used_at"])
        journaling.autorisation_used(code=authorization_code)


def refusal_reason(code: AuthorizationCode, *, checks: Any) -> str:
    """Why the code's grant no longer holds, or "" if it does. `checks` carries the
    aidant_is_member and autorisation_is_active re-checks (oidc.lookups)."""
    if not checks.autorisation_is_active:
        autorisation = code.autorisation
        if autorisation.organisation_id != code.organisation_id:
            return "autorisation_other_organisation"
        return "autorisation_" + autorisation.state
    if code.demarche not in code.client.allowed_demarches:
        return "demarche_not_allowed"
    if not checks.aidant_is_member:
        return "aidant_inactive_or_not_in_organisation"
    return ""


class PrivateKeyJWT(JWTBearerClientAssertion):
    CLIENT_AUTH_METHOD = "private_key_jwt"

    def __init__(self) -> None:
        super().__init__(leeway=5)

    def get_audiences(self) -> list[str]:
        issuer = settings.OIDC_ISSUER
        return [issuer + "/oidc/token", issuer + "/oidc/revoke", issuer]

    def validate_jti(self, claims: dict[str, Any], jti: str) -> bool:
        return bool(cache.add(f"oidc:jti:{claims['sub']}:{jti}", 1, timeout=600))

    def resolve_client_public_key(self, client: Client) -> KeySet:
        return KeySet.import_key_set(cast(Any, client.jwks or {"keys": []}))


class RelaisRevocation(RevocationEndpoint):
    CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "private_key_jwt"]
    SUPPORTED_TOKEN_TYPES = ("access_token",)

    def query_token(self, token_string: str, token_type_hint: str | None) -> Token | None:
        return Token.objects.by_token(token_string).first()

    def revoke_token(self, token: Token, request: OAuth2Request) -> None:
        Token.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


class RelaisEndSession(EndSessionEndpoint):
    """RP-initiated logout. authlib verifies the hint against the server JWKS only, which
    cannot verify an HS256 id_token, and does not check iss: both are done here."""

    def get_server_jwks(self) -> dict[str, Any]:
        return public_jwks()

    def _validate_id_token_hint(self, id_token_hint: str) -> dict[str, Any]:
        try:
            audience = _unverified_audience(id_token_hint)
            client = self.server.query_client(audience) if audience else None
            if client is None:
                raise InvalidRequestError("Unknown 'id_token_hint' audience.")
            alg = client.id_token_signed_response_alg
            key: Any = (
                OctKey.import_key(client.recover_secret())
                if alg == "HS256"
                else KeySet.import_key_set(cast(Any, public_jwks()))
            )
            token = jwt.decode(id_token_hint, key, algorithms=[alg])
            registry = jwt.JWTClaimsRegistry(
                iss={"essential": True, "value": settings.OIDC_ISSUER},
                aud={"essential": True, "value": client.client_id},
            )
            registry.validate_aud(token.claims["aud"])
            registry.validate_iss(token.claims["iss"])
        except (JoseError, KeyError, ValueError) as exc:
            raise InvalidRequestError("Invalid 'id_token_hint'.") from exc
        return dict(token.claims)

    def end_session(self, end_session_request: Any) -> None:
        request: HttpRequest = end_session_request.request._request
        user = request.user
        if isinstance(user, Aidant):
            journaling.logged_out(
                aidant=user,
                organisation=getattr(request, "organisation", None),
                client=end_session_request.client,
            )
        logout(request)


def _unverified_audience(token: str) -> str | None:
    """The aud of a JWT before verification, only to know which client's key verifies it."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return None
    aud = claims.get("aud") if isinstance(claims, dict) else None
    if isinstance(aud, list) and len(aud) == 1:
        aud = aud[0]
    return aud if isinstance(aud, str) else None


class RelaisAuthorizationServer(AuthorizationServer):
    def __init__(self) -> None:
        super().__init__(Client, Token)
        self.register_grant(RelaisCodeGrant, [RelaisOpenIDCode(), S256CodeChallenge(required=True)])
        self.register_client_auth_method("private_key_jwt", PrivateKeyJWT())
        self.register_endpoint(RelaisRevocation)
        self.register_endpoint(RelaisEndSession)

    def load_config(self, config: dict[str, Any]) -> None:
        super().load_config(
            {
                "token_expires_in": {"authorization_code": settings.OIDC_ACCESS_TOKEN_SECONDS},
                "refresh_token_generator": False,
            }
        )

    def query_client(self, client_id: str) -> Client | None:
        return active_client(client_id)

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> Token:
        now = timezone.now()
        return Token.objects.create(
            token_hash=hash_secret(token["access_token"]),
            code=request.authorization_code,
            client=request.client,
            scope=token.get("scope", ""),
            created_at=now,
            expires_at=now + timedelta(seconds=int(token["expires_in"])),
        )

    def create_oauth2_request(self, request: Any) -> OAuth2Request:
        if isinstance(request, OAuth2Request):
            return request
        return IssuerRequest(request)

    def authenticate_client(
        self, request: OAuth2Request, methods: list[str], endpoint: str = "token"
    ) -> Client:
        try:
            return super().authenticate_client(request, methods, endpoint)
        except InvalidClientError:
            journaling.client_auth_failed(client_id=_claimed_client_id(request), endpoint=endpoint)
            raise

    def handle_response(
        self, status_code: int, payload: Any, headers: list[tuple[str, str]]
    ) -> HttpResponse:
        response = super().handle_response(status_code, payload, headers)
        response["Cache-Control"] = "no-store"
        return response

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        return None


def _claimed_client_id(request: OAuth2Request) -> str:
    from authlib.oauth2.rfc6749.util import extract_basic_authorization

    client_id, _ = extract_basic_authorization(request.headers)
    if client_id:
        return str(client_id)[:128]
    form_id = request.form.get("client_id")
    if form_id:
        return str(form_id)[:128]
    return ""


server = RelaisAuthorizationServer()
