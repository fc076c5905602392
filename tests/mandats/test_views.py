from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from journal.models import Action, Entry
from mandats.models import Autorisation, CloseReason, Mandat
from mandats.summaries import refresh_summary
from tests.factories import (
    AidantFactory,
    MandatFactory,
    MembershipFactory,
    OrganisationFactory,
    UsagerFactory,
    add_totp_device,
)
from tests.helpers import login_verified


@pytest.fixture
def aidant_client(client, aidant):
    return login_verified(client, aidant)


@pytest.fixture
def other_mandat():
    return MandatFactory(organisation=OrganisationFactory(), demarches=["papiers"])


def _mandat(organisation, aidant, **kwargs):
    """A mandate made by the factory, with the list's read model refreshed as the services
    would."""
    kwargs.setdefault("demarches", ["papiers", "social"])
    mandat = MandatFactory(organisation=organisation, created_by=aidant, **kwargs)
    refresh_summary(organisation, mandat.usager)
    return mandat


def test_other_organisation_objects_are_404(aidant_client, other_mandat):
    autorisation = other_mandat.autorisations.get()
    urls = [
        reverse("mandats:usager", args=[other_mandat.usager_id]),
        reverse("mandats:mandat", args=[other_mandat.pk]),
        reverse("mandats:attestation", args=[other_mandat.pk]),
        reverse("mandats:revocation", args=[other_mandat.pk]),
        reverse("mandats:cancel", args=[other_mandat.pk]),
        reverse("mandats:renew", args=[other_mandat.pk]),
        reverse("mandats:revoke_autorisation", args=[autorisation.pk]),
    ]
    for url in urls:
        assert aidant_client.get(url).status_code == 404, url
    assert aidant_client.post(reverse("mandats:cancel", args=[other_mandat.pk])).status_code == 404
    assert (
        aidant_client.post(
            reverse("mandats:revoke_autorisation", args=[autorisation.pk])
        ).status_code
        == 404
    )
    assert Autorisation.objects.open().count() == 1


def test_anonymous_is_sent_to_login(client, organisation, aidant):
    mandat = _mandat(organisation, aidant)
    response = client.get(reverse("mandats:mandat", args=[mandat.pk]))
    assert response.status_code == 302 and "/connexion/" in response["Location"]


def test_usagers_list_tabs_and_search(aidant_client, aidant, organisation):
    now = timezone.now()
    active = _mandat(organisation, aidant, usager=UsagerFactory(family_name="ACTIF"))
    _mandat(
        organisation,
        aidant,
        usager=UsagerFactory(family_name="EXPIRE", birthdate="1950-00-00"),
        created_at=now - timedelta(days=40),
        duration=31,
    )
    revoked = _mandat(organisation, aidant, usager=UsagerFactory(family_name="REVOQUE"))
    revoked.cancelled_at, revoked.cancelled_by = now, aidant
    revoked.save()
    Autorisation.objects.filter(mandat=revoked).update(closed_at=now, close_reason="cancelled")
    refresh_summary(organisation, revoked.usager)
    _mandat(OrganisationFactory(), aidant, usager=UsagerFactory(family_name="AILLEURS"))

    def names(**params):
        response = aidant_client.get(reverse("mandats:usagers"), params)
        return [u.family_name for u in response.context["page"]]

    assert names() == ["ACTIF"]
    assert names(onglet="expires") == ["EXPIRE"]
    assert names(onglet="revoques") == ["REVOQUE"]
    assert names(onglet="expires", q="1950") == ["EXPIRE"]
    assert names(q="actif") == ["ACTIF"]
    assert names(q="angéla  ACTIF") == ["ACTIF"]
    assert names(q="24/08/1962") == ["ACTIF"]
    assert names(q="inconnu") == []
    page = aidant_client.get(reverse("mandats:usagers")).context["page"]
    assert page[0].active_demarches == ["papiers", "social"]
    assert active.usager.pk == page[0].usager_id


def test_usagers_list_has_no_n_plus_one(
    aidant_client, aidant, organisation, django_assert_num_queries
):
    """The aidant with its structure and auditor flag (one query, aidants.loading), its OTP
    device, the count, the page and its démarches: 5 queries however many usagers the page
    shows. The session comes from Redis and is not written back within a minute of the
    last write."""
    for _ in range(3):
        _mandat(organisation, aidant)
    url = reverse("mandats:usagers")
    aidant_client.get(url)  # warm up the session
    with django_assert_num_queries(5):
        aidant_client.get(url)
    for _ in range(40):
        _mandat(organisation, aidant)
    with django_assert_num_queries(5):
        response = aidant_client.get(url + "?q=Angela")
    assert len(response.context["page"]) == 43


def test_usager_page_lists_mandates_and_actions(aidant_client, aidant, organisation):
    mandat = _mandat(organisation, aidant)
    response = aidant_client.get(reverse("mandats:usager", args=[mandat.usager_id]))
    content = response.content.decode()
    assert "Papiers - Citoyenneté" in content and "Révoquer" in content
    assert "Transférer" not in content  # responsables only


def test_revoke_one_autorisation_through_the_view(aidant_client, aidant, organisation):
    mandat = _mandat(organisation, aidant)
    autorisation = mandat.autorisations.get(demarche="papiers")
    url = reverse("mandats:revoke_autorisation", args=[autorisation.pk])
    assert aidant_client.get(url).status_code == 200
    response = aidant_client.post(url)
    assert response["Location"] == reverse("mandats:usager", args=[mandat.usager_id])
    autorisation.refresh_from_db()
    assert autorisation.close_reason == CloseReason.REVOKED
    assert mandat.autorisations.get(demarche="social").closed_at is None
    # A second attempt says it is closed, and changes nothing.
    aidant_client.post(url)
    assert Entry.objects.filter(action=Action.AUTORISATION_REVOKED).count() == 1


def test_cancel_mandate_then_revocation_attestation(aidant_client, aidant, organisation):
    mandat = _mandat(organisation, aidant)
    assert aidant_client.get(reverse("mandats:revocation", args=[mandat.pk])).status_code == 302
    response = aidant_client.post(reverse("mandats:cancel", args=[mandat.pk]))
    assert response.status_code == 302
    mandat.refresh_from_db()
    assert mandat.cancelled_by == aidant
    pdf = aidant_client.get(reverse("mandats:revocation", args=[mandat.pk]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_transfer_is_for_responsables(aidant_client, aidant, organisation):
    mandat = _mandat(organisation, aidant)
    assert (
        aidant_client.get(reverse("mandats:transfer", args=[mandat.usager_id])).status_code == 403
    )


def test_transfer_view_moves_mandates(client, responsable, organisation):
    login_verified(client, responsable)
    mandat = _mandat(organisation, responsable)
    target: Any = OrganisationFactory(name="Médiathèque")
    url = reverse("mandats:transfer", args=[mandat.usager_id])
    response = client.post(url, {"target": target.pk})
    assert response.status_code == 200  # the usager's consent box is required
    response = client.post(url, {"target": target.pk, "confirm": "on"})
    assert response.status_code == 302
    assert Mandat.objects.get(organisation=target).transferred_from == mandat
    assert Entry.objects.filter(action=Action.MANDAT_TRANSFERRED_IN, organisation=target).exists()


def test_transfer_other_organisation_usager_is_404(client, responsable, other_mandat):
    login_verified(client, responsable)
    url = reverse("mandats:transfer", args=[other_mandat.usager_id])
    assert client.get(url).status_code == 404


def test_verification_page_shows_state_and_initials_only(client, organisation, aidant):
    mandat = _mandat(organisation, aidant, usager=UsagerFactory(family_name="DUBOIS"))
    response = client.get(reverse("mandats:verify", args=[mandat.pk, mandat.document_hash]))
    content = response.content.decode()
    assert response.status_code == 200
    assert "A. D." in content and "DUBOIS" not in content and "Angela" not in content
    assert "actif" in content and "Papiers - Citoyenneté" in content
    assert mandat.usager.birthdate not in content


def test_verification_with_a_wrong_hash_is_a_neutral_not_found(client, organisation, aidant):
    mandat = _mandat(organisation, aidant)
    wrong = client.get(reverse("mandats:verify", args=[mandat.pk, "0" * 64]))
    missing = client.get(reverse("mandats:verify", args=[mandat.pk + 1000, mandat.document_hash]))
    assert wrong.status_code == missing.status_code == 404
    assert wrong.content == missing.content


def test_espace_has_mandats_tiles(aidant_client):
    content = aidant_client.get(reverse("aidants:espace")).content.decode()
    assert reverse("mandats:start") in content and reverse("mandats:usagers") in content


def test_aidant_of_two_structures_sees_only_the_current_one(client, organisation):
    aidant = AidantFactory(current_organisation=organisation)
    MembershipFactory(aidant=aidant, organisation=organisation)
    other = OrganisationFactory()
    MembershipFactory(aidant=aidant, organisation=other)
    add_totp_device(aidant)
    login_verified(client, aidant)
    mine = _mandat(organisation, aidant)
    theirs = _mandat(other, aidant)
    assert client.get(reverse("mandats:mandat", args=[mine.pk])).status_code == 200
    assert client.get(reverse("mandats:mandat", args=[theirs.pk])).status_code == 404


def test_staff_without_a_structure_cannot_use_mandats(client, db):
    staff = AidantFactory(is_staff=True)
    add_totp_device(staff)
    login_verified(client, staff)
    assert client.get(reverse("mandats:start")).status_code == 403
    assert client.get(reverse("mandats:usagers")).status_code == 403
