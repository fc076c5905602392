"""Settings of the FranceConnect sandbox process.

Run it with: manage.py runserver 127.0.0.1:8001 --settings=sandbox.franceconnect.settings
It refuses to start unless DEBUG is on or FC_SANDBOX_TEST_MODE is set: it signs tokens for
fake identities and must never run in production.
"""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in _TRUE


TEST_MODE = _flag("FC_SANDBOX_TEST_MODE")
DEBUG = _flag("DEBUG")
if not (DEBUG or TEST_MODE):
    raise ImproperlyConfigured("The FranceConnect sandbox runs only with DEBUG or in tests.")

_PORT = int(os.environ.get("PORT", "8000"))
_RELAIS_URL = os.environ.get("FC_SANDBOX_RELAIS_URL", f"http://127.0.0.1:{_PORT}").rstrip("/")

SECRET_KEY = "sandbox-only-not-a-secret"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "sandbox.franceconnect.urls"
INSTALLED_APPS = ["django.contrib.staticfiles"]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
DATABASES: dict[str, dict[str, str]] = {}
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [Path(__file__).resolve().parent / "templates"],
        "OPTIONS": {"context_processors": ["django.template.context_processors.csrf"]},
    }
]
STATIC_URL = "static/"
USE_TZ = True
LANGUAGE_CODE = "fr-fr"
X_FRAME_OPTIONS = "DENY"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

FC_SANDBOX = {
    "ISSUER": os.environ.get("FC_SANDBOX_ISSUER", f"http://127.0.0.1:{_PORT + 1}/api/v2"),
    "CLIENT_ID": os.environ.get("FC_SANDBOX_CLIENT_ID", "relais-sandbox"),
    "CLIENT_SECRET": os.environ.get("FC_SANDBOX_CLIENT_SECRET", "relais-sandbox-secret"),
    "REDIRECT_URIS": os.environ.get(
        "FC_SANDBOX_REDIRECT_URIS", f"{_RELAIS_URL}/mandats/franceconnect/retour/"
    ).split(","),
    "POST_LOGOUT_REDIRECT_URIS": os.environ.get(
        "FC_SANDBOX_POST_LOGOUT_URIS", f"{_RELAIS_URL}/mandats/franceconnect/deconnexion/"
    ).split(","),
    # FranceConnect's lifetimes: authorization code 30 s, access token 60 s.
    "CODE_LIFETIME": 30,
    "ACCESS_TOKEN_LIFETIME": 60,
    "ID_TOKEN_LIFETIME": 60,
    # Only in tests: the authorize form accepts a `fault` to emit a bad token on purpose.
    "TEST_MODE": TEST_MODE,
}
