"""otp_fresh_required asks for a new OTP after OTP_FRESH_IDLE_SECONDS without activity."""

import time
from urllib.parse import urlencode

import pytest
import time_machine
from django.conf import settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import PASSWORD, current_code

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.aidants.fresh_urls")]

SENSITIVE = "/sensible/"
OTP_REDIRECT = "/connexion/code/?" + urlencode({"next": SENSITIVE})


def _log_in(client, aidant):
    """The real two steps, so that the session is a genuine one."""
    device = TOTPDevice.objects.get(user=aidant)
    client.post("/connexion/", {"email": aidant.email, "password": PASSWORD})
    response = client.post("/connexion/code/", {"code": current_code(device)})
    assert response.status_code == 302
    return device


def test_an_active_aidant_is_not_asked_again(client, aidant):
    start = time.time()
    with time_machine.travel(start, tick=False) as traveller:
        _log_in(client, aidant)
        for _ in range(3):
            traveller.shift(settings.OTP_FRESH_IDLE_SECONDS - 60)
            response = client.get(SENSITIVE)
            assert response.status_code == 200
            assert response.content == b"sensible"


def test_an_idle_aidant_must_verify_a_new_code(client, aidant):
    start = time.time()
    with time_machine.travel(start, tick=False) as traveller:
        device = _log_in(client, aidant)
        assert client.get(SENSITIVE).status_code == 200

        traveller.shift(settings.OTP_FRESH_IDLE_SECONDS + 1)
        response = client.get(SENSITIVE)
        assert response.status_code == 302
        assert response.url == OTP_REDIRECT
        # Coming back at once, without a code, does not help.
        response = client.get(SENSITIVE)
        assert response.status_code == 302
        assert response.url == OTP_REDIRECT

        page = client.get(OTP_REDIRECT)
        assert "Confirmez votre identité" in page.content.decode()
        # A wrong code keeps the view closed.
        wrong = f"{(int(current_code(device)) + 1) % 1_000_000:06d}"
        client.post(OTP_REDIRECT, {"code": wrong, "next": SENSITIVE})
        assert client.get(SENSITIVE).status_code == 302

        response = client.post(OTP_REDIRECT, {"code": current_code(device), "next": SENSITIVE})
        assert response.status_code == 302
        assert response.url == SENSITIVE
        response = client.get(SENSITIVE)
        assert response.status_code == 200


def test_ordinary_views_stay_open_after_idling(client, aidant):
    """Only sensitive views ask again: the espace does not."""
    start = time.time()
    with time_machine.travel(start, tick=False) as traveller:
        _log_in(client, aidant)
        traveller.shift(settings.OTP_FRESH_IDLE_SECONDS + 1)
        assert client.get("/espace/").status_code == 200
        # The idle period is remembered: the sensitive view still asks.
        assert client.get(SENSITIVE).status_code == 302


def test_the_idle_period_is_configurable(client, aidant, settings):
    settings.OTP_FRESH_IDLE_SECONDS = 60
    start = time.time()
    with time_machine.travel(start, tick=False) as traveller:
        _log_in(client, aidant)
        traveller.shift(61)
        assert client.get(SENSITIVE).status_code == 302


def test_an_anonymous_visitor_is_sent_to_login(client, db):
    response = client.get(SENSITIVE)
    assert response.status_code == 302
    assert response.url.startswith("/connexion/?")
