"""Production refuses to sign checkpoints with a development key."""

import pytest

from tests.production import PRODUCTION_ENV, run_python

KEY_OF = (
    "import django; django.setup(); from django.conf import settings; "
    "print(settings.JOURNAL_SIGNING_KEY)"
)


def test_production_refuses_a_missing_signing_key():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "JOURNAL_SIGNING_KEY"}
    result = run_python(KEY_OF, **env)
    assert result.returncode != 0
    assert "JOURNAL_SIGNING_KEY must be set" in result.stderr


@pytest.mark.parametrize("key", ["pas-du-base64!", "c2hvcnQ="])
def test_a_malformed_signing_key_is_refused(key):
    result = run_python(KEY_OF, **(PRODUCTION_ENV | {"JOURNAL_SIGNING_KEY": key}))
    assert result.returncode != 0
    assert "32-byte Ed25519 seed" in result.stderr


def test_production_starts_with_a_proper_signing_key():
    result = run_python(KEY_OF, **PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == PRODUCTION_ENV["JOURNAL_SIGNING_KEY"]


def test_development_derives_a_stable_key_without_configuration():
    first = run_python(KEY_OF, DEBUG="true")
    second = run_python(KEY_OF, DEBUG="true")
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout and len(first.stdout.strip()) == 44
