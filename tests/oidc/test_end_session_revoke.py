from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client as HttpClient
from joserfc import jwt
from joserfc.jwk import ECKey

from journal.models import Action, Entry
from tests.oidc.conftest import LOGOUT_URI, Flow, query_of

pytestmark = pytest.mark.django_db


def _id_token(flow: Flow, usager: Any) -> tuple[str, str]:
    body = flow.token(flow.code(usager)).json()
    return body["id_token"], body["access_token"]


def test_end_session_redirects_with_state_and_logs_the_aidant_out(
    partner_flow: Flow, usager: Any
) -> None:
    id_token, _ = _id_token(partner_flow, usager)
    params = {"id_token_hint": id_token, "post_logout_redirect_uri": LOGOUT_URI, "state": "s" * 32}
    response = partner_flow.http.get("/oidc/end_session?" + urlencode(params))
    assert response.status_code == 303
    assert response["Location"].startswith(LOGOUT_URI)
    assert query_of(response["Location"])["state"] == "s" * 32
    assert "_auth_user_id" not in partner_flow.http.session
    assert Entry.objects.filter(action=Action.OIDC_LOGOUT).count() == 1


def test_end_session_verifies_hs256_hints(fc_flow: Flow, usager: Any) -> None:
    id_token, _ = _id_token(fc_flow, usager)
    uri = fc_flow.registered.client.post_logout_redirect_uris[0]
    params = {"id_token_hint": id_token, "post_logout_redirect_uri": uri, "state": "abc"}
    response = fc_flow.http.get("/oidc/end_session?" + urlencode(params))
    assert response.status_code == 303
    assert response["Location"] == uri + "?state=abc"


def test_end_session_unregistered_uri_does_not_redirect(partner_flow: Flow, usager: Any) -> None:
    id_token, _ = _id_token(partner_flow, usager)
    params = {"id_token_hint": id_token, "post_logout_redirect_uri": "https://evil.example/"}
    response = partner_flow.http.get("/oidc/end_session?" + urlencode(params))
    assert response.status_code == 200
    assert "Location" not in response


def test_end_session_refuses_a_forged_hint(partner_flow: Flow, usager: Any) -> None:
    key = ECKey.generate_key("P-256", private=True, auto_kid=True)
    claims = {
        "iss": "http://127.0.0.1:8000",
        "aud": partner_flow.registered.client_id,
        "sub": "x",
        "exp": int(time.time()) + 60,
        "iat": int(time.time()),
    }
    forged = jwt.encode({"alg": "ES256", "kid": key.kid}, claims, key)
    params = {"id_token_hint": forged, "post_logout_redirect_uri": LOGOUT_URI}
    response = partner_flow.http.get("/oidc/end_session?" + urlencode(params))
    assert response.status_code == 400
    assert "_auth_user_id" in partner_flow.http.session


def test_end_session_without_hint_asks_before_logging_out(partner_flow: Flow) -> None:
    response = partner_flow.http.get(
        "/oidc/end_session?" + urlencode({"post_logout_redirect_uri": LOGOUT_URI})
    )
    assert response.status_code == 200
    assert "Se déconnecter de Relais" in response.content.decode()
    assert "_auth_user_id" in partner_flow.http.session


def test_revoke_then_userinfo_is_refused(partner_flow: Flow, usager: Any) -> None:
    _, access_token = _id_token(partner_flow, usager)
    registered = partner_flow.registered
    response = HttpClient().post(
        "/oidc/revoke",
        {"token": access_token, "token_type_hint": "access_token"},
        HTTP_AUTHORIZATION=_basic(registered.client_id, registered.secret),
    )
    assert response.status_code == 200
    userinfo = HttpClient().get("/oidc/userinfo", HTTP_AUTHORIZATION=f"Bearer {access_token}")
    assert userinfo.status_code == 401


def test_revoke_unknown_token_is_200_and_bad_auth_is_401(partner_flow: Flow) -> None:
    registered = partner_flow.registered
    ok = HttpClient().post(
        "/oidc/revoke",
        {"token": "inconnu"},
        HTTP_AUTHORIZATION=_basic(registered.client_id, registered.secret),
    )
    assert ok.status_code == 200
    bad = HttpClient().post(
        "/oidc/revoke",
        {"token": "inconnu"},
        HTTP_AUTHORIZATION=_basic(registered.client_id, "faux"),
    )
    assert bad.status_code == 401


def _basic(client_id: str, secret: str) -> str:
    import base64

    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()
