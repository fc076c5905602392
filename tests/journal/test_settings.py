"""Production refuses to sign checkpoints with a development key."""

import pytest

from tests.aidants.test_settings_production import DUMP, GOOD_SECRET, _run

PRODUCTION = {"DEBUG": "false", "SECRET_KEY": GOOD_SECRET, "ALLOWED_HOSTS": "relais.example.fr"}


def test_production_refuses_a_missing_signing_key():
    result = _run(DUMP, JOURNAL_SIGNING_KEY="", **PRODUCTION)
    assert result.returncode != 0
    assert "JOURNAL_SIGNING_KEY must be set" in result.stderr


@pytest.mark.parametrize("key", ["pas-du-base64!", "c2hvcnQ="])
def test_a_malformed_signing_key_is_refused(key):
    result = _run(DUMP, JOURNAL_SIGNING_KEY=key, **PRODUCTION)
    assert result.returncode != 0
    assert "32-byte Ed25519 seed" in result.stderr


def test_production_starts_with_a_proper_signing_key():
    result = _run(DUMP, **PRODUCTION)
    assert result.returncode == 0, result.stderr


def test_development_derives_a_stable_key_without_configuration():
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.JOURNAL_SIGNING_KEY)"
    )
    first = _run(code, DEBUG="true", JOURNAL_SIGNING_KEY="")
    second = _run(code, DEBUG="true", JOURNAL_SIGNING_KEY="")
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout and len(first.stdout.strip()) == 44
