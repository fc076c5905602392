"""The OpenID Foundation "Basic OP" checks that apply to Relais, one test each."""

from __future__ import annotations

import base64
import json
import time
from typing import Any
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.test import Client as HttpClient

from oidc.models import AuthorizationCode, Token
from tests.oidc.conftest import REDIRECT_URI, Flow, query_of, verify_jose

pytestmark = pytest.mark.django_db


def _id_token(flow: Flow, usager: Any, **overrides: str | None) -> tuple[dict[str, Any], Any]:
    response = flow.token(flow.code(usager, **overrides))
    assert response.status_code == 200, response.content
    body = response.json()
    claims = verify_jose(
        body["id_token"],
        flow.registered,
        flow.registered.client.id_token_signed_response_alg,
        access_token=body["access_token"],
    )
    return claims, body


def test_happy_path_id_token_standard_checks(partner_flow: Flow, usager: Any) -> None:
    claims, body = _id_token(partner_flow, usager)
    now = time.time()
    assert claims["iss"] == settings.OIDC_ISSUER
    assert claims["aud"] == partner_flow.registered.client_id
    assert now - 5 <= claims["iat"] <= now + 1
    assert claims["exp"] > now
    assert claims["nonce"] == partner_flow.params["nonce"]
    assert claims["acr"] == "eidas1"
    assert claims["amr"] == ["pwd", "otp"]
    assert claims["auth_time"] <= now
    assert claims["rep_scope"] == ["papiers"]
    assert len(claims["sub"]) == 66 and claims["sub"].endswith("v1")
    # No personal data in the id_token.
    assert not {"given_name", "family_name", "birthdate", "email"} & set(claims)
    assert body["token_type"].lower() == "bearer"
    assert "refresh_token" not in body
    assert body["expires_in"] == settings.OIDC_ACCESS_TOKEN_SECONDS


def test_client_secret_basic(partner_flow: Flow, usager: Any) -> None:
    response = partner_flow.token(partner_flow.code(usager), auth="client_secret_basic")
    assert response.status_code == 200


def test_client_secret_post(fc_flow: Flow, usager: Any) -> None:
    response = fc_flow.token(fc_flow.code(usager), auth="client_secret_post")
    assert response.status_code == 200
    verify_jose(
        response.json()["id_token"],
        fc_flow.registered,
        "HS256",
        access_token=response.json()["access_token"],
    )


def test_wrong_client_auth_method_is_refused(fc_flow: Flow, usager: Any) -> None:
    response = fc_flow.token(fc_flow.code(usager), auth="client_secret_basic")
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_missing_response_type_redirects_with_error(partner_flow: Flow) -> None:
    response = partner_flow.authorize(response_type=None)
    assert response.status_code == 303
    query = query_of(response["Location"])
    assert response["Location"].startswith(REDIRECT_URI)
    assert query["error"] == "unsupported_response_type"
    assert query["state"] == partner_flow.params["state"]
    assert query["iss"] == settings.OIDC_ISSUER


def test_id_token_signature_verifies_with_published_key_and_kid(
    partner_flow: Flow, usager: Any, client: HttpClient
) -> None:
    response = partner_flow.token(partner_flow.code(usager))
    id_token = response.json()["id_token"]
    header = json.loads(base64.urlsafe_b64decode(id_token.split(".")[0] + "=="))
    jwks = client.get("/oidc/jwks").json()
    assert header["alg"] == "ES256"
    assert header["kid"] in [key["kid"] for key in jwks["keys"]]
    verify_jose(
        id_token, partner_flow.registered, "ES256", access_token=response.json()["access_token"]
    )


@pytest.mark.parametrize("how", ["get_header", "post_header", "post_body"])
def test_userinfo_by_get_header_post_header_and_post_body(
    fc_flow: Flow, usager: Any, how: str
) -> None:
    access_token = fc_flow.token(fc_flow.code(usager)).json()["access_token"]
    http = HttpClient()
    if how == "get_header":
        response = http.get("/oidc/userinfo", HTTP_AUTHORIZATION=f"Bearer {access_token}")
    elif how == "post_header":
        response = http.post("/oidc/userinfo", HTTP_AUTHORIZATION=f"Bearer {access_token}")
    else:
        response = http.post("/oidc/userinfo", {"access_token": access_token})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/jwt"
    claims = verify_jose(response.content.decode(), fc_flow.registered, "HS256")
    assert claims["given_name"] == usager.given_name


def test_a_nonce_already_used_by_the_client_is_refused(
    partner_flow: Flow, fc_flow: Flow, usager: Any
) -> None:
    nonce = "un-nonce-deja-servi-" + "x" * 20
    partner_flow.code(usager, nonce=nonce)
    response = partner_flow.authorize(nonce=nonce)
    assert response.status_code == 303
    assert query_of(response["Location"])["error"] == "invalid_request"
    # Another client's codes don't count.
    assert "/usager/" in fc_flow.authorize(nonce=nonce)["Location"]


def test_request_without_nonce(partner_flow: Flow, usager: Any) -> None:
    claims, _ = _id_token(partner_flow, usager, nonce=None)
    assert "nonce" not in claims


def test_prompt_login_asks_the_otp_again(partner_flow: Flow, usager: Any) -> None:
    response = partner_flow.authorize(prompt="login")
    assert response.status_code == 303
    page = partner_flow.http.get(response["Location"])
    assert page.status_code == 302
    assert page["Location"].startswith("/connexion/code/")


def test_unknown_parameter_is_ignored(partner_flow: Flow, usager: Any) -> None:
    claims, _ = _id_token(partner_flow, usager, extra_unknown="whatever")
    assert claims["rep_scope"] == ["papiers"]


def test_acr_values_eidas1_gives_acr(partner_flow: Flow, usager: Any) -> None:
    claims, _ = _id_token(partner_flow, usager, acr_values="eidas1")
    assert claims["acr"] == "eidas1"


def test_unsupported_acr_values_redirects_with_error(partner_flow: Flow) -> None:
    response = partner_flow.authorize(acr_values="eidas3")
    assert query_of(response["Location"])["error"] == "invalid_request"


def test_code_reuse_is_refused_and_revokes_the_first_token(partner_flow: Flow, usager: Any) -> None:
    code = partner_flow.code(usager)
    first = partner_flow.token(code)
    assert first.status_code == 200
    access_token = first.json()["access_token"]
    replay = partner_flow.token(code)
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"
    userinfo = HttpClient().get("/oidc/userinfo", HTTP_AUTHORIZATION=f"Bearer {access_token}")
    assert userinfo.status_code == 401
    assert Token.objects.get().revoked_at is not None


def test_unregistered_redirect_uri_shows_an_error_page(partner_flow: Flow) -> None:
    response = partner_flow.authorize(redirect_uri="https://attacker.example/callback")
    assert response.status_code == 400
    assert "Location" not in response
    assert "Demande de connexion refusée" in response.content.decode()


def test_redirect_uri_must_match_exactly(partner_flow: Flow) -> None:
    response = partner_flow.authorize(redirect_uri=REDIRECT_URI + "/")
    assert response.status_code == 400
    assert "Location" not in response


def test_unknown_client_shows_an_error_page(partner_flow: Flow) -> None:
    response = partner_flow.authorize(client_id="inconnu")
    assert response.status_code == 400
    assert "Location" not in response


def test_a_deactivated_client_is_an_unknown_one(partner_flow: Flow, usager: Any) -> None:
    code = partner_flow.code(usager)
    pending = partner_flow.authorize()
    type(partner_flow.registered.client).objects.filter(
        pk=partner_flow.registered.client.pk
    ).update(is_active=False)
    response = partner_flow.authorize()
    assert response.status_code == 400
    assert "Location" not in response
    # A request the aidant had started meanwhile: a French page, no redirect.
    page = partner_flow.http.get(pending["Location"])
    assert page.status_code == 404
    assert "Location" not in page
    assert partner_flow.token(code).json()["error"] == "invalid_client"


def test_post_authorize(partner_flow: Flow, usager: Any) -> None:
    response = partner_flow.authorize(method="post")
    back = partner_flow.choose(response, usager, "papiers")
    code = query_of(back["Location"])["code"]
    assert partner_flow.token(code).status_code == 200


def test_pkce_valid(partner_flow: Flow, usager: Any) -> None:
    assert partner_flow.token(partner_flow.code(usager)).status_code == 200


def test_pkce_wrong_verifier(partner_flow: Flow, usager: Any) -> None:
    code = partner_flow.code(usager)
    response = partner_flow.token(code, code_verifier="x" * 50)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_pkce_verifier_without_challenge(fc_flow: Flow, usager: Any) -> None:
    code = fc_flow.code(usager)
    response = fc_flow.token(code, code_verifier="x" * 50)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_pkce_required_for_partner(partner_flow: Flow) -> None:
    response = partner_flow.authorize(code_challenge=None, code_challenge_method=None)
    assert query_of(response["Location"])["error"] == "invalid_request"


def test_pkce_plain_method_refused(partner_flow: Flow) -> None:
    response = partner_flow.authorize(code_challenge_method="plain")
    assert query_of(response["Location"])["error"] == "invalid_request"


def test_claims_rep_scope_restricts_the_demarches(fc_flow: Flow, usager: Any) -> None:
    claims_param = json.dumps(
        {"id_token": {"rep_scope": {"essential": True, "values": ["social", "argent"]}}}
    )
    response = fc_flow.authorize(claims=claims_param)
    page = fc_flow.http.get(f"{response['Location']}{usager.pk}/")
    content = page.content.decode()
    assert "Social - Santé" in content
    assert "Papiers - Citoyenneté" not in content
    back = fc_flow.choose(response, usager, "social")
    body = fc_flow.token(query_of(back["Location"])["code"]).json()
    claims = verify_jose(
        body["id_token"], fc_flow.registered, "HS256", access_token=body["access_token"]
    )
    assert claims["rep_scope"] == ["social"]


def test_rep_scope_without_any_allowed_demarche_is_refused(fc_flow: Flow) -> None:
    claims_param = json.dumps({"id_token": {"rep_scope": {"values": ["loisirs"]}}})
    response = fc_flow.authorize(claims=claims_param)
    assert query_of(response["Location"])["error"] == "invalid_request"


def test_missing_openid_scope_redirects_with_error(partner_flow: Flow) -> None:
    response = partner_flow.authorize(scope="profile")
    assert query_of(response["Location"])["error"] == "invalid_scope"


def test_prompt_none_requires_interaction(partner_flow: Flow) -> None:
    response = partner_flow.authorize(prompt="none")
    assert query_of(response["Location"])["error"] == "interaction_required"


def test_code_is_stored_hashed_and_lives_60_seconds(partner_flow: Flow, usager: Any) -> None:
    code = partner_flow.code(usager)
    row = AuthorizationCode.objects.get()
    assert code not in row.code_hash
    assert (row.expires_at - row.created_at).total_seconds() <= 60
    assert row.redirect_uri == REDIRECT_URI


def test_cancel_redirects_with_access_denied(partner_flow: Flow) -> None:
    response = partner_flow.authorize()
    request_id = response["Location"].split("/")[3]
    back = partner_flow.http.post(f"/oidc/authorize/{request_id}/annuler/")
    query = query_of(back["Location"])
    assert back.status_code == 303
    assert query["error"] == "access_denied"
    assert query["state"] == partner_flow.params["state"]


def test_authorize_then_login_keeps_the_request(client: HttpClient, partner: Any) -> None:
    params = {
        "response_type": "code",
        "client_id": partner.client_id,
        "redirect_uri": REDIRECT_URI,
        "scope": "openid",
        "code_challenge": "a" * 43,
        "code_challenge_method": "S256",
    }
    response = client.get("/oidc/authorize?" + urlencode(params))
    page = client.get(response["Location"])
    assert page.status_code == 302
    assert page["Location"].startswith("/connexion/?next=/oidc/authorize/")


def test_anonymous_aidant_logs_in_then_completes_the_flow(
    client: HttpClient, partner_flow: Flow, usager: Any, aidant: Any
) -> None:
    """The usual FranceConnect path: the aidant is not logged in when the client calls."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.factories import PASSWORD, current_code

    anonymous = Flow(HttpClient(), partner_flow.registered, REDIRECT_URI)
    response = anonymous.authorize()
    choose_url = response["Location"]
    login_url = anonymous.http.get(choose_url)["Location"]
    otp = anonymous.http.post(login_url, {"email": aidant.email, "password": PASSWORD})
    code_page = otp["Location"]
    device = TOTPDevice.objects.get(user=aidant)
    done = anonymous.http.post(code_page, {"code": current_code(device)})
    assert done["Location"] == choose_url
    back = anonymous.choose(response, usager, "papiers")
    assert anonymous.token(query_of(back["Location"])["code"]).status_code == 200


def test_prompt_login_then_otp_completes_with_a_fresh_auth_time(
    partner_flow: Flow, usager: Any, aidant: Any
) -> None:
    from datetime import timedelta

    from django.utils import timezone
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.factories import current_code

    aidant.last_login = timezone.now() - timedelta(hours=2)
    aidant.save(update_fields=["last_login"])
    before = int(time.time())
    response = partner_flow.authorize(prompt="login")
    choose_url = response["Location"]
    otp_page = partner_flow.http.get(choose_url)
    device = TOTPDevice.objects.get(user=aidant)
    verified = partner_flow.http.post(otp_page["Location"], {"code": current_code(device)})
    assert verified["Location"] == choose_url
    back = partner_flow.choose(response, usager, "papiers")
    body = partner_flow.token(query_of(back["Location"])["code"]).json()
    claims = verify_jose(
        body["id_token"], partner_flow.registered, "ES256", access_token=body["access_token"]
    )
    assert claims["auth_time"] >= before


def test_auth_time_follows_a_login_made_after_the_request_arrived(
    partner_flow: Flow, usager: Any, aidant: Any
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from aidants.models import Aidant

    Aidant.objects.filter(pk=aidant.pk).update(last_login=timezone.now() - timedelta(hours=2))
    response = partner_flow.authorize()
    relogged = timezone.now() - timedelta(minutes=1)
    Aidant.objects.filter(pk=aidant.pk).update(last_login=relogged)
    back = partner_flow.choose(response, usager, "papiers")
    body = partner_flow.token(query_of(back["Location"])["code"]).json()
    claims = verify_jose(
        body["id_token"], partner_flow.registered, "ES256", access_token=body["access_token"]
    )
    assert claims["auth_time"] == int(relogged.timestamp())


def test_auth_time_is_the_login_time_without_prompt_login(
    partner_flow: Flow, usager: Any, aidant: Any
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    aidant.last_login = timezone.now() - timedelta(hours=2)
    aidant.save(update_fields=["last_login"])
    claims, _ = _id_token(partner_flow, usager)
    assert claims["auth_time"] == int(aidant.last_login.timestamp())
