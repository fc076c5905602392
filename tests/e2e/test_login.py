import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from journal.models import Action, Entry
from tests.e2e.conftest import assert_accessible, login, snapshot

pytestmark = pytest.mark.django_db(transaction=True)


def test_aidant_logs_in_with_password_and_totp(page: Page, aidant, request) -> None:
    page.goto("/connexion/")
    assert_accessible(page)
    snapshot(page, request, "1-login")
    login(page, aidant)
    expect(page.get_by_role("heading", level=1)).to_contain_text(aidant.first_name)
    assert_accessible(page)
    snapshot(page, request, "2-espace")
    assert Entry.objects.filter(action=Action.LOGIN_SUCCEEDED, aidant=aidant).exists()


def test_otp_page_is_accessible_and_refuses_a_wrong_code(page: Page, aidant) -> None:
    page.goto("/connexion/")
    page.get_by_label("Adresse électronique").fill(aidant.email)
    page.get_by_label("Mot de passe").fill("un-mot-de-passe-solide-2026")
    page.get_by_role("button", name="Continuer").click()
    page.wait_for_url("**/connexion/code/**")
    assert_accessible(page)
    page.get_by_label("Code à 6 chiffres").fill("000000")
    page.get_by_role("button", name="Valider").click()
    expect(page.get_by_text("Code incorrect ou déjà utilisé.")).to_be_visible()
    assert_accessible(page)


def test_wrong_password_shows_the_generic_message(page: Page, aidant) -> None:
    page.goto("/connexion/")
    page.get_by_label("Adresse électronique").fill(aidant.email)
    page.get_by_label("Mot de passe").fill("pas-le-bon")
    page.get_by_role("button", name="Continuer").click()
    expect(page.get_by_role("alert")).to_contain_text("Adresse électronique ou mot de passe")
    assert_accessible(page)


def test_responsable_space_is_accessible(page: Page, responsable, aidant) -> None:
    login(page, responsable)
    page.get_by_role("link", name="Espace responsable").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Aidants de")
    assert_accessible(page)
    page.get_by_role("link", name=aidant.get_full_name()).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(aidant.get_full_name())
    assert_accessible(page)
    assert page.url.endswith(
        reverse("aidants:responsable_aidant", args=[aidant.memberships.get().pk])
    )


def test_logout_ends_the_session(page: Page, aidant) -> None:
    login(page, aidant)
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url("**/connexion/")
    page.goto("/espace/")
    assert "/connexion/" in page.url


def test_a_forgotten_password_gets_a_link_by_mail(page: Page, aidant) -> None:
    from django.core import mail

    mail.outbox.clear()
    page.goto(reverse("aidants:login"))
    page.get_by_role("link", name="Mot de passe oublié ?").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mot de passe oublié")
    assert_accessible(page)
    page.get_by_label("Adresse électronique").fill("pas-une-adresse")
    page.get_by_role("button", name="Recevoir un lien").click()
    expect(page.get_by_text("Saisissez une adresse de courriel valide.")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Adresse électronique").fill(aidant.email)
    page.get_by_role("button", name="Recevoir un lien").click()
    page.wait_for_url("**/connexion/")
    expect(page.get_by_role("status")).to_contain_text("Si un compte correspond")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [aidant.email]
