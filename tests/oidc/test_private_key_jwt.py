from __future__ import annotations

import secrets
import time
from typing import Any

import pytest
from django.conf import settings
from django.test import Client as HttpClient
from joserfc import jwt
from joserfc.jwk import ECKey

from oidc.services import create_client
from tests.helpers import login_verified
from tests.oidc.conftest import REDIRECT_URI, Flow, RegisteredClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def partner_key() -> ECKey:
    return ECKey.generate_key("P-256", private=True, auto_kid=True)


@pytest.fixture
def jwt_flow(client: HttpClient, aidant: Any, partner_key: ECKey) -> Flow:
    registered, secret = create_client(
        name="Partenaire JWKS",
        redirect_uris=[REDIRECT_URI],
        allowed_demarches=["papiers"],
        auth_method="private_key_jwt",
        jwks={"keys": [partner_key.as_dict(private=False)]},
    )
    return Flow(login_verified(client, aidant), RegisteredClient(registered, secret), REDIRECT_URI)


def _assertion(client_id: str, key: ECKey, *, jti: str | None = None) -> str:
    now = int(time.time())
    claims = {
        "iss": client_id,
        "sub": client_id,
        "aud": settings.OIDC_ISSUER + "/oidc/token",
        "iat": now,
        "exp": now + 60,
        "jti": jti or secrets.token_urlsafe(16),
    }
    return jwt.encode({"alg": "ES256", "kid": key.kid}, claims, key)


def _assertion_params(flow: Flow, key: ECKey, jti: str | None = None) -> dict[str, str]:
    return {
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": _assertion(flow.registered.client_id, key, jti=jti),
    }


def test_private_key_jwt_authenticates(jwt_flow: Flow, usager: Any, partner_key: ECKey) -> None:
    code = jwt_flow.code(usager)
    response = jwt_flow.token(
        code, auth="private_key_jwt", **_assertion_params(jwt_flow, partner_key)
    )
    assert response.status_code == 200, response.content


def test_private_key_jwt_with_another_key_is_refused(jwt_flow: Flow, usager: Any) -> None:
    code = jwt_flow.code(usager)
    other = ECKey.generate_key("P-256", private=True, auto_kid=True)
    response = jwt_flow.token(code, auth="private_key_jwt", **_assertion_params(jwt_flow, other))
    assert response.status_code in (400, 401)
    assert response.json()["error"] == "invalid_client"


def test_private_key_jwt_replayed_jti_is_refused(
    jwt_flow: Flow, usager: Any, partner_key: ECKey
) -> None:
    params = _assertion_params(jwt_flow, partner_key, jti="same-jti")
    assert (
        jwt_flow.token(jwt_flow.code(usager), auth="private_key_jwt", **params).status_code == 200
    )
    params = _assertion_params(jwt_flow, partner_key, jti="same-jti")
    response = jwt_flow.token(jwt_flow.code(usager), auth="private_key_jwt", **params)
    assert response.json()["error"] == "invalid_client"
