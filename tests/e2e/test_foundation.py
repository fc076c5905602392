"""Foundation journeys in the browser: the responsable adds an aidant, who follows the
emailed invitation, sets a password and enrols an authenticator app; plus the lockout page."""

import re

import pytest
from django.core import mail
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from aidants.models import Aidant
from journal.models import Action, Entry
from tests.e2e.conftest import assert_accessible, login, snapshot
from tests.factories import PASSWORD, AidantFactory, MembershipFactory, current_code
from tests.helpers import emailed_invitation_path

pytestmark = pytest.mark.django_db(transaction=True)

NEW_PASSWORD = "une-phrase-de-passe-neuve-2026"


def test_responsable_adds_an_aidant_who_joins_through_the_invitation(
    page: Page, browser, live_server, responsable, organisation, request
) -> None:
    mail.outbox.clear()
    login(page, responsable)
    page.get_by_role("link", name="Espace responsable").first.click()
    page.get_by_label("Prénom").fill("Lou")
    page.get_by_label("Nom", exact=True).fill("Nouvelle")
    page.get_by_label("Adresse électronique professionnelle").fill("lou.nouvelle@relais.test")
    page.get_by_label("Rôle").select_option("aidant")
    page.get_by_role("button", name="Ajouter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Lou Nouvelle")
    expect(page.get_by_role("status")).to_contain_text("a été ajouté à votre structure")
    assert_accessible(page)
    # The first mail went astray: the responsable sends the invitation again.
    mail.outbox.clear()
    page.get_by_role("button", name="Renvoyer l'invitation").click()
    expect(page.get_by_role("status")).to_contain_text("Une nouvelle invitation a été envoyée")
    assert_accessible(page)
    page.get_by_role("link", name="Tous les aidants").click()
    row = page.get_by_role("row").filter(has_text="lou.nouvelle@relais.test")
    expect(row).to_contain_text("Lou Nouvelle")
    expect(row).to_contain_text("Actif")
    snapshot(page, request, "1-aidant-listed")
    newcomer = Aidant.objects.get(email="lou.nouvelle@relais.test")
    assert Entry.objects.filter(action=Action.AIDANT_ADDED, target_aidant=newcomer).exists()

    # The newcomer, in another browser context, follows the emailed link.
    newcomer_context = browser.new_context(base_url=live_server.url, locale="fr-FR")
    newcomer_page = newcomer_context.new_page()
    try:
        newcomer_page.goto(emailed_invitation_path())
        expect(newcomer_page.get_by_role("heading", level=1)).to_have_text(
            "Choisir votre mot de passe"
        )
        assert_accessible(newcomer_page)
        snapshot(newcomer_page, request, "2-invitation")
        newcomer_page.get_by_label("Nouveau mot de passe", exact=True).fill("court")
        newcomer_page.get_by_label("Confirmation du nouveau mot de passe").fill("court")
        newcomer_page.get_by_role("button", name="Enregistrer").click()
        expect(newcomer_page.get_by_text("trop court")).to_be_visible()
        assert_accessible(newcomer_page)
        newcomer_page.get_by_label("Nouveau mot de passe", exact=True).fill(NEW_PASSWORD)
        newcomer_page.get_by_label("Confirmation du nouveau mot de passe").fill(NEW_PASSWORD)
        newcomer_page.get_by_role("button", name="Enregistrer").click()
        newcomer_page.wait_for_url("**/connexion/")
        expect(newcomer_page.get_by_role("status")).to_contain_text("mot de passe est enregistré")

        newcomer_page.get_by_label("Adresse électronique").fill("lou.nouvelle@relais.test")
        newcomer_page.get_by_label("Mot de passe").fill(NEW_PASSWORD)
        newcomer_page.get_by_role("button", name="Continuer").click()
        newcomer_page.wait_for_url("**/connexion/enrolement/**")
        _enrol(newcomer_page, newcomer, request)

        # The link cannot serve twice.
        newcomer_page.goto(emailed_invitation_path())
        expect(newcomer_page.get_by_role("heading", level=1)).to_have_text("Lien expiré")
        assert_accessible(newcomer_page)
    finally:
        newcomer_context.close()


def _enrol(page: Page, aidant, request) -> None:
    expect(page.get_by_role("heading", level=1)).to_contain_text("Enregistrer votre application")
    qr = page.get_by_role("img", name=re.compile("QR code"))
    expect(qr).to_be_visible()
    assert page.locator(".qr svg title").count() == 1
    assert_accessible(page)
    snapshot(page, request, "3-enrolment")
    device = TOTPDevice.objects.get(user=aidant, confirmed=False)
    page.get_by_label("Code à 6 chiffres").fill(current_code(device))
    page.get_by_role("button", name="Confirmer").click()
    page.wait_for_url("**/espace/")
    expect(page.get_by_role("status")).to_contain_text("Votre application est enregistrée")
    assert_accessible(page)


def test_enrolment_page_is_accessible(page: Page, organisation, request) -> None:
    newcomer = AidantFactory(current_organisation=organisation)
    MembershipFactory(aidant=newcomer, organisation=organisation)
    page.goto("/connexion/")
    page.get_by_label("Adresse électronique").fill(newcomer.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Continuer").click()
    page.wait_for_url("**/connexion/enrolement/**")
    _enrol(page, newcomer, request)


def test_lockout_page_is_accessible(page: Page, aidant, request) -> None:
    page.goto("/connexion/")
    for _ in range(5):
        page.get_by_label("Adresse électronique").fill(aidant.email)
        page.get_by_label("Mot de passe").fill("pas-le-bon-mot-de-passe")
        page.get_by_role("button", name="Continuer").click()
        if "bloquée" in page.content():
            break
    page.goto("/connexion/")
    page.get_by_label("Adresse électronique").fill(aidant.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Continuer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Connexion temporairement bloquée")
    expect(page.get_by_role("alert")).to_contain_text("30 minutes")
    assert_accessible(page)
    snapshot(page, request, "lockout")
    assert Entry.objects.filter(action=Action.LOCKOUT, aidant=aidant).exists()


def test_a_bad_invitation_link_is_accessible(page: Page, db) -> None:
    page.goto("/invitation/MQ/mauvais-jeton/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Lien expiré")
    assert_accessible(page)


def test_error_pages_are_french_and_accessible(page: Page, aidant) -> None:
    response = page.goto("/cette-page-n-existe-pas/")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page introuvable")
    assert_accessible(page)
    login(page, aidant)
    response = page.goto("/espace/responsable/")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Accès refusé")
    expect(page.get_by_text("Réservé aux responsables de structure.")).to_be_visible()
    assert_accessible(page)
