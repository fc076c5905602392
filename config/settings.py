"""Relais settings: one module, driven by the environment (see README, "Configuration")."""

import base64
import binascii
import hashlib
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)

_DEV_SECRET_KEY = "dev-only-insecure-secret-key-never-use-in-production"
SECRET_KEY = env_str("SECRET_KEY", _DEV_SECRET_KEY)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"] if DEBUG else [])

if not DEBUG:
    if SECRET_KEY == _DEV_SECRET_KEY or len(SECRET_KEY) < 32:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set to a random value of at least 32 characters when DEBUG is off."
        )
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off.")

INSTALLED_APPS = [
    "aidants.apps.RelaisAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "aidants",
    "mandats",
    "oidc",
    "journal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "aidants.middleware.OTPMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "aidants.middleware.OTPRequiredMiddleware",
    "aidants.middleware.CurrentOrganisationMiddleware",
    "aidants.middleware.ActivityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Last, so that it sees the final response and can turn it into the lockout page.
    "axes.middleware.AxesMiddleware",
]

if not DEBUG:
    # Production serves collected static files itself; development uses runserver's.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "aidants.context_processors.current_organisation",
            ],
        },
    },
]

# Database: SQLite by default so that `make run` needs nothing; PostgreSQL in tests and production.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Parameters are bound by the server, and a statement run twice on a connection is
    # prepared: PostgreSQL then skips parsing and planning it again, which cost more than
    # executing most of Relais's queries (the OIDC flow's token lookup took 2.5 ms to plan
    # and 0.15 ms to run). Set DATABASE_PREPARE_THRESHOLD=0 behind a pooler in transaction
    # mode, where a prepared statement may not be on the next transaction's connection.
    _prepare_threshold = env_int("DATABASE_PREPARE_THRESHOLD", 2)
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True,
        prepare_threshold=_prepare_threshold if _prepare_threshold > 0 else None,
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis: cache and Celery broker. Without it, local memory and eager tasks.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "config.cache.SharedClientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "relais"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = "Europe/Paris"
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {}

# Authentication
AUTH_USER_MODEL = "aidants.Aidant"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "aidants.backends.AidantBackend",
]
LOGIN_URL = "aidants:login"
LOGIN_REDIRECT_URL = "aidants:espace"
LOGOUT_REDIRECT_URL = "aidants:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = env_int("INVITATION_TIMEOUT_SECONDS", 7 * 24 * 3600)

# OTP: 15 minutes without activity makes sensitive views ask for the code again.
OTP_TOTP_ISSUER = "Relais"
# Brute force is handled by django-axes (5 failures, password or code, per user and IP).
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
OTP_FRESH_IDLE_SECONDS = env_int("OTP_FRESH_IDLE_SECONDS", 15 * 60)

# django-axes: 5 failures (password or OTP) per user and IP lock out for 30 minutes.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 30) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "aidants.axes_config.get_username"
AXES_LOCKOUT_TEMPLATE = "aidants/lockout.html"
AXES_SENSITIVE_PARAMETERS = ["password", "code", "new_password1", "new_password2"]
# Reset only after the OTP step succeeds (see aidants.views.auth), never after the password.
AXES_RESET_ON_SUCCESS = False
AXES_VERBOSE = False
AXES_IPWARE_PROXY_COUNT = env_int("PROXY_COUNT", 0) or None
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"

# Sessions expire after an idle period.
# Sessions live in PostgreSQL; with Redis they are also cached there, so that a page reads
# its session from Redis rather than querying the database. Without Redis (make run) the
# cache is per process, which could serve another process's stale session: database only.
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if REDIS_URL
    else "django.contrib.sessions.backends.db"
)
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_SECONDS", 3600)
# Not on every request: aidants.middleware.ActivityMiddleware saves it once a minute at most.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_COOKIE_HTTPONLY = True
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# Security headers
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
}

# Email: console in development, SMTP in production.
if env_str("EMAIL_HOST") or not DEBUG:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": env_str("EMAIL_HOST", "localhost"),
                "port": env_int("EMAIL_PORT", 25),
                "username": env_str("EMAIL_HOST_USER"),
                "password": env_str("EMAIL_HOST_PASSWORD"),
                "use_tls": env_bool("EMAIL_USE_TLS", False),
                "timeout": env_int("EMAIL_TIMEOUT", 10),
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Relais <ne-pas-repondre@relais.localhost>")
# Absolute base for links in emails (invitations), e.g. https://relais.example.fr
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000" if DEBUG else "").rstrip("/")
if not DEBUG and not SITE_URL.startswith(("https://", "http://")):
    # Otherwise invitation emails would carry links to the development address.
    raise ImproperlyConfigured("SITE_URL must be set to the public address when DEBUG is off.")

# Internationalisation
LANGUAGE_CODE = "fr-fr"
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Request bodies and querystrings may carry codes and tokens: never log them.
        "django.request": {"level": "ERROR"},
        "django.db.backends": {"level": "WARNING"},
        # oidc: authlib logs issued tokens at DEBUG level, never let that through.
        "authlib": {"level": "WARNING"},
    },
}

# Journal (issue 3): Ed25519 key of the signed checkpoints, base64 of the 32-byte seed.
# In DEBUG only, a stable development key is derived from SECRET_KEY.
JOURNAL_SIGNING_KEY = env_str("JOURNAL_SIGNING_KEY")
if not JOURNAL_SIGNING_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("JOURNAL_SIGNING_KEY must be set when DEBUG is off.")
    JOURNAL_SIGNING_KEY = base64.b64encode(
        hashlib.sha256(b"relais-journal-dev-key:" + SECRET_KEY.encode()).digest()
    ).decode()
try:
    _journal_seed_length = len(base64.b64decode(JOURNAL_SIGNING_KEY, validate=True))
except binascii.Error:
    _journal_seed_length = 0
if _journal_seed_length != 32:
    raise ImproperlyConfigured(
        "JOURNAL_SIGNING_KEY must be the base64 of a 32-byte Ed25519 seed "
        "(python -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())')."
    )
# Public keys (base64) of retired signing keys, so that old checkpoints still verify.
JOURNAL_RETIRED_PUBLIC_KEYS = env_list("JOURNAL_RETIRED_PUBLIC_KEYS")
# Every committed entry is sealed within this bound; verify reports older unsealed entries.
JOURNAL_SEAL_BOUND_SECONDS = env_int("JOURNAL_SEAL_BOUND_SECONDS", 10)
JOURNAL_CHECKPOINT_INTERVAL_SECONDS = env_int("JOURNAL_CHECKPOINT_INTERVAL_SECONDS", 60)
# Without a Celery worker (`make run`), seal right after each commit.
JOURNAL_SEAL_ON_COMMIT = env_bool("JOURNAL_SEAL_ON_COMMIT", CELERY_TASK_ALWAYS_EAGER)
CELERY_BEAT_SCHEDULE["journal-seal"] = {"task": "journal.tasks.seal_journal", "schedule": 2.0}
CELERY_BEAT_SCHEDULE["journal-verify"] = {
    "task": "journal.tasks.verify_journal",
    "schedule": float(env_int("JOURNAL_VERIFY_INTERVAL_SECONDS", 24 * 3600)),
}
# Mandats (issue 4): the FranceConnect client that identifies usagers. In DEBUG it defaults
# to the local sandbox (sandbox/franceconnect), which `make run` serves on PORT + 1.
_RELAIS_PORT = env_int("PORT", 8000)
_LOCAL_RELAIS = f"http://127.0.0.1:{_RELAIS_PORT}"
_FC_SANDBOX_SECRET = "relais-sandbox-secret"
FRANCECONNECT = {
    "ISSUER": env_str("FC_ISSUER", f"http://127.0.0.1:{_RELAIS_PORT + 1}/api/v2" if DEBUG else ""),
    "CLIENT_ID": env_str("FC_CLIENT_ID", "relais-sandbox" if DEBUG else ""),
    "CLIENT_SECRET": env_str("FC_CLIENT_SECRET", _FC_SANDBOX_SECRET if DEBUG else ""),
    "REDIRECT_URI": env_str(
        "FC_REDIRECT_URI", f"{_LOCAL_RELAIS}/mandats/franceconnect/retour/" if DEBUG else ""
    ),
    "POST_LOGOUT_REDIRECT_URI": env_str(
        "FC_POST_LOGOUT_REDIRECT_URI",
        f"{_LOCAL_RELAIS}/mandats/franceconnect/deconnexion/" if DEBUG else "",
    ),
    "SCOPES": env_str(
        "FC_SCOPES",
        "openid given_name family_name birthdate gender birthplace birthcountry email "
        "preferred_username",
    ),
    "ACR": "eidas1",
    "TIMEOUT_SECONDS": env_int("FC_TIMEOUT_SECONDS", 5),
}
if not DEBUG and FRANCECONNECT["CLIENT_SECRET"] == _FC_SANDBOX_SECRET:
    raise ImproperlyConfigured("FC_CLIENT_SECRET must be the real FranceConnect secret.")
# Renewing a mandate asks the usager to identify with FranceConnect again.
MANDATS_RENEWAL_REQUIRES_FRANCECONNECT = env_bool("MANDATS_RENEWAL_REQUIRES_FRANCECONNECT", True)
# Expiry reminders: mandates ending within this many days, emailed once to their structure.
MANDATS_REMINDER_DAYS = env_int("MANDATS_REMINDER_DAYS", 30)
CELERY_BEAT_SCHEDULE["mandats-expiry-reminders"] = {
    "task": "mandats.tasks.send_expiry_reminders",
    "schedule": 6 * 3600,
}
# httpx logs every URL it calls at INFO: keep provider URLs (and any token in them) out.
LOGGING["loggers"]["httpx"] = {"level": "WARNING"}  # type: ignore[index]
LOGGING["loggers"]["httpcore"] = {"level": "WARNING"}  # type: ignore[index]
# WeasyPrint reports each rendering step at INFO.
LOGGING["loggers"]["weasyprint.progress"] = {"level": "WARNING"}  # type: ignore[index]
# OpenID Connect provider (oidc app). Secrets below have DEBUG-only development defaults.
_DEV_OIDC_ENCRYPTION_KEY = "dev-only-oidc-encryption-key-never-use-in-production"
_DEV_OIDC_PAIRWISE_SALT = "dev-only-oidc-pairwise-salt-never-use-in-production"
OIDC_ENCRYPTION_KEY = env_str("OIDC_ENCRYPTION_KEY", _DEV_OIDC_ENCRYPTION_KEY if DEBUG else "")
OIDC_PAIRWISE_SALT = env_str("OIDC_PAIRWISE_SALT", _DEV_OIDC_PAIRWISE_SALT if DEBUG else "")
if not DEBUG:
    for _name, _value, _dev in (
        ("OIDC_ENCRYPTION_KEY", OIDC_ENCRYPTION_KEY, _DEV_OIDC_ENCRYPTION_KEY),
        ("OIDC_PAIRWISE_SALT", OIDC_PAIRWISE_SALT, _DEV_OIDC_PAIRWISE_SALT),
    ):
        if _value == _dev or len(_value) < 32:
            raise ImproperlyConfigured(
                f"{_name} must be set to a random value of at least 32 characters "
                "when DEBUG is off."
            )
# The issuer is Relais's public base URL; discovery is at /.well-known/openid-configuration.
OIDC_ISSUER = env_str("OIDC_ISSUER", SITE_URL).rstrip("/")
# Optional private JWK set ({"keys": [...]}, each with "alg" and "kid"); else keys are
# generated into the database, encrypted with OIDC_ENCRYPTION_KEY.
OIDC_SIGNING_JWKS = env_str("OIDC_SIGNING_JWKS")
OIDC_CODE_SECONDS = min(env_int("OIDC_CODE_SECONDS", 60), 60)
OIDC_ACCESS_TOKEN_SECONDS = env_int("OIDC_ACCESS_TOKEN_SECONDS", 120)
OIDC_ID_TOKEN_SECONDS = env_int("OIDC_ID_TOKEN_SECONDS", 600)
# Retired signing keys stay published this long: every token they signed has expired by then.
OIDC_MAX_TOKEN_SECONDS = max(OIDC_ACCESS_TOKEN_SECONDS, OIDC_ID_TOKEN_SECONDS) + 300
