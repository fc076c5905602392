"""Secrets at rest: hashes for what we only compare, Fernet for what we must recover."""

import base64
import hashlib
import hmac
import secrets

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def hash_secret(value: str) -> str:
    """SHA-256 of a high-entropy random value (codes, tokens, client secrets).

    These values carry 256 random bits, so a slow password hash adds nothing but latency on
    the token endpoint; a plain digest cannot be brute-forced.
    """
    return hashlib.sha256(value.encode()).hexdigest()


def secrets_match(value: str, digest: str) -> bool:
    return hmac.compare_digest(hash_secret(value), digest)


def _fernet() -> Fernet:
    # Any string is accepted as the setting; it is stretched into a Fernet key.
    raw = hashlib.sha256(settings.OIDC_ENCRYPTION_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(raw))


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("OIDC_ENCRYPTION_KEY does not decrypt this value") from exc


def pairwise_sub(*, sector: str, usager_sub: str) -> str:
    """Stable, per-client identifier of an usager: 64 hex characters then "v1", like FC."""
    digest = hmac.new(
        settings.OIDC_PAIRWISE_SALT.encode(), f"{sector}\n{usager_sub}".encode(), hashlib.sha256
    ).hexdigest()
    return f"{digest}v1"


def constant_time_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
