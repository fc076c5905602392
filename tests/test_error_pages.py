"""Error pages: in French, with Relais's layout, and never Django's English messages."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from django.views.defaults import bad_request, server_error

from tests.factories import AidantFactory, MembershipFactory, OrganisationFactory
from tests.helpers import login_verified

pytestmark = pytest.mark.django_db


def _page(response: Any) -> str:
    text = response.content.decode()
    assert '<html lang="fr">' in text
    return text


def test_an_unknown_address_gives_a_french_404(client: Client) -> None:
    response = client.get("/cette-page-n-existe-pas/")
    assert response.status_code == 404
    assert "Page introuvable" in _page(response)


def test_a_message_relais_wrote_for_the_user_is_shown(client: Client, aidant: Any) -> None:
    login_verified(client, aidant)
    response = client.get(reverse("oidc:choose_usager", args=["demande-inconnue"]))
    assert response.status_code == 404
    assert "Cette demande de connexion a expiré" in _page(response)


def test_django_s_own_404_message_never_shows(client: Client, responsable: Any) -> None:
    """get_object_or_404 says "No Aidant matches the given query.": not for users."""
    elsewhere: Any = MembershipFactory(aidant=AidantFactory(), organisation=OrganisationFactory())
    login_verified(client, responsable)
    response = client.get(reverse("aidants:responsable_aidant", args=[elsewhere.pk]))
    assert response.status_code == 404
    page = _page(response)
    assert "Page introuvable" in page
    assert "matches the given query" not in page


def test_a_403_explains_in_french(client: Client, aidant: Any) -> None:
    login_verified(client, aidant)
    response = client.get(reverse("aidants:responsable"))
    assert response.status_code == 403
    page = _page(response)
    assert "Accès refusé" in page
    assert "Réservé aux responsables de structure." in page


def test_a_form_without_its_csrf_token_gives_a_french_page(aidant: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("aidants:login"), {"email": aidant.email, "password": "x"})
    assert response.status_code == 403
    page = _page(response)
    assert "Page expirée" in page
    assert "CSRF" not in page


def test_400_and_500_pages_need_neither_a_request_context_nor_the_database(
    django_assert_num_queries: Any,
) -> None:
    request = RequestFactory().get("/")
    with django_assert_num_queries(0):
        error = server_error(request)
        bad = bad_request(request, Exception())
    assert error.status_code == 500
    assert "Erreur du service" in _page(error)
    assert bad.status_code == 400
    assert "Demande incorrecte" in _page(bad)
