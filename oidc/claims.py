"""Scopes and the claims they release, FranceConnect's aliases included.

authlib's UserInfo.filter() only knows the standard OpenID scopes, so the mapping is ours.
"""

from __future__ import annotations

from typing import Any

from mandats.identity import IDENTITY_CLAIMS

SCOPE_CLAIMS: dict[str, list[str]] = {
    "openid": [],
    "profile": ["given_name", "family_name", "birthdate", "gender", "preferred_username"],
    "email": ["email"],
    "birth": ["birthplace", "birthcountry"],
    "identite_pivot": [
        "given_name",
        "family_name",
        "birthdate",
        "gender",
        "birthplace",
        "birthcountry",
    ],
    **{claim: [claim] for claim in IDENTITY_CLAIMS},
}

SCOPES_SUPPORTED = list(SCOPE_CLAIMS)

# Partners (not FranceConnect) learn who acts for the usager.
REPRESENTATIVE_CLAIM = "representative"

CLAIMS_SUPPORTED = [
    "sub",
    "iss",
    "aud",
    "exp",
    "iat",
    "auth_time",
    "nonce",
    "acr",
    "amr",
    "rep_scope",
    *IDENTITY_CLAIMS,
    REPRESENTATIVE_CLAIM,
]

ACR_VALUES = ["eidas1"]


def claims_for_scope(scope: str) -> list[str]:
    released: list[str] = []
    for name in scope.split():
        for claim in SCOPE_CLAIMS.get(name, []):
            if claim not in released:
                released.append(claim)
    return released


def requested_rep_scope(claims: dict[str, Any]) -> list[str] | None:
    """The démarches listed in claims.id_token.rep_scope.values, or None if not asked."""
    id_token = claims.get("id_token") if isinstance(claims, dict) else None
    rep_scope = id_token.get("rep_scope") if isinstance(id_token, dict) else None
    if not isinstance(rep_scope, dict):
        return None
    values = rep_scope.get("values")
    if values is None and "value" in rep_scope:
        values = [rep_scope["value"]]
    if not isinstance(values, list):
        return None
    return [v for v in values if isinstance(v, str)]
