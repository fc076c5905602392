"""Client registration (admin command) for the OIDC provider."""

from __future__ import annotations

import secrets

from django.db import transaction

from oidc.crypto import new_secret
from oidc.models import AuthMethod, Client, SigningAlg


@transaction.atomic
def create_client(
    *,
    name: str,
    redirect_uris: list[str],
    allowed_demarches: list[str],
    post_logout_redirect_uris: list[str] | None = None,
    client_id: str | None = None,
    auth_method: str = AuthMethod.CLIENT_SECRET_BASIC,
    id_token_alg: str = SigningAlg.ES256,
    userinfo_alg: str = "",
    requires_pkce: bool = True,
    is_franceconnect: bool = False,
    jwks: dict[str, object] | None = None,
    secret: str | None = None,
) -> tuple[Client, str]:
    """Registers a client; returns it with its clear secret, which is never shown again."""
    secret = secret or new_secret()
    client = Client(
        name=name,
        client_id=client_id or secrets.token_urlsafe(16),
        token_endpoint_auth_method=auth_method,
        redirect_uris=redirect_uris,
        post_logout_redirect_uris=post_logout_redirect_uris or [],
        id_token_signed_response_alg=id_token_alg,
        userinfo_signed_response_alg=userinfo_alg,
        allowed_demarches=allowed_demarches,
        requires_pkce=requires_pkce,
        is_franceconnect=is_franceconnect,
        jwks=jwks or {},
    )
    client.set_secret(secret)
    client.full_clean()
    client.save()
    return client, secret
