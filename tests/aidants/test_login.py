import time

import pytest
import time_machine
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from journal.models import Action, Entry
from tests.factories import PASSWORD, AidantFactory, MembershipFactory, current_code

pytestmark = pytest.mark.django_db


def _password_step(client, email, password=PASSWORD):
    return client.post(reverse("aidants:login"), {"email": email, "password": password})


def _otp_step(client, code):
    return client.post(reverse("aidants:otp"), {"code": code})


def test_full_login_reaches_espace_and_is_journaled(client, aidant):
    response = _password_step(client, aidant.email.upper())
    assert response.status_code == 302
    assert response.url.startswith(reverse("aidants:otp"))
    device = TOTPDevice.objects.get(user=aidant)
    response = _otp_step(client, current_code(device))
    assert response.status_code == 302
    assert response.url == reverse("aidants:espace")
    assert client.get(reverse("aidants:espace")).status_code == 200
    assert Entry.objects.filter(action=Action.LOGIN_SUCCEEDED, aidant=aidant).count() == 1


def test_password_alone_does_not_open_the_espace(client, aidant):
    _password_step(client, aidant.email)
    response = client.get(reverse("aidants:espace"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("aidants:otp"))


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(reverse("aidants:espace"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("aidants:login"))


def test_unknown_email_and_wrong_password_get_the_same_message(client, aidant):
    unknown = _password_step(client, "personne@relais.test")
    wrong = _password_step(client, aidant.email, "mauvais-mot-de-passe")
    assert unknown.status_code == wrong.status_code == 200
    message = "Adresse électronique ou mot de passe incorrect."
    assert message in unknown.content.decode()
    assert message in wrong.content.decode()
    assert Entry.objects.filter(action=Action.LOGIN_FAILED).count() == 2


def test_wrong_code_is_refused(client, aidant):
    _password_step(client, aidant.email)
    device = TOTPDevice.objects.get(user=aidant)
    good = current_code(device)
    bad = f"{(int(good) + 1) % 1_000_000:06d}"
    response = _otp_step(client, bad)
    assert response.status_code == 200
    assert "Code incorrect" in response.content.decode()
    assert client.get(reverse("aidants:espace")).status_code == 302


def test_malformed_code_gets_a_clear_message(client, aidant):
    _password_step(client, aidant.email)
    response = _otp_step(client, "12ab")
    assert "exactement 6 chiffres" in response.content.decode()


def test_a_code_cannot_be_replayed(client, aidant):
    device = TOTPDevice.objects.get(user=aidant)
    code = current_code(device)
    _password_step(client, aidant.email)
    assert _otp_step(client, code).status_code == 302
    client.post(reverse("aidants:logout"))
    _password_step(client, aidant.email)
    response = _otp_step(client, code)
    assert response.status_code == 200
    assert "déjà utilisé" in response.content.decode()


def test_drift_tolerance_is_one_step(client, aidant):
    device = TOTPDevice.objects.get(user=aidant)
    _password_step(client, aidant.email)
    assert _otp_step(client, current_code(device, offset_steps=2)).status_code == 200
    assert _otp_step(client, current_code(device, offset_steps=1)).status_code == 302


def test_lockout_after_five_failures_is_journaled_and_blocks_good_credentials(client, aidant):
    for _ in range(5):
        _password_step(client, aidant.email, "mauvais-mot-de-passe")
    response = _password_step(client, aidant.email)
    assert response.status_code == 429
    assert "bloquée" in response.content.decode()
    assert Entry.objects.filter(action=Action.LOCKOUT).exists()
    assert client.get(reverse("aidants:espace")).status_code == 302


def test_otp_failures_count_towards_the_lockout(client, aidant):
    device = TOTPDevice.objects.get(user=aidant)
    _password_step(client, aidant.email)
    bad = f"{(int(current_code(device)) + 7) % 1_000_000:06d}"
    for _ in range(4):
        assert _otp_step(client, bad).status_code == 200
    response = _otp_step(client, bad)
    assert response.status_code == 429
    # The session is gone and the right code no longer helps.
    response = _password_step(client, aidant.email)
    assert response.status_code == 429


def test_lockout_ends_after_thirty_minutes(client, aidant):
    for _ in range(5):
        _password_step(client, aidant.email, "mauvais-mot-de-passe")
    with time_machine.travel(time.time() + 31 * 60, tick=False):
        response = _password_step(client, aidant.email)
        assert response.status_code == 302


def test_deactivated_aidant_cannot_log_in(client, aidant):
    aidant.is_active = False
    aidant.save()
    response = _password_step(client, aidant.email)
    assert response.status_code == 200
    assert "incorrect" in response.content.decode()


def test_aidant_of_a_deactivated_organisation_cannot_log_in(client, aidant, organisation):
    organisation.is_active = False
    organisation.save()
    response = _password_step(client, aidant.email)
    assert response.status_code == 200
    assert "incorrect" in response.content.decode()


def test_logged_in_aidant_is_logged_out_when_membership_is_deactivated(client, aidant):
    from tests.helpers import login_verified

    login_verified(client, aidant)
    assert client.get(reverse("aidants:espace")).status_code == 200
    aidant.memberships.update(is_active=False)
    response = client.get(reverse("aidants:espace"))
    assert response.status_code == 302
    assert response.url == reverse("aidants:login")


def test_logout_requires_post_and_ends_the_session(client, aidant):
    from tests.helpers import login_verified

    login_verified(client, aidant)
    assert client.get(reverse("aidants:logout")).status_code == 405
    response = client.post(reverse("aidants:logout"))
    assert response.status_code == 302
    assert client.get(reverse("aidants:espace")).status_code == 302
    assert Entry.objects.filter(action=Action.LOGOUT, aidant=aidant).exists()


def test_open_redirect_is_refused_after_login(client, aidant):
    device = TOTPDevice.objects.get(user=aidant)
    client.post(
        reverse("aidants:login") + "?next=https://evil.example/",
        {"email": aidant.email, "password": PASSWORD, "next": "https://evil.example/"},
    )
    response = client.post(
        reverse("aidants:otp"), {"code": current_code(device), "next": "https://evil.example/"}
    )
    assert response.url == reverse("aidants:espace")


def test_enrolment_for_an_aidant_without_device(client, organisation):
    newcomer = AidantFactory(current_organisation=organisation)
    MembershipFactory(aidant=newcomer, organisation=organisation)
    _password_step(client, newcomer.email)
    response = client.get(reverse("aidants:otp"))
    assert response.url.startswith(reverse("aidants:enrol"))
    page = client.get(reverse("aidants:enrol"))
    assert "<svg" in page.content.decode()
    device = TOTPDevice.objects.get(user=newcomer, confirmed=False)
    assert client.post(reverse("aidants:enrol"), {"code": "000000"}).status_code == 200
    response = client.post(reverse("aidants:enrol"), {"code": current_code(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert Entry.objects.filter(action=Action.OTP_DEVICE_ADDED, aidant=newcomer).exists()
    assert client.get(reverse("aidants:espace")).status_code == 200


def test_enrolment_is_closed_once_a_device_exists(client, aidant):
    _password_step(client, aidant.email)
    response = client.get(reverse("aidants:enrol"))
    assert response.url.startswith(reverse("aidants:otp"))
