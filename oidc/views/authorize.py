"""/oidc/authorize, then the aidant chooses the usager and the démarche."""

from __future__ import annotations

import time
from typing import Any

from authlib.common.urls import add_params_to_uri
from authlib.oauth2.rfc6749.errors import AccessDeniedError, OAuth2Error
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from aidants.decorators import otp_fresh_required
from aidants.middleware import SESSION_OTP_STALE
from aidants.models import Aidant
from config.errors import NotFound
from oidc import pending
from oidc.forms import DemarcheChoiceForm, UsagerSearchForm
from oidc.lookups import active_client, usager_autorisations
from oidc.models import Client
from oidc.selection import search_usagers
from oidc.server import (
    Choice,
    StoredAuthorizationRequest,
    parse_claims_param,
    server,
    valid_demarches,
)


def _redirect_303(location: str) -> HttpResponseRedirect:
    response = HttpResponseRedirect(location)
    response.status_code = 303
    return response


def _authorization_redirect(location: str) -> HttpResponseRedirect:
    """Success and error redirects to the client carry iss (RFC 9207)."""
    return _redirect_303(add_params_to_uri(location, [("iss", settings.OIDC_ISSUER)]))


def _error_response(request: HttpRequest, error: OAuth2Error) -> HttpResponse:
    if error.redirect_uri:
        _, _, headers = error()
        return _authorization_redirect(dict(headers)["Location"])
    # Unknown client or unregistered redirect_uri: never redirect (RFC 6749 4.1.2.1).
    return render(request, "oidc/error.html", {"error_code": error.error}, status=400)


# Machine-facing: a partner's browser form may POST here (no CSRF token, no session yet).
# The aidant's login and choices happen on the login-required pages below.
@csrf_exempt
@login_not_required
@require_http_methods(["GET", "POST"])
def authorize_view(request: HttpRequest) -> HttpResponse:
    user = request.user if request.user.is_authenticated else None
    try:
        grant = server.get_consent_grant(request, end_user=user)
    except OAuth2Error as error:
        return _error_response(request, error)
    params = grant.request.payload.data
    reauth = "login" in (params.get("prompt") or "").split()
    request_id = pending.store(
        request.session, params, reauth=reauth, auth_time=_login_time(user) if user else None
    )
    if reauth and user is not None:
        request.session[SESSION_OTP_STALE] = True  # otp_fresh_required asks the OTP again
    return _redirect_303(reverse("oidc:choose_usager", args=[request_id]))


def _login_time(user: Any) -> int:
    return int(user.last_login.timestamp() if user.last_login else time.time())


def _load(request: HttpRequest, request_id: str) -> tuple[dict[str, Any], Client, list[str]]:
    entry = pending.get(request.session, request_id)
    if entry is None:
        raise NotFound("Cette demande de connexion a expiré. Recommencez depuis le service.")
    client = active_client(entry["params"]["client_id"])
    if client is None or request.organisation is None:  # type: ignore[attr-defined]
        raise NotFound("Ce service n'est plus disponible.")
    user = request.user
    assert isinstance(user, Aidant)
    if entry["reauth"]:
        # Reaching here through otp_fresh_required means the OTP was just (re)verified.
        entry["auth_time"], entry["reauth"] = int(time.time()), False
        pending.update(request.session, request_id, entry)
    elif entry["auth_time"] is None or entry["auth_time"] < _login_time(user):
        # Otherwise the aidant authenticated at login, maybe since the request arrived.
        entry["auth_time"] = _login_time(user)
        pending.update(request.session, request_id, entry)
    claims = parse_claims_param(entry["params"].get("claims"))
    demarches = valid_demarches(client, request.organisation, claims)  # type: ignore[attr-defined]
    return entry, client, demarches


@otp_fresh_required
@require_GET
def choose_usager_view(request: HttpRequest, request_id: str) -> HttpResponse:
    _entry, client, demarches = _load(request, request_id)
    form = UsagerSearchForm(request.GET or None)
    usagers = None
    if form.is_valid():
        usagers = search_usagers(
            organisation=request.organisation,  # type: ignore[attr-defined]
            demarches=demarches,
            query=form.cleaned_data["q"],
        )
    context = {"form": form, "usagers": usagers, "client": client, "request_id": request_id}
    return render(request, "oidc/choose_usager.html", context)


@otp_fresh_required
@require_http_methods(["GET", "POST"])
def choose_demarche_view(request: HttpRequest, request_id: str, usager_id: int) -> HttpResponse:
    entry, client, demarches = _load(request, request_id)
    autorisations = usager_autorisations(
        organisation=request.organisation,  # type: ignore[attr-defined]
        demarches=demarches,
        usager_id=usager_id,
    )
    if not autorisations:
        raise NotFound("Aucune autorisation active pour cet usager et ce service.")
    form = DemarcheChoiceForm(request.POST or None, autorisations=autorisations)
    if request.method == "POST" and form.is_valid():
        return _issue_code(request, request_id, entry, form.cleaned_data["autorisation"])
    context = {
        "form": form,
        "usager": autorisations[0].usager,
        "client": client,
        "request_id": request_id,
    }
    return render(request, "oidc/choose_demarche.html", context)


def _issue_code(
    request: HttpRequest, request_id: str, entry: dict[str, Any], autorisation: Any
) -> HttpResponse:
    aidant = request.user
    assert isinstance(aidant, Aidant)
    oauth_request = StoredAuthorizationRequest(entry["params"])
    # create_authorization_response validates the stored request again (client, redirect_uri,
    # PKCE, nonce) before the code is saved.
    grant = server.get_authorization_grant(oauth_request)
    oauth_request.relais_choice = Choice(
        aidant=aidant,
        organisation=request.organisation,  # type: ignore[attr-defined]
        autorisation=autorisation,
        auth_time=entry["auth_time"],
    )
    with transaction.atomic():
        response = server.create_authorization_response(
            request=oauth_request, grant_user=aidant, grant=grant
        )
    pending.discard(request.session, request_id)
    location = response.get("Location")
    if location is None:  # the client was removed meanwhile: nowhere safe to send the error
        return render(request, "oidc/error.html", {"error_code": "invalid_client"}, status=400)
    return _authorization_redirect(location)


@require_POST
def cancel_view(request: HttpRequest, request_id: str) -> HttpResponse:
    entry = pending.get(request.session, request_id)
    if entry is None:
        raise NotFound("Cette demande de connexion a expiré.")
    pending.discard(request.session, request_id)
    params = entry["params"]
    error = AccessDeniedError(redirect_uri=params["redirect_uri"], state=params.get("state"))
    _, _, headers = error()
    return _authorization_redirect(dict(headers)["Location"])
