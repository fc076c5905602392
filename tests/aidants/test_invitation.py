"""The invitation link sets a first password once; a bad or used link says so in French."""

import time

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from aidants.models import Aidant
from aidants.services import invitation_url
from tests.factories import current_code
from tests.helpers import emailed_invitation_path, set_password_through_link

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "une-phrase-de-passe-neuve-2026"


@pytest.fixture
def invited(invited_membership):
    return invited_membership.aidant


def test_the_emailed_link_sets_a_password_then_the_aidant_logs_in(invited):
    client = Client()
    path = emailed_invitation_path()
    page = client.get(path, follow=True)
    assert "Choisir votre mot de passe" in page.content.decode()
    _, response = set_password_through_link(client, path, NEW_PASSWORD)
    assert response.status_code == 302
    assert response.url == reverse("aidants:invitation_done")
    invited.refresh_from_db()
    assert invited.check_password(NEW_PASSWORD)
    # Not logged in by the link itself.
    assert "_auth_user_id" not in client.session

    response = client.post(
        reverse("aidants:login"), {"email": invited.email, "password": NEW_PASSWORD}
    )
    assert response.status_code == 302
    # No device yet: the first login goes to the enrolment of an authenticator app.
    response = client.get(reverse("aidants:otp"))
    assert response["Location"].startswith(reverse("aidants:enrol"))
    client.get(reverse("aidants:enrol"))
    device = TOTPDevice.objects.get(user=invited)
    response = client.post(reverse("aidants:enrol"), {"code": current_code(device)})
    assert response.status_code == 302
    assert client.get(reverse("aidants:espace")).status_code == 200


@pytest.mark.parametrize(
    ("password", "confirm", "message"),
    [
        ("court-1", None, "trop court"),
        ("123456789012345", None, "entièrement numérique"),
        ("telechargement", None, "trop courant"),
        ("invitee-relais-test", None, "trop semblable"),
        (NEW_PASSWORD, NEW_PASSWORD + "x", "ne correspondent pas"),
    ],
)
def test_password_validators_apply(invited, password, confirm, message):
    client = Client()
    _, response = set_password_through_link(client, emailed_invitation_path(), password, confirm)
    assert response.status_code == 200
    assert message in response.content.decode()
    invited.refresh_from_db()
    assert not invited.has_usable_password()


def test_the_link_cannot_be_reused(invited):
    path = emailed_invitation_path()
    set_password_through_link(Client(), path, NEW_PASSWORD)
    second = Client()
    page = second.get(path, follow=True)
    assert "Lien expiré" in page.content.decode()
    _, response = set_password_through_link(second, path, "encore-une-autre-phrase-2026")
    assert response.status_code == 200
    invited.refresh_from_db()
    assert invited.check_password(NEW_PASSWORD)


@pytest.mark.parametrize("token", ["mauvais-jeton", "abc-0123456789abcdef0123456789abcd"])
def test_a_bad_token_shows_the_expired_page(client, invited, token):
    uid = invitation_url(invited).rstrip("/").split("/")[-2]
    response = client.get(reverse("aidants:invitation", args=[uid, token]), follow=True)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Lien expiré" in content
    assert "new_password1" not in content


def test_an_unknown_user_id_shows_the_expired_page(client, invited):
    token = invitation_url(invited).rstrip("/").split("/")[-1]
    response = client.get(reverse("aidants:invitation", args=["OTk5OTk5", token]), follow=True)
    assert "Lien expiré" in response.content.decode()


def test_the_link_expires(invited, settings):
    path = emailed_invitation_path()
    with time_machine.travel(time.time() + settings.PASSWORD_RESET_TIMEOUT + 3600):
        page = Client().get(path, follow=True)
    assert "Lien expiré" in page.content.decode()
    assert not Aidant.objects.get(pk=invited.pk).has_usable_password()
