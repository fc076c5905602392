"""OIDC test set-up: clients, a usager with an active mandate, and the authorize flow."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.conf import settings
from django.test import Client as HttpClient
from jose import jwt as jose_jwt

from oidc.keys import forget_active_keys, public_jwks
from oidc.services import create_client
from tests.factories import MandatFactory, UsagerFactory
from tests.helpers import login_verified

REDIRECT_URI = "https://partenaire.example/callback"
LOGOUT_URI = "https://partenaire.example/au-revoir"
FC_REDIRECT_URI = "https://fc.example/api/v2/oidc-callback"


@pytest.fixture(autouse=True)
def _fresh_signing_keys() -> None:
    """Each test rolls its keys back: forget the process's cached active keys."""
    forget_active_keys()


@dataclass
class RegisteredClient:
    client: Any
    secret: str

    @property
    def client_id(self) -> str:
        return str(self.client.client_id)


@pytest.fixture
def partner(db: Any) -> RegisteredClient:
    client, secret = create_client(
        name="Démarche en ligne",
        redirect_uris=[REDIRECT_URI],
        post_logout_redirect_uris=[LOGOUT_URI],
        allowed_demarches=["papiers", "famille", "social"],
        auth_method="client_secret_basic",
        userinfo_alg="ES256",
    )
    return RegisteredClient(client, secret)


@pytest.fixture
def franceconnect(db: Any) -> RegisteredClient:
    client, secret = create_client(
        name="FranceConnect",
        redirect_uris=[FC_REDIRECT_URI],
        post_logout_redirect_uris=["https://fc.example/api/v2/logout-callback"],
        allowed_demarches=["papiers", "famille", "social", "argent"],
        auth_method="client_secret_post",
        id_token_alg="HS256",
        userinfo_alg="HS256",
        requires_pkce=False,
        is_franceconnect=True,
    )
    return RegisteredClient(client, secret)


@pytest.fixture
def usager(aidant: Any, organisation: Any) -> Any:
    usager = UsagerFactory(
        given_name="Angela Claire Louise", family_name="DUBOIS", preferred_username="MARTIN"
    )
    MandatFactory(
        organisation=organisation, usager=usager, created_by=aidant, demarches=["papiers", "social"]
    )
    return usager


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.rstrip(b"=").decode()


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


@dataclass
class Flow:
    """Drives /oidc/authorize and the choice pages with Django's test client."""

    http: HttpClient
    registered: RegisteredClient
    redirect_uri: str
    verifier: str | None = None
    params: dict[str, str] = field(default_factory=dict)

    def authorize_params(self, **overrides: str | None) -> dict[str, str]:
        params: dict[str, str | None] = {
            "response_type": "code",
            "client_id": self.registered.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": "openid profile email birth",
            "state": secrets.token_urlsafe(32),
            "nonce": secrets.token_urlsafe(32),
            "acr_values": "eidas1",
        }
        if self.registered.client.requires_pkce:
            self.verifier, challenge = pkce_pair()
            params["code_challenge"] = challenge
            params["code_challenge_method"] = "S256"
        params.update(overrides)
        self.params = {k: v for k, v in params.items() if v is not None}
        return self.params

    def authorize(self, method: str = "get", **overrides: str | None) -> Any:
        params = self.authorize_params(**overrides)
        if method == "post":
            return self.http.post("/oidc/authorize", params)
        return self.http.get("/oidc/authorize?" + urlencode(params))

    def choose(self, response: Any, usager: Any, demarche: str) -> Any:
        """From the authorize redirect to the redirect back to the client."""
        assert response.status_code == 303, response
        choose_url = response["Location"]
        page = self.http.get(choose_url, {"q": usager.family_name})
        assert page.status_code == 200
        demarche_url = f"{choose_url}{usager.pk}/"
        assert demarche_url in page.content.decode()
        page = self.http.get(demarche_url)
        assert page.status_code == 200
        autorisation = usager.autorisations.get(demarche=demarche, closed_at__isnull=True)
        return self.http.post(demarche_url, {"autorisation": autorisation.pk})

    def code(self, usager: Any, demarche: str = "papiers", **overrides: str | None) -> str:
        back = self.choose(self.authorize(**overrides), usager, demarche)
        assert back.status_code == 303
        assert back["Location"].startswith(self.redirect_uri + "?")
        query = query_of(back["Location"])
        assert query["state"] == self.params["state"]
        assert query["iss"] == settings.OIDC_ISSUER
        return query["code"]

    def token(self, code: str, *, auth: str | None = None, **extra: str) -> Any:
        data = {"grant_type": "authorization_code", "code": code, "redirect_uri": self.redirect_uri}
        if self.verifier:
            data["code_verifier"] = self.verifier
        data.update(extra)
        method = auth or self.registered.client.token_endpoint_auth_method
        headers: dict[str, str] = {}
        if method == "client_secret_basic":
            raw = f"{self.registered.client_id}:{self.registered.secret}".encode()
            headers["HTTP_AUTHORIZATION"] = "Basic " + base64.b64encode(raw).decode()
        elif method == "client_secret_post":
            data |= {
                "client_id": self.registered.client_id,
                "client_secret": self.registered.secret,
            }
        response = HttpClient().post("/oidc/token", data, **headers)
        if response.status_code == 200:
            # Every id_token Relais issues is checked by an independent JOSE implementation.
            body = response.json()
            alg = self.registered.client.id_token_signed_response_alg
            verify_jose(body["id_token"], self.registered, alg, access_token=body["access_token"])
        return response


@pytest.fixture
def partner_flow(client: HttpClient, aidant: Any, partner: RegisteredClient) -> Flow:
    return Flow(login_verified(client, aidant), partner, REDIRECT_URI)


@pytest.fixture
def fc_flow(client: HttpClient, aidant: Any, franceconnect: RegisteredClient) -> Flow:
    return Flow(login_verified(client, aidant), franceconnect, FC_REDIRECT_URI)


def verify_jose(
    token: str, registered: RegisteredClient, alg: str, access_token: str | None = None
) -> dict[str, Any]:
    """Independent verification with python-jose: one algorithm, audience and issuer."""
    key: Any = registered.secret if alg == "HS256" else public_jwks()
    header = jose_jwt.get_unverified_header(token)
    if alg != "HS256":
        assert header.get("kid"), "asymmetric tokens carry a kid"
        key = next(k for k in public_jwks()["keys"] if k["kid"] == header["kid"])
    assert header["alg"] == alg
    return jose_jwt.decode(
        token,
        key,
        algorithms=[alg],
        audience=registered.client_id,
        issuer=settings.OIDC_ISSUER,
        access_token=access_token,
    )
