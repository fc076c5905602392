"""Sessions end after SESSION_IDLE_SECONDS without activity; activity keeps them alive."""

import time

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import PASSWORD, current_code

pytestmark = pytest.mark.django_db

ESPACE = reverse("aidants:espace")


def _log_in(client, aidant):
    device = TOTPDevice.objects.get(user=aidant)
    client.post(reverse("aidants:login"), {"email": aidant.email, "password": PASSWORD})
    assert client.post(reverse("aidants:otp"), {"code": current_code(device)}).status_code == 302


def test_idle_session_expires(client, aidant):
    with time_machine.travel(time.time(), tick=False) as traveller:
        _log_in(client, aidant)
        assert client.get(ESPACE).status_code == 200
        traveller.shift(settings.SESSION_COOKIE_AGE + 1)
        response = client.get(ESPACE)
        assert response.status_code == 302
        assert response.url.startswith(reverse("aidants:login"))


def test_activity_keeps_the_session_alive(client, aidant):
    with time_machine.travel(time.time(), tick=False) as traveller:
        _log_in(client, aidant)
        for _ in range(4):
            traveller.shift(settings.SESSION_COOKIE_AGE - 60)
            assert client.get(ESPACE).status_code == 200


def test_session_expires_at_browser_close_and_idle_age_comes_from_settings(client, aidant):
    _log_in(client, aidant)
    assert client.session.get_expire_at_browser_close()
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE


def test_an_account_deactivated_by_an_admin_is_logged_out_at_once(client, aidant):
    _log_in(client, aidant)
    aidant.is_active = False
    aidant.save()
    response = client.get(ESPACE)
    assert response.status_code == 302
    assert response.url.startswith(reverse("aidants:login"))


def test_logout_ends_the_session_server_side(client, aidant):
    from django.contrib.sessions.models import Session

    _log_in(client, aidant)
    key = client.session.session_key
    client.post(reverse("aidants:logout"))
    assert not Session.objects.filter(session_key=key).exists()
    assert client.get(ESPACE).status_code == 302


def _stored(client):
    from django.contrib.sessions.models import Session

    return Session.objects.values_list("session_data", "expire_date").get(
        session_key=client.session.session_key
    )


def test_the_session_is_written_at_most_once_a_minute_while_active(client, aidant):
    from aidants.middleware import touch_interval

    with time_machine.travel(time.time(), tick=False) as traveller:
        _log_in(client, aidant)
        client.get(ESPACE)
        before = _stored(client)
        traveller.shift(touch_interval() - 1)
        assert client.get(ESPACE).status_code == 200
        assert _stored(client) == before  # no write: the page cost no UPDATE
        traveller.shift(2)
        assert client.get(ESPACE).status_code == 200
        data, expire_date = _stored(client)
        assert data != before[0]
        assert expire_date > before[1]  # activity pushed the expiry back


def test_the_session_never_outlives_its_idle_age_by_the_write_interval(client, aidant):
    """Writes skipped within the interval can only make the session end earlier."""
    from aidants.middleware import touch_interval

    with time_machine.travel(time.time(), tick=False) as traveller:
        _log_in(client, aidant)
        traveller.shift(touch_interval() - 1)
        assert client.get(ESPACE).status_code == 200
        traveller.shift(settings.SESSION_COOKIE_AGE - touch_interval() + 2)
        response = client.get(ESPACE)
        assert response.status_code == 302
        assert response.url.startswith(reverse("aidants:login"))
