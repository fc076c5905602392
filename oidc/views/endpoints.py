"""Machine-to-machine endpoints: discovery, JWKS, token, userinfo, revocation, logout."""

from __future__ import annotations

from authlib.oauth2.rfc6749.errors import OAuth2Error
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from oidc.claims import ACR_VALUES, CLAIMS_SUPPORTED, SCOPES_SUPPORTED
from oidc.keys import public_jwks
from oidc.lookups import valid_token
from oidc.models import SigningAlg
from oidc.server import refusal_reason, server
from oidc.userinfo import signed_userinfo, userinfo_claims

AUTH_METHODS = ["client_secret_post", "client_secret_basic", "private_key_jwt"]
ALGS = [a.value for a in SigningAlg]


def _url(name: str) -> str:
    return settings.OIDC_ISSUER + reverse(name)


@login_not_required
@require_GET
def discovery_view(request: HttpRequest) -> JsonResponse:
    return JsonResponse(
        {
            "issuer": settings.OIDC_ISSUER,
            "authorization_endpoint": _url("oidc:authorize"),
            "token_endpoint": _url("oidc:token"),
            "userinfo_endpoint": _url("oidc:userinfo"),
            "jwks_uri": _url("oidc:jwks"),
            "end_session_endpoint": _url("oidc:end_session"),
            "revocation_endpoint": _url("oidc:revoke"),
            "scopes_supported": SCOPES_SUPPORTED,
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ALGS,
            "userinfo_signing_alg_values_supported": ALGS,
            "token_endpoint_auth_methods_supported": AUTH_METHODS,
            "token_endpoint_auth_signing_alg_values_supported": ["ES256", "RS256"],
            "revocation_endpoint_auth_methods_supported": AUTH_METHODS,
            "revocation_endpoint_auth_signing_alg_values_supported": ["ES256", "RS256"],
            "claims_supported": CLAIMS_SUPPORTED,
            "claims_parameter_supported": True,
            "request_parameter_supported": False,
            "request_uri_parameter_supported": False,
            "acr_values_supported": ACR_VALUES,
            "prompt_values_supported": ["login", "consent"],
            "code_challenge_methods_supported": ["S256"],
            "authorization_response_iss_parameter_supported": True,
            "ui_locales_supported": ["fr"],
        }
    )


@login_not_required
@require_GET
def jwks_view(request: HttpRequest) -> JsonResponse:
    response = JsonResponse(public_jwks())
    response["Cache-Control"] = "public, max-age=300"
    return response


@csrf_exempt
@login_not_required
@never_cache
@sensitive_post_parameters("code", "code_verifier", "client_secret", "client_assertion")
@require_POST
def token_view(request: HttpRequest) -> HttpResponse:
    # One transaction: the code row stays locked (SELECT ... FOR UPDATE) until the token is
    # saved and the code marked used. Refusals are responses, not exceptions, so their
    # journal entries and a replay's token revocation commit too.
    with transaction.atomic():
        return server.create_token_response(request)


def _bearer(request: HttpRequest) -> str:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip()
    if request.method == "POST":
        return request.POST.get("access_token", "")
    return ""


def _invalid_token(description: str) -> HttpResponse:
    response = JsonResponse(
        {"error": "invalid_token", "error_description": description}, status=401
    )
    response["WWW-Authenticate"] = (
        f'Bearer error="invalid_token", error_description="{description}"'
    )
    return response


@csrf_exempt
@login_not_required
@never_cache
@sensitive_variables("access_token")
@sensitive_post_parameters("access_token")
@require_http_methods(["GET", "POST"])
def userinfo_view(request: HttpRequest) -> HttpResponse:
    access_token = _bearer(request)
    if not access_token:
        response = HttpResponse(status=401)
        response["WWW-Authenticate"] = 'Bearer realm="relais"'
        return response
    token = valid_token(access_token)
    if token is None:
        return _invalid_token("The access token is invalid, expired or revoked.")
    if refusal_reason(token.code, checks=token):
        return _invalid_token("The autorisation is no longer valid.")
    claims = userinfo_claims(token)
    if token.client.userinfo_signed_response_alg:
        return HttpResponse(signed_userinfo(token, claims), content_type="application/jwt")
    return JsonResponse(claims)


@csrf_exempt
@login_not_required
@never_cache
@sensitive_post_parameters("token", "client_secret", "client_assertion")
@require_POST
def revoke_view(request: HttpRequest) -> HttpResponse:
    with transaction.atomic():
        return server.create_endpoint_response("revocation", request)


@csrf_exempt
@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def end_session_view(request: HttpRequest) -> HttpResponse:
    try:
        end_request = server.validate_endpoint_request("end_session", request)
    except OAuth2Error:
        return render(request, "oidc/logged_out.html", {"invalid": True}, status=400)
    if end_request.needs_confirmation:
        # Without a valid id_token_hint, a link could log the aidant out: ask instead.
        return render(request, "oidc/logged_out.html", {"invalid": True})
    response = server.create_endpoint_response("end_session", end_request)
    if response is None:
        return render(request, "oidc/logged_out.html", {"invalid": False})
    response.status_code = 303
    return response
