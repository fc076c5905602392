"""The partner's pages: start the login, the callback, the result, the logout."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from sandbox.partner import relais

FLOW_KEY = "relais_flow"
LOGIN_KEY = "relais_login"

ERRORS = {
    "access_denied": "La connexion a été annulée dans Relais.",
    "interaction_required": "Relais demande une action de l'aidant.",
}


def _url(name: str) -> str:
    paths = {"callback": "/retour/", "logged_out": "/deconnecte/"}
    return relais.config()["BASE_URL"] + paths[name]


@require_GET
def home_view(request: HttpRequest) -> HttpResponse:
    login = request.session.get(LOGIN_KEY)
    return render(request, "partner/home.html", {"login": login, "name": relais.config()["NAME"]})


@require_POST
def login_view(request: HttpRequest) -> HttpResponse:
    cfg = relais.config()
    verifier = relais.random_value() + relais.random_value() if cfg["USE_PKCE"] else None
    flow = {"state": relais.random_value(), "nonce": relais.random_value(), "verifier": verifier}
    params = {
        "response_type": "code",
        "client_id": cfg["CLIENT_ID"],
        "redirect_uri": _url("callback"),
        "scope": cfg["SCOPE"],
        "state": flow["state"],
        "nonce": flow["nonce"],
        "acr_values": "eidas1",
        "claims": json.dumps(
            {"id_token": {"rep_scope": {"essential": True, "values": cfg["REP_SCOPE"]}}}
        ),
    }
    if verifier:
        params |= {
            "code_challenge": relais.pkce_challenge(verifier),
            "code_challenge_method": "S256",
        }
    request.session[FLOW_KEY] = flow
    return HttpResponseRedirect(
        relais.discovery()["authorization_endpoint"] + "?" + urlencode(params)
    )


def _failure(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "partner/error.html", {"message": message}, status=400)


@require_GET
def callback_view(request: HttpRequest) -> HttpResponse:
    flow = request.session.pop(FLOW_KEY, None)
    if flow is None or request.GET.get("state") != flow["state"]:
        return _failure(request, "Réponse inattendue : recommencez la connexion.")
    if request.GET.get("iss") != relais.config()["RELAIS_ISSUER"]:
        return _failure(request, "La réponse ne vient pas de Relais.")
    if "error" in request.GET:
        return _failure(request, ERRORS.get(request.GET["error"], "Relais a refusé la connexion."))
    try:
        login = relais.exchange(
            code=request.GET.get("code", ""),
            redirect_uri=_url("callback"),
            verifier=flow["verifier"],
            nonce=flow["nonce"],
        )
    except (relais.RelaisError, KeyError, ValueError) as exc:
        return _failure(request, f"Connexion refusée : {exc}")
    request.session[LOGIN_KEY] = {
        "id_token": login.id_token,
        "id_claims": login.id_claims,
        "userinfo": login.userinfo,
    }
    return HttpResponseRedirect("/")


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    login = request.session.pop(LOGIN_KEY, None)
    if login is None:
        return HttpResponseRedirect("/")
    state = relais.random_value()
    request.session["logout_state"] = state
    params = {
        "id_token_hint": login["id_token"],
        "post_logout_redirect_uri": _url("logged_out"),
        "state": state,
    }
    return HttpResponseRedirect(
        relais.discovery()["end_session_endpoint"] + "?" + urlencode(params)
    )


@require_GET
def logged_out_view(request: HttpRequest) -> HttpResponse:
    expected = request.session.pop("logout_state", None)
    confirmed = expected is not None and request.GET.get("state") == expected
    return render(request, "partner/logged_out.html", {"confirmed": confirmed})
