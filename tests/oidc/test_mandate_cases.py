"""The autorisation is checked at every step: choice, token exchange and userinfo."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client as HttpClient
from django.utils import timezone

from journal.models import Action, Entry
from mandats.services import revoke_autorisation
from oidc.models import AuthorizationCode
from tests.factories import (
    AidantFactory,
    MandatFactory,
    MembershipFactory,
    OrganisationFactory,
    UsagerFactory,
    add_totp_device,
)
from tests.helpers import login_verified
from tests.oidc.conftest import REDIRECT_URI, Flow

pytestmark = pytest.mark.django_db


def _revoke(usager: Any, demarche: str) -> None:
    autorisation = usager.autorisations.get(demarche=demarche, closed_at__isnull=True)
    revoke_autorisation(
        aidant=autorisation.mandat.created_by,
        organisation=autorisation.organisation,
        autorisation=autorisation,
    )


def test_aidant_of_another_organisation_does_not_see_the_usager(
    client: HttpClient, partner: Any, usager: Any
) -> None:
    other_organisation = OrganisationFactory()
    other = AidantFactory(current_organisation=other_organisation)
    MembershipFactory(aidant=other, organisation=other_organisation)
    add_totp_device(other)
    flow = Flow(login_verified(client, other), partner, REDIRECT_URI)
    response = flow.authorize()
    page = client.get(response["Location"], {"q": usager.family_name})
    assert f"/usager/{usager.pk}/" not in page.content.decode()
    assert client.get(f"{response['Location']}{usager.pk}/").status_code == 404


def test_revoked_between_code_and_token_gives_invalid_grant(
    partner_flow: Flow, usager: Any
) -> None:
    code = partner_flow.code(usager)
    _revoke(usager, "papiers")
    response = partner_flow.token(code)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    entry = Entry.objects.get(action=Action.OIDC_AUTORISATION_REFUSED)
    assert entry.details["reason"] == "autorisation_revoked"
    assert code not in str(entry.details)


def test_revoked_after_token_stops_userinfo(partner_flow: Flow, usager: Any) -> None:
    access_token = partner_flow.token(partner_flow.code(usager)).json()["access_token"]
    _revoke(usager, "papiers")
    response = HttpClient().get("/oidc/userinfo", HTTP_AUTHORIZATION=f"Bearer {access_token}")
    assert response.status_code == 401


def test_expired_mandate_is_not_offered_and_refused_at_token(
    partner_flow: Flow, usager: Any
) -> None:
    code = partner_flow.code(usager)
    now = timezone.now()
    usager.mandats.update(created_at=now - timedelta(days=2), expires_at=now - timedelta(seconds=1))
    assert partner_flow.token(code).json()["error"] == "invalid_grant"
    response = partner_flow.authorize()
    page = partner_flow.http.get(response["Location"], {"q": usager.family_name})
    assert f"/usager/{usager.pk}/" not in page.content.decode()


def test_demarche_outside_client_allowed_list_is_not_offered(
    partner_flow: Flow, organisation: Any, aidant: Any
) -> None:
    usager: Any = UsagerFactory()
    MandatFactory(organisation=organisation, usager=usager, created_by=aidant, demarches=["argent"])
    response = partner_flow.authorize()
    page = partner_flow.http.get(response["Location"], {"q": usager.family_name})
    assert f"/usager/{usager.pk}/" not in page.content.decode()
    assert partner_flow.http.get(f"{response['Location']}{usager.pk}/").status_code == 404


def test_demarche_removed_from_client_before_token(partner_flow: Flow, usager: Any) -> None:
    code = partner_flow.code(usager)
    partner_flow.registered.client.allowed_demarches = ["social"]
    partner_flow.registered.client.save()
    assert partner_flow.token(code).json()["error"] == "invalid_grant"


def test_deactivated_aidant_cannot_complete_the_exchange(
    partner_flow: Flow, usager: Any, aidant: Any
) -> None:
    code = partner_flow.code(usager)
    aidant.memberships.update(is_active=False)
    assert partner_flow.token(code).json()["error"] == "invalid_grant"
    # and is logged out of Relais on the next page
    response = partner_flow.authorize()
    assert response.status_code == 302
    assert response["Location"] == "/connexion/"
    assert "_auth_user_id" not in partner_flow.http.session


def test_expired_code_is_refused(partner_flow: Flow, usager: Any) -> None:
    code = partner_flow.code(usager)
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        assert partner_flow.token(code).json()["error"] == "invalid_grant"


def test_code_of_another_client_is_refused(partner_flow: Flow, fc_flow: Flow, usager: Any) -> None:
    code = partner_flow.code(usager)
    assert fc_flow.token(code, redirect_uri=REDIRECT_URI).json()["error"] == "invalid_grant"


def test_redirect_uri_must_match_at_token(partner_flow: Flow, usager: Any) -> None:
    code = partner_flow.code(usager)
    response = partner_flow.token(code, redirect_uri="https://partenaire.example/other")
    assert response.json()["error"] == "invalid_grant"


def test_token_exchange_journals_the_autorisation_once(partner_flow: Flow, usager: Any) -> None:
    code = partner_flow.code(usager)
    body = partner_flow.token(code).json()
    partner_flow.token(code)
    used = Entry.objects.filter(action=Action.OIDC_AUTORISATION_USED)
    assert used.count() == 1
    assert used.get().usager == usager
    assert used.get().autorisation == usager.autorisations.get(demarche="papiers")
    assert used.get().details["demarche"] == "papiers"
    replay = Entry.objects.get(action=Action.OIDC_CODE_REPLAYED)
    assert replay.details["revoked_tokens"] == 1
    for entry in Entry.objects.all():
        text = str(entry.details)
        assert code not in text and body["access_token"] not in text


def test_bad_client_secret_is_journaled_without_the_secret(partner_flow: Flow, usager: Any) -> None:
    code = partner_flow.code(usager)
    partner_flow.registered.secret = "mauvais-secret-" + "x" * 20
    response = partner_flow.token(code)
    assert response.status_code == 401
    entry = Entry.objects.get(action=Action.OIDC_CLIENT_AUTH_FAILED)
    assert entry.details == {"client_id": partner_flow.registered.client_id, "endpoint": "token"}
    assert AuthorizationCode.objects.get().used_at is None


def test_search_never_lists_more_than_twenty(
    partner_flow: Flow, organisation: Any, aidant: Any
) -> None:
    for _ in range(25):
        MandatFactory(organisation=organisation, created_by=aidant, demarches=["papiers"])
    response = partner_flow.authorize()
    page = partner_flow.http.get(response["Location"], {"q": "DUBOIS"})
    assert page.content.decode().count('class="choice"') == 20
    assert partner_flow.http.get(response["Location"]).content.decode().count('class="choice"') == 0


def test_search_by_birthdate(partner_flow: Flow, usager: Any) -> None:
    response = partner_flow.authorize()
    page = partner_flow.http.get(response["Location"], {"q": "24/08/1962"})
    assert f"/usager/{usager.pk}/" in page.content.decode()


def test_deactivated_account_cannot_complete_the_exchange(
    partner_flow: Flow, usager: Any, aidant: Any
) -> None:
    code = partner_flow.code(usager)
    aidant.is_active = False
    aidant.save(update_fields=["is_active"])
    assert partner_flow.token(code).json()["error"] == "invalid_grant"
    entry = Entry.objects.get(action=Action.OIDC_AUTORISATION_REFUSED)
    assert entry.details["reason"] == "aidant_inactive_or_not_in_organisation"


def test_no_code_or_token_reaches_the_logs(
    partner_flow: Flow, usager: Any, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    caplog.set_level(logging.DEBUG)
    code = partner_flow.code(usager)
    body = partner_flow.token(code).json()
    partner_flow.token(code)  # a replay, logged as a refusal at most
    HttpClient().get("/oidc/userinfo", HTTP_AUTHORIZATION=f"Bearer {body['access_token']}")
    logged = caplog.text
    for secret in (code, body["access_token"], body["id_token"], partner_flow.registered.secret):
        assert secret not in logged
