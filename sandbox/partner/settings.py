"""Settings of the demo partner site process (development and tests only).

Run it with: manage.py runserver 127.0.0.1:8002 --settings=sandbox.partner.settings
It talks to Relais over HTTP only and imports nothing from Relais. Sessions live in signed
cookies: no database.
"""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}


def _flag(name: str, default: str = "") -> bool:
    return os.environ.get(name, default).strip().lower() in _TRUE


TEST_MODE = _flag("PARTNER_TEST_MODE")
DEBUG = _flag("DEBUG")
if not (DEBUG or TEST_MODE):
    raise ImproperlyConfigured("The demo partner site runs only with DEBUG or in tests.")

_PORT = int(os.environ.get("PORT", "8000"))

SECRET_KEY = "partner-sandbox-only-not-a-secret"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "sandbox.partner.urls"
INSTALLED_APPS = ["django.contrib.sessions"]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
SESSION_COOKIE_NAME = "partner_session"
# Relais redirects back here from another origin: Lax lets the session cookie follow.
SESSION_COOKIE_SAMESITE = "Lax"
# Cookies ignore ports: distinct names so Relais (same host) keeps its own.
CSRF_COOKIE_NAME = "partner_csrftoken"
DATABASES: dict[str, dict[str, str]] = {}
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [Path(__file__).resolve().parent / "templates"],
        "OPTIONS": {"context_processors": ["django.template.context_processors.csrf"]},
    }
]
USE_TZ = True
LANGUAGE_CODE = "fr-fr"
X_FRAME_OPTIONS = "DENY"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

PARTNER = {
    "NAME": os.environ.get("PARTNER_NAME", "Démarche en ligne (démo)"),
    "RELAIS_ISSUER": os.environ.get("PARTNER_RELAIS_URL", f"http://127.0.0.1:{_PORT}").rstrip("/"),
    "BASE_URL": os.environ.get("PARTNER_BASE_URL", f"http://127.0.0.1:{_PORT + 2}").rstrip("/"),
    "CLIENT_ID": os.environ.get("PARTNER_CLIENT_ID", "demo-partenaire"),
    "CLIENT_SECRET": os.environ.get(
        "PARTNER_CLIENT_SECRET", "demo-partenaire-secret-non-confidentiel"
    ),
    # client_secret_basic (partners) or client_secret_post (FranceConnect-like)
    "AUTH_METHOD": os.environ.get("PARTNER_AUTH_METHOD", "client_secret_basic"),
    # The algorithm agreed at registration: ES256/RS256 via the JWKS, or HS256 (secret).
    "ID_TOKEN_ALG": os.environ.get("PARTNER_ID_TOKEN_ALG", "ES256"),
    "USE_PKCE": _flag("PARTNER_USE_PKCE", "true"),
    "SCOPE": os.environ.get("PARTNER_SCOPE", "openid profile email birth"),
    "REP_SCOPE": os.environ.get("PARTNER_REP_SCOPE", "papiers,famille,social").split(","),
    "TIMEOUT_SECONDS": 5.0,
}
