"""Production settings, checked in a fresh interpreter with DEBUG off."""

import json
import re
from pathlib import Path

import pytest

from tests.production import PRODUCTION_ENV as PRODUCTION
from tests.production import run_python

ROOT = Path(__file__).resolve().parents[2]
GOOD_SECRET = PRODUCTION["SECRET_KEY"]
SETUP = "import django; django.setup(); "
DUMP = (
    SETUP + "from django.conf import settings as s; import json; print(json.dumps({"
    "'secure': s.SESSION_COOKIE_SECURE, 'csrf_secure': s.CSRF_COOKIE_SECURE,"
    "'session_httponly': s.SESSION_COOKIE_HTTPONLY, 'hsts': s.SECURE_HSTS_SECONDS,"
    "'hsts_sub': s.SECURE_HSTS_INCLUDE_SUBDOMAINS, 'debug': s.DEBUG,"
    "'hosts': s.ALLOWED_HOSTS, 'idle': s.SESSION_COOKIE_AGE,"
    "'mailer': s.MAILERS['default']['BACKEND'], 'site': s.SITE_URL}))"
)


_run = run_python


def test_production_refuses_the_default_secret_key():
    result = _run(**{**PRODUCTION, "SECRET_KEY": ""})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
    env = dict(PRODUCTION)
    del env["SECRET_KEY"]
    result = _run(**env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_a_short_secret_key():
    result = _run(**{**PRODUCTION, "SECRET_KEY": "court"})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_missing_allowed_hosts():
    for hosts in (None, " , "):
        env = {key: value for key, value in PRODUCTION.items() if key != "ALLOWED_HOSTS"}
        if hosts is not None:
            env["ALLOWED_HOSTS"] = hosts
        result = _run(**env)
        assert result.returncode != 0
        assert "ALLOWED_HOSTS" in result.stderr


def test_production_refuses_a_missing_site_url():
    """Invitation links would otherwise point at the development address."""
    env = {key: value for key, value in PRODUCTION.items() if key != "SITE_URL"}
    result = _run(**env)
    assert result.returncode != 0
    assert "SITE_URL" in result.stderr


def test_debug_defaults_to_off():
    """Without DEBUG at all, the production checks apply."""
    result = _run(SECRET_KEY=GOOD_SECRET)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


def test_production_starts_with_proper_values_and_is_hardened():
    result = _run(DUMP, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["debug"] is False
    assert values["hosts"] == ["relais.example.fr"]
    assert values["secure"] is True
    assert values["csrf_secure"] is True
    assert values["session_httponly"] is True
    assert values["hsts"] >= 31536000
    assert values["hsts_sub"] is True
    assert values["mailer"] == "django.core.mail.backends.smtp.EmailBackend"
    assert values["site"] == "https://relais.example.fr"


def _issues(output: str) -> set[str]:
    return set(re.findall(r"\(([a-z_]+\.[WE]\d+)\)", output))


def test_check_deploy_has_no_security_warning_with_production_values():
    result = _run(args=["manage.py", "check", "--deploy"], **PRODUCTION, SECURE_SSL_REDIRECT="true")
    assert result.returncode == 0, result.stdout + result.stderr
    # HSTS preload is a deliberate operator's choice (hard to undo): the only note allowed.
    assert _issues(result.stdout + result.stderr) <= {"security.W021"}


def test_check_deploy_flags_insecure_cookies_when_turned_off():
    """The deploy check sees the settings we read: a sanity check for the test above."""
    result = _run(
        args=["manage.py", "check", "--deploy"],
        **PRODUCTION,
        SECURE_SSL_REDIRECT="true",
        SECURE_COOKIES="false",
    )
    assert {"security.W012", "security.W016"} <= _issues(result.stdout + result.stderr)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DEBUG", "maybe"),
        ("SESSION_IDLE_SECONDS", "abc"),
        ("SECURE_COOKIES", "oui-non"),
        ("OTP_FRESH_IDLE_SECONDS", "15min"),
    ],
)
def test_bad_environment_values_fail_loudly(name, value):
    env = {"DEBUG": "true", name: value}
    result = _run(**env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert name in result.stderr
    assert repr(value) in result.stderr


def test_session_idle_time_comes_from_the_environment():
    result = _run(DUMP, DEBUG="true", SESSION_IDLE_SECONDS="900")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["idle"] == 900
