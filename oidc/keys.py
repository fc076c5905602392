"""Signing keys: ES256 by default, RS256 available, HS256 with an HS256 client's secret.

Private keys come from OIDC_SIGNING_JWKS (a private JWK set in the environment) or are
generated into the database at first use, encrypted with OIDC_ENCRYPTION_KEY. Retired keys
stay in the JWKS until every token they signed has expired.
"""

from __future__ import annotations

import json
import time
from datetime import timedelta
from functools import cache
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from joserfc.jwk import ECKey, OctKey, RSAKey

from oidc import crypto
from oidc.models import Client, SigningKey

AsymmetricKey = ECKey | RSAKey


@cache
def _env_keys() -> dict[str, AsymmetricKey]:
    """alg -> key, from OIDC_SIGNING_JWKS (a private JWK set with "alg" and "kid")."""
    raw = settings.OIDC_SIGNING_JWKS
    if not raw:
        return {}
    keys: dict[str, AsymmetricKey] = {}
    for data in json.loads(raw)["keys"]:
        key_class = ECKey if data["kty"] == "EC" else RSAKey
        keys[data["alg"]] = key_class.import_key(data)
    return keys


@cache
def _decrypt(kid: str, alg: str, encrypted: str) -> AsymmetricKey:
    key_class = ECKey if alg == "ES256" else RSAKey
    return key_class.import_key(json.loads(crypto.decrypt(encrypted)))


def _generate(alg: str) -> AsymmetricKey:
    if alg == "ES256":
        return ECKey.generate_key("P-256", private=True, auto_kid=True)
    return RSAKey.generate_key(2048, private=True, auto_kid=True)


def create_signing_key(alg: str) -> SigningKey:
    """Adds a new active key for alg and retires the previous one (key rotation)."""
    key = _generate(alg)
    with transaction.atomic():
        SigningKey.objects.select_for_update().filter(alg=alg, retired_at__isnull=True).update(
            retired_at=timezone.now()
        )
        forget_active_keys()
        return SigningKey.objects.create(
            kid=str(key.kid),
            alg=alg,
            private_jwk_encrypted=crypto.encrypt(json.dumps(key.as_dict(private=True))),
            public_jwk=key.as_dict(private=False) | {"alg": alg, "use": "sig"},
        )


# Each process remembers the active key briefly: after a rotation, other processes keep
# signing with the previous key for at most this long, and that key stays in the JWKS.
ACTIVE_KEY_TTL_SECONDS = 30
_active: dict[str, tuple[float, AsymmetricKey]] = {}


def active_key(alg: str) -> AsymmetricKey:
    if alg in _env_keys():
        return _env_keys()[alg]
    cached = _active.get(alg)
    if cached is not None and cached[0] > time.monotonic():
        return cached[1]
    key = _load_active_key(alg)
    _active[alg] = (time.monotonic() + ACTIVE_KEY_TTL_SECONDS, key)
    return key


def forget_active_keys() -> None:
    _active.clear()


def _load_active_key(alg: str) -> AsymmetricKey:
    row = SigningKey.objects.filter(alg=alg, retired_at__isnull=True).first()
    if row is None:
        try:
            row = create_signing_key(alg)
        except IntegrityError:  # another process created it first
            row = SigningKey.objects.get(alg=alg, retired_at__isnull=True)
    return _decrypt(row.kid, row.alg, row.private_jwk_encrypted)


def signing_key_for(client: Client, alg: str) -> tuple[AsymmetricKey | OctKey, dict[str, str]]:
    """The key and the JOSE header to sign for this client with alg."""
    if alg == "HS256":
        return OctKey.import_key(client.recover_secret()), {"alg": alg}
    key = active_key(alg)
    return key, {"alg": alg, "kid": str(key.kid)}


def public_jwks() -> dict[str, list[dict[str, Any]]]:
    for alg in ("ES256", "RS256"):
        active_key(alg)  # makes sure both algorithms have a key to publish
    keep_since = timezone.now() - timedelta(seconds=settings.OIDC_MAX_TOKEN_SECONDS)
    rows = SigningKey.objects.exclude(retired_at__lt=keep_since).order_by("-created_at")
    published = [dict(row.public_jwk) for row in rows]
    for alg, key in _env_keys().items():
        published.insert(0, key.as_dict(private=False) | {"alg": alg, "use": "sig"})
    return {"keys": published}
