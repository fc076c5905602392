"""The auditor space in the browser: filters, keyset pages, entry with its seal and proof,
the verification page; every page passes axe. A responsable sees only their structure."""

from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission
from playwright.sync_api import Page, expect

import journal
from journal.models import Action, Entry
from journal.sealing import make_checkpoint, seal_pending
from journal.verification import verify_and_store
from tests.e2e.conftest import assert_accessible, login, snapshot
from tests.factories import AidantFactory, MembershipFactory, OrganisationFactory, add_totp_device

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def auditor(db: Any) -> Any:
    group, _ = Group.objects.get_or_create(name="Auditeurs")
    group.permissions.add(Permission.objects.get(codename="audit_journal"))
    auditor = AidantFactory(first_name="Alix", last_name="Auditrice")
    auditor.groups.add(group)  # type: ignore[attr-defined]
    add_totp_device(auditor)
    return auditor


@pytest.fixture
def other_entry(db: Any) -> Entry:
    other = OrganisationFactory(name="Autre structure")
    someone = AidantFactory(current_organisation=other)
    MembershipFactory(aidant=someone, organisation=other)
    return journal.record(Action.AIDANT_ADDED, aidant=someone, organisation=other)


def test_auditor_filters_pages_opens_an_entry_and_checks_the_journal(
    page: Page, auditor, aidant, other_entry, request, monkeypatch
) -> None:
    from journal import queries

    monkeypatch.setattr(queries, "PAGE_SIZE", 3)
    for _ in range(4):
        journal.record(Action.LOGOUT, aidant=aidant, organisation=aidant.current_organisation)
    seal_pending()
    make_checkpoint(force=True)
    verify_and_store()

    login(page, auditor)
    page.get_by_role("link", name="Journal").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Journal")
    assert_accessible(page)
    snapshot(page, request, "1-journal")

    page.get_by_label("Action").select_option("logout")
    page.get_by_role("button", name="Filtrer").click()
    rows = page.get_by_role("table").get_by_role("row")
    expect(rows).to_have_count(4)  # header + a page of 3
    page.get_by_role("link", name="Page suivante").click()
    expect(rows).to_have_count(2)
    expect(page.get_by_role("link", name="Page suivante")).to_have_count(0)
    assert_accessible(page)

    page.get_by_label("Aidant (adresse électronique)").fill("inconnu@relais.test")
    page.get_by_role("button", name="Filtrer").click()
    expect(page.get_by_text("Aucun aidant n'a cette adresse.")).to_be_visible()
    assert_accessible(page)

    page.goto(f"/journal/entrees/{other_entry.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Entrée n° {other_entry.pk}")
    expect(page.get_by_text("Autre structure")).to_be_visible()
    expect(page.get_by_role("link", name="Preuve d'inclusion", exact=False)).to_be_visible()
    assert_accessible(page)
    snapshot(page, request, "2-entry")

    page.get_by_role("link", name="Journal").first.click()
    page.get_by_role("link", name="Voir la vérification du journal").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vérification du journal")
    expect(page.get_by_text("Conforme")).to_be_visible()
    assert_accessible(page)
    snapshot(page, request, "3-verification")


def test_responsable_sees_only_their_structure_and_gets_404_elsewhere(
    page: Page, responsable, other_entry
) -> None:
    own = journal.record(
        Action.LOGOUT, aidant=responsable, organisation=responsable.current_organisation
    )
    login(page, responsable)
    page.get_by_role("link", name="Journal").click()
    expect(page.get_by_role("link", name=str(own.pk), exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=str(other_entry.pk), exact=True)).to_have_count(0)
    assert_accessible(page)
    response = page.goto(f"/journal/entrees/{other_entry.pk}/")
    assert response is not None and response.status == 404
