"""Neither the password, the OTP code nor the device seed reaches any log record."""

import logging
from base64 import b32encode

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import PASSWORD, current_code

pytestmark = pytest.mark.django_db

WRONG_PASSWORD = "Mauvais-Secret-Tres-Reconnaissable-42"


def _everything_logged(caplog: pytest.LogCaptureFixture) -> str:
    parts = [caplog.text]
    for record in caplog.records:
        parts.append(record.getMessage())
        parts.append(repr(record.args))
        parts.append(repr(record.__dict__))
    return "\n".join(parts)


@pytest.fixture
def all_debug_logs(caplog):
    caplog.set_level(logging.DEBUG)
    for name in ("django", "django.request", "django.security", "axes", "django_otp"):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def test_login_journeys_log_no_secret(client, aidant, all_debug_logs):
    device = TOTPDevice.objects.get(user=aidant)
    login = reverse("aidants:login")
    otp = reverse("aidants:otp")

    client.post(login, {"email": aidant.email, "password": WRONG_PASSWORD})
    client.post(login, {"email": aidant.email, "password": PASSWORD})
    good = current_code(device)
    wrong = f"{(int(good) + 3) % 1_000_000:06d}"
    client.post(otp, {"code": wrong})
    assert client.post(otp, {"code": good}).status_code == 302
    client.post(reverse("aidants:logout"))
    # Replay, then lockout, both logged by django-axes.
    client.post(login, {"email": aidant.email, "password": PASSWORD})
    client.post(otp, {"code": good})
    for _ in range(5):
        client.post(login, {"email": aidant.email, "password": WRONG_PASSWORD})

    logged = _everything_logged(all_debug_logs)
    assert all_debug_logs.records, "the journeys should log something (axes does)"
    seed_b32 = b32encode(device.bin_key).decode().rstrip("=")
    for secret in (PASSWORD, WRONG_PASSWORD, good, wrong, device.key, seed_b32):
        assert secret not in logged, f"a secret reached the logs: {secret[:3]}…"


def test_invitation_password_is_not_logged(client, responsable, organisation, all_debug_logs):
    from aidants.services import add_aidant, invitation_url

    membership = add_aidant(
        responsable=responsable,
        organisation=organisation,
        email="log@relais.test",
        first_name="L",
        last_name="G",
    )
    url = invitation_url(membership.aidant).split("://", 1)[1].split("/", 1)[1]
    page = client.get("/" + url, follow=True)
    form_url = page.redirect_chain[-1][0]
    new = "Une-Phrase-Neuve-Pour-Les-Logs-2026"
    client.post(form_url, {"new_password1": new, "new_password2": new + "x"})
    client.post(form_url, {"new_password1": new, "new_password2": new})
    logged = _everything_logged(all_debug_logs)
    assert new not in logged
    token = url.rstrip("/").split("/")[-1]
    assert token not in logged
