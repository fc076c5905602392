from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
import time_machine
from authlib.oidc.discovery import OpenIDProviderMetadata
from django.conf import settings
from django.core.management import call_command
from django.test import Client as HttpClient
from django.utils import timezone

from oidc.crypto import secrets_match
from oidc.models import Client, SigningKey
from tests.oidc.conftest import Flow, verify_jose

pytestmark = pytest.mark.django_db


def test_discovery_is_complete_and_valid(client: HttpClient) -> None:
    metadata = client.get("/.well-known/openid-configuration").json()
    OpenIDProviderMetadata(metadata).validate()
    assert metadata["issuer"] == settings.OIDC_ISSUER
    assert metadata["authorization_response_iss_parameter_supported"] is True
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert metadata["end_session_endpoint"] == settings.OIDC_ISSUER + "/oidc/end_session"
    assert {"birth", "identite_pivot", "openid", "profile", "email"} <= set(
        metadata["scopes_supported"]
    )
    assert {"ES256", "RS256", "HS256"} <= set(metadata["id_token_signing_alg_values_supported"])
    assert "rep_scope" in metadata["claims_supported"]


def test_jwks_publishes_es256_and_rs256_public_keys_with_kid(client: HttpClient) -> None:
    keys = client.get("/oidc/jwks").json()["keys"]
    assert {key["alg"] for key in keys} == {"ES256", "RS256"}
    for key in keys:
        assert key["kid"]
        assert "d" not in key and "p" not in key


def test_private_keys_are_encrypted_at_rest(client: HttpClient) -> None:
    client.get("/oidc/jwks")
    for row in SigningKey.objects.all():
        assert '"d"' not in row.private_jwk_encrypted


def test_rotation_keeps_the_retired_key_until_its_tokens_expire(
    partner_flow: Flow, usager: Any
) -> None:
    body = partner_flow.token(partner_flow.code(usager)).json()
    old_kid = SigningKey.objects.get(alg="ES256").kid
    call_command("rotate_signing_key", "--alg", "ES256", stdout=StringIO())
    new_kid = SigningKey.objects.get(alg="ES256", retired_at__isnull=True).kid
    kids = [k["kid"] for k in HttpClient().get("/oidc/jwks").json()["keys"]]
    assert old_kid in kids and new_kid in kids
    verify_jose(
        body["id_token"], partner_flow.registered, "ES256", access_token=body["access_token"]
    )
    later = timezone.now() + timedelta(seconds=settings.OIDC_MAX_TOKEN_SECONDS + 1)
    with time_machine.travel(later):
        kids = [k["kid"] for k in HttpClient().get("/oidc/jwks").json()["keys"]]
    assert old_kid not in kids and new_kid in kids


def test_new_tokens_are_signed_with_the_new_key(partner_flow: Flow, usager: Any) -> None:
    partner_flow.token(partner_flow.code(usager))
    call_command("rotate_signing_key", stdout=StringIO())
    body = partner_flow.token(partner_flow.code(usager)).json()
    from jose import jwt as jose_jwt

    kid = jose_jwt.get_unverified_header(body["id_token"])["kid"]
    assert kid == SigningKey.objects.get(alg="ES256", retired_at__isnull=True).kid


def test_create_oidc_client_prints_the_secret_once_and_stores_a_hash(db: Any) -> None:
    out = StringIO()
    call_command(
        "create_oidc_client",
        "--name",
        "Partenaire",
        "--redirect-uri",
        "https://p.example/cb",
        "--demarche",
        "papiers",
        stdout=out,
    )
    secret = out.getvalue().split("client_secret: ")[1].split()[0]
    client = Client.objects.get(name="Partenaire")
    assert secret not in client.secret_hash and client.secret_encrypted == ""
    assert secrets_match(secret, client.secret_hash)


def test_hs256_client_secret_is_encrypted_not_clear(db: Any) -> None:
    out = StringIO()
    call_command(
        "create_oidc_client",
        "--name",
        "FC",
        "--redirect-uri",
        "https://fc.example/cb",
        "--demarche",
        "papiers",
        "--auth-method",
        "client_secret_post",
        "--id-token-alg",
        "HS256",
        "--userinfo-alg",
        "HS256",
        "--franceconnect",
        stdout=out,
    )
    secret = out.getvalue().split("client_secret: ")[1].split()[0]
    client = Client.objects.get(name="FC")
    assert client.secret_hash == ""
    assert secret not in client.secret_encrypted
    assert client.recover_secret() == secret
