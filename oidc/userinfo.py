"""The userinfo response: the usager's identity exactly as FranceConnect gave it."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from joserfc import jwt

from oidc.claims import REPRESENTATIVE_CLAIM, claims_for_scope
from oidc.crypto import pairwise_sub
from oidc.keys import signing_key_for
from oidc.models import Token


def userinfo_claims(token: Token) -> dict[str, Any]:
    code = token.code
    usager = code.usager
    claims: dict[str, Any] = {
        "sub": pairwise_sub(sector=token.client.client_id, usager_sub=usager.sub)
    }
    for name in claims_for_scope(token.scope):
        claims[name] = getattr(usager, name)
    if not token.client.is_franceconnect:
        aidant, organisation = code.aidant, code.organisation
        claims[REPRESENTATIVE_CLAIM] = {
            "aidant": {"given_name": aidant.first_name, "family_name": aidant.last_name},
            "organisation": {"name": organisation.name, "siret": organisation.siret},
            "rep_scope": [code.demarche],
        }
    return claims


def signed_userinfo(token: Token, claims: dict[str, Any]) -> str:
    client = token.client
    alg = client.userinfo_signed_response_alg
    key, header = signing_key_for(client, alg)
    now = int(time.time())
    payload = claims | {
        "iss": settings.OIDC_ISSUER,
        "aud": client.client_id,
        "iat": now,
        "exp": now + settings.OIDC_ACCESS_TOKEN_SECONDS,
    }
    return jwt.encode(header, payload, key, algorithms=[alg])
