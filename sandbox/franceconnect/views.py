"""FranceConnect v2-compatible endpoints, for development and tests only."""

from __future__ import annotations

import hashlib
import secrets
import time
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from sandbox.franceconnect.identities import BY_KEY, IDENTITIES, TestIdentity
from sandbox.franceconnect.state import STATE, Grant, new_key

SCOPE_CLAIMS = {
    "given_name": ["given_name"],
    "family_name": ["family_name"],
    "birthdate": ["birthdate"],
    "gender": ["gender"],
    "birthplace": ["birthplace"],
    "birthcountry": ["birthcountry"],
    "email": ["email"],
    "preferred_username": ["preferred_username"],
    "profile": ["given_name", "family_name", "birthdate", "gender", "preferred_username"],
    "birth": ["birthplace", "birthcountry"],
    "identite_pivot": [
        "given_name",
        "family_name",
        "birthdate",
        "gender",
        "birthplace",
        "birthcountry",
    ],
}
FAULTS = {
    "": "Aucune",
    "wrong_iss": "id_token d'un autre émetteur",
    "wrong_aud": "id_token pour un autre client",
    "bad_signature": "id_token mal signé",
    "wrong_nonce": "nonce différent",
    "low_acr": "niveau eidas insuffisant",
    "expired": "id_token expiré",
    "userinfo_sub": "userinfo d'une autre personne",
    "userinfo_unsigned": "userinfo non signé (JSON)",
    "rotate_key": "rotation de clé avant signature",
    "unpublished_kid": "clé jamais publiée",
    "slow_token": "endpoint token très lent",
}
SLOW_SECONDS = 5


def _conf() -> dict[str, Any]:
    conf: dict[str, Any] = settings.FC_SANDBOX  # type: ignore[misc]
    return conf


def _sub(identity: TestIdentity) -> str:
    """Pairwise per client, like FranceConnect: 64 hex characters then v1."""
    seed = f"{identity.key}:{_conf()['CLIENT_ID']}".encode()
    return hashlib.sha256(seed).hexdigest() + "v1"


def _error_page(request: HttpRequest, message: str, status: int = 400) -> HttpResponse:
    return render(request, "sandbox_fc/error.html", {"message": message}, status=status)


def _sign(claims: dict[str, Any], fault: str) -> str:
    key = STATE.signing_key
    if fault == "rotate_key":
        key = STATE.rotate()
    elif fault == "unpublished_kid":
        key = new_key()
    elif fault == "bad_signature":
        # Same kid as the published key, different private key: the signature can't verify.
        key = new_key()
        key = type(key).import_key({**key.as_dict(private=True), "kid": str(STATE.signing_key.kid)})
    return jwt.encode({"alg": "ES256", "kid": str(key.kid)}, claims, key, algorithms=["ES256"])


@require_GET
def home_view(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"sandbox": "franceconnect", "issuer": _conf()["ISSUER"]})


@require_GET
def discovery_view(request: HttpRequest) -> JsonResponse:
    issuer = _conf()["ISSUER"]
    return JsonResponse(
        {
            "issuer": issuer,
            "authorization_endpoint": f"{issuer}/authorize",
            "token_endpoint": f"{issuer}/token",
            "userinfo_endpoint": f"{issuer}/userinfo",
            "end_session_endpoint": f"{issuer}/session/end",
            "jwks_uri": f"{issuer}/jwks",
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code"],
            "scopes_supported": ["openid", *SCOPE_CLAIMS],
            "claims_supported": sorted({c for cs in SCOPE_CLAIMS.values() for c in cs} | {"sub"}),
            "acr_values_supported": ["eidas1", "eidas2", "eidas3"],
            "subject_types_supported": ["pairwise"],
            "token_endpoint_auth_methods_supported": ["client_secret_post"],
            "id_token_signing_alg_values_supported": ["ES256"],
            "userinfo_signing_alg_values_supported": ["ES256"],
            "authorization_response_iss_parameter_supported": True,
        }
    )


@require_GET
def jwks_view(request: HttpRequest) -> JsonResponse:
    return JsonResponse(STATE.public_jwks())


def _authorize_params(data: Any) -> tuple[dict[str, str], str | None]:
    params = {
        name: data.get(name, "")
        for name in (
            "client_id",
            "redirect_uri",
            "response_type",
            "scope",
            "state",
            "nonce",
            "acr_values",
        )
    }
    conf = _conf()
    if params["client_id"] != conf["CLIENT_ID"]:
        return params, "Client inconnu."
    if params["redirect_uri"] not in conf["REDIRECT_URIS"]:
        return params, "Adresse de retour non enregistrée pour ce client."
    if params["response_type"] != "code":
        return params, "response_type doit valoir code."
    if "openid" not in params["scope"].split():
        return params, "Le scope openid est requis."
    if len(params["state"]) < 32 or len(params["nonce"]) < 32:
        return params, "state et nonce doivent comporter au moins 32 caractères."
    if "eidas1" not in params["acr_values"].split():
        return params, "acr_values doit demander eidas1."
    return params, None


@csrf_exempt
@require_http_methods(["GET", "POST"])
def authorize_view(request: HttpRequest) -> HttpResponse:
    data = request.POST if request.method == "POST" else request.GET
    params, error = _authorize_params(data)
    if error:
        return _error_page(request, error)
    if request.method == "GET":
        context = {
            "params": params,
            "identities": IDENTITIES,
            "faults": FAULTS.items() if _conf()["TEST_MODE"] else [],
        }
        return render(request, "sandbox_fc/authorize.html", context)
    if data.get("action") == "refuse":
        query = {
            "error": "access_denied",
            "error_description": "L'usager a annulé la connexion.",
            "state": params["state"],
        }
        return HttpResponseRedirect(f"{params['redirect_uri']}?{urlencode(query)}", status=303)
    identity = BY_KEY.get(data.get("identity", ""))
    fault = data.get("fault", "") if _conf()["TEST_MODE"] else ""
    if identity is None or fault not in FAULTS:
        return _error_page(request, "Choisissez une identité.")
    grant = Grant(
        identity_key=identity.key,
        redirect_uri=params["redirect_uri"],
        nonce=params["nonce"],
        acr="eidas1",
        scopes=params["scope"].split(),
        fault=fault,
        expires_at=time.time() + _conf()["CODE_LIFETIME"],
        sub=_sub(identity),
    )
    code = STATE.issue_code(grant)
    query = {"code": code, "state": params["state"], "iss": _conf()["ISSUER"]}
    return HttpResponseRedirect(f"{params['redirect_uri']}?{urlencode(query)}", status=303)


def _oauth_error(error: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": error}, status=status)


@csrf_exempt
@require_POST
def token_view(request: HttpRequest) -> JsonResponse:
    conf = _conf()
    STATE.stats["token"] += 1
    client_ok = request.POST.get("client_id") == conf["CLIENT_ID"] and secrets.compare_digest(
        request.POST.get("client_secret", ""), conf["CLIENT_SECRET"]
    )
    if not client_ok:
        return _oauth_error("invalid_client", 401)
    if request.POST.get("grant_type") != "authorization_code":
        return _oauth_error("unsupported_grant_type")
    grant = STATE.redeem_code(request.POST.get("code", ""))
    if grant is None or grant.redirect_uri != request.POST.get("redirect_uri"):
        return _oauth_error("invalid_grant")
    if grant.fault == "slow_token":
        time.sleep(SLOW_SECONDS)
    now = int(time.time())
    claims = {
        "iss": conf["ISSUER"] + ("/autre" if grant.fault == "wrong_iss" else ""),
        "sub": grant.sub,
        "aud": "un-autre-client" if grant.fault == "wrong_aud" else conf["CLIENT_ID"],
        "iat": now,
        "exp": now + conf["ID_TOKEN_LIFETIME"],
        "nonce": secrets.token_urlsafe(32) if grant.fault == "wrong_nonce" else grant.nonce,
        "acr": "eidas0" if grant.fault == "low_acr" else grant.acr,
        "amr": ["pwd"],
    }
    if grant.fault == "expired":
        claims["iat"], claims["exp"] = now - 600, now - 300
    access = Grant(**{**grant.__dict__, "expires_at": now + conf["ACCESS_TOKEN_LIFETIME"]})
    return JsonResponse(
        {
            "access_token": STATE.issue_token(access),
            "token_type": "Bearer",
            "expires_in": conf["ACCESS_TOKEN_LIFETIME"],
            "id_token": _sign(claims, grant.fault),
            "scope": " ".join(grant.scopes),
        },
        headers={"Cache-Control": "no-store"},
    )


@require_GET
def userinfo_view(request: HttpRequest) -> HttpResponse:
    STATE.stats["userinfo"] += 1
    header = request.headers.get("Authorization", "")
    grant = STATE.token(header.removeprefix("Bearer ")) if header.startswith("Bearer ") else None
    if grant is None:
        return HttpResponse(
            status=401, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}
        )
    identity = BY_KEY[grant.identity_key]
    wanted = {c for scope in grant.scopes for c in SCOPE_CLAIMS.get(scope, [])}
    values = identity.claims()
    claims: dict[str, Any] = {name: values[name] for name in sorted(wanted)}
    now = int(time.time())
    claims.update(
        {
            "sub": secrets.token_hex(32) + "v1" if grant.fault == "userinfo_sub" else grant.sub,
            "iss": _conf()["ISSUER"],
            "aud": _conf()["CLIENT_ID"],
            "iat": now,
            "exp": now + 60,
        }
    )
    if grant.fault == "userinfo_unsigned":
        return JsonResponse(claims)
    body = _sign(claims, "")
    return HttpResponse(body, content_type="application/jwt")


@require_GET
def session_end_view(request: HttpRequest) -> HttpResponse:
    hint = request.GET.get("id_token_hint", "")
    state = request.GET.get("state", "")
    target = request.GET.get("post_logout_redirect_uri", "")
    if target not in _conf()["POST_LOGOUT_REDIRECT_URIS"]:
        return _error_page(request, "Adresse de retour après déconnexion non enregistrée.")
    try:
        jwt.decode(hint, KeySet(list(STATE.keys)), algorithms=["ES256"])
    except (JoseError, ValueError):
        return _error_page(request, "id_token_hint invalide.")
    if not state:
        return _error_page(request, "state manquant.")
    return HttpResponseRedirect(f"{target}?{urlencode({'state': state})}", status=303)


def _test_only(request: HttpRequest) -> HttpResponse | None:
    if not _conf()["TEST_MODE"]:
        return HttpResponse(status=404)
    return None


@csrf_exempt
@require_POST
def test_rotate_view(request: HttpRequest) -> HttpResponse:
    refused = _test_only(request)
    if refused:
        return refused
    return JsonResponse({"kid": STATE.rotate().kid})


@require_GET
def test_stats_view(request: HttpRequest) -> HttpResponse:
    refused = _test_only(request)
    if refused:
        return refused
    return JsonResponse(STATE.stats)
