"""Run Python in a fresh interpreter with production-like settings (DEBUG off).

One place lists what production requires, so that each app's settings tests start from a
valid production environment and change only what they are about.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "x9!k2#pQ7rT0vW4yZ8bC1dF5gH3jL6mN-" * 2,
    "ALLOWED_HOSTS": "relais.example.fr",
    "SITE_URL": "https://relais.example.fr/",
    "JOURNAL_SIGNING_KEY": "cHJvZHVjdGlvbi1saWtlLWVkMjU1MTktc2VlZC0zMmI=",
    "OIDC_ENCRYPTION_KEY": "production-like-oidc-encryption-key-0123456789",
    "OIDC_PAIRWISE_SALT": "production-like-oidc-pairwise-salt-0123456789",
    "DJANGO_SETTINGS_MODULE": "config.settings",
}

# Variables of the developer's or the test run's environment that must not leak in.
_STRIPPED_PREFIXES = ("OIDC_", "FC_", "JOURNAL_", "SECURE_", "SESSION_", "EMAIL_")
_STRIPPED = {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "SITE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}


def run_python(
    code: str | None = None, *, args: list[str] | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    """Runs `python -c code` (or `python *args`) with exactly the Relais settings in `env`.

    The caller passes **PRODUCTION_ENV (changed or trimmed) to start from a valid production.
    """
    base = {
        key: value
        for key, value in os.environ.items()
        if key not in _STRIPPED and not key.startswith(_STRIPPED_PREFIXES)
    }
    base["DJANGO_SETTINGS_MODULE"] = "config.settings"
    command = [sys.executable, *(args or ["-c", code or "import django; django.setup()"])]
    return subprocess.run(
        command, cwd=ROOT, env=base | env, capture_output=True, text=True, timeout=60, check=False
    )
