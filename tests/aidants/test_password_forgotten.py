"""Mot de passe oublié: a link to the aidant's own address, the same answer whatever the
address, at most one mail per account every five minutes, journaled."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from journal.models import Action, Entry
from tests.factories import PASSWORD, AidantFactory
from tests.helpers import emailed_invitation_path, set_password_through_link

pytestmark = pytest.mark.django_db

URL = reverse("aidants:password_forgotten")
NEW_PASSWORD = "une-autre-phrase-de-passe-2026"
SAME_ANSWER = "Si un compte correspond à cette adresse"


def _ask(client: Client, email: str, capture) -> str:
    with capture(execute=True):
        response = client.post(URL, {"email": email}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("aidants:login")
    return response.content.decode()


def test_the_login_page_links_to_it_and_the_page_renders(client):
    assert URL in client.get(reverse("aidants:login")).content.decode()
    assert "Mot de passe oublié" in client.get(URL).content.decode()


def test_the_link_sets_a_new_password_and_the_old_one_stops_working(
    client, aidant, django_capture_on_commit_callbacks
):
    assert SAME_ANSWER in _ask(client, aidant.email.upper(), django_capture_on_commit_callbacks)
    assert mail.outbox[0].to == [aidant.email]
    _, response = set_password_through_link(Client(), emailed_invitation_path(), NEW_PASSWORD)
    assert response.url == reverse("aidants:invitation_done")
    aidant.refresh_from_db()
    assert aidant.check_password(NEW_PASSWORD) and not aidant.check_password(PASSWORD)
    entry = Entry.objects.get(action=Action.PASSWORD_LINK_SENT)
    assert entry.aidant == aidant
    # The link served once: a second use says it expired.
    page = Client().get(emailed_invitation_path(), follow=True)
    assert "Lien expiré" in page.content.decode()


@pytest.mark.parametrize("who", ["unknown", "deactivated", "no_structure"])
def test_nobody_learns_whether_an_account_exists(
    client, organisation, django_capture_on_commit_callbacks, who
):
    email = "personne@relais.test"
    if who == "deactivated":
        AidantFactory(email=email, is_active=False)
    elif who == "no_structure":
        AidantFactory(email=email)  # no membership: may not log in
    assert SAME_ANSWER in _ask(client, email, django_capture_on_commit_callbacks)
    assert mail.outbox == []
    assert not Entry.objects.filter(action=Action.PASSWORD_LINK_SENT).exists()


def test_asking_again_and_again_sends_one_mail(client, aidant, django_capture_on_commit_callbacks):
    for _ in range(4):
        assert SAME_ANSWER in _ask(client, aidant.email, django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
    assert Entry.objects.filter(action=Action.PASSWORD_LINK_SENT).count() == 1


def test_bad_input_gets_a_french_message_and_sends_nothing(client):
    response = client.post(URL, {"email": "pas-une-adresse"})
    assert response.status_code == 400
    assert "Saisissez une adresse de courriel valide." in response.content.decode()
    assert mail.outbox == []


def test_the_form_needs_its_csrf_token(aidant):
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(URL, {"email": aidant.email}).status_code == 403
    assert mail.outbox == []
