"""The environment a benchmark runs Relais in: DEBUG off, as in production, with throwaway
secrets. Under DEBUG every query is also logged in memory, which no deployment pays for."""

from __future__ import annotations

import base64
import os
import secrets


def production_like(site_url: str = "http://127.0.0.1") -> dict[str, str]:
    return {
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": site_url,
        "SECURE_COOKIES": "false",
        "JOURNAL_SIGNING_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "OIDC_ENCRYPTION_KEY": secrets.token_urlsafe(48),
        "OIDC_PAIRWISE_SALT": secrets.token_urlsafe(48),
        "LOG_LEVEL": "WARNING",
    }


def use_production_like(site_url: str = "http://127.0.0.1") -> dict[str, str]:
    env = production_like(site_url)
    os.environ.update(env)
    return env
