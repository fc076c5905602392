import uuid
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from aidants.services import ServiceError
from journal.models import Action, Entry
from mandats.document import recompute_document_hash
from mandats.models import Autorisation, CloseReason, Mandat, MandatState, Usager
from mandats.services import (
    cancel_mandat,
    create_mandat,
    renew_mandat,
    revoke_autorisation,
    transfer_mandats,
)
from mandats.signature import typed_signature
from tests.factories import AidantFactory, MembershipFactory, OrganisationFactory
from tests.mandats.conftest import make_identity


def _create(aidant, organisation, identity, signature, demarches=("papiers", "social"), **kw):
    return create_mandat(
        aidant=aidant,
        organisation=organisation,
        identity=identity,
        demarches=list(demarches),
        duration=kw.pop("duration", 365),
        signature=signature,
        **kw,
    )


def test_create_mandat_records_mandat_autorisations_hash_and_journal(
    aidant, organisation, identity, signature
):
    mandat = _create(aidant, organisation, identity, signature)
    assert mandat.usager.sub == identity.sub
    assert mandat.usager_identity == identity.as_dict()
    assert sorted(a.demarche for a in mandat.autorisations.all()) == ["papiers", "social"]
    assert mandat.expires_at - mandat.created_at == timedelta(days=365)
    assert mandat.signature_sha256 == signature.sha256
    assert mandat.state == MandatState.ACTIVE
    reloaded = Mandat.objects.get(pk=mandat.pk)
    assert recompute_document_hash(reloaded) == mandat.document_hash
    entry = Entry.objects.get(action=Action.MANDAT_CREATED)
    assert entry.aidant == aidant and entry.organisation == organisation
    assert entry.mandat == mandat and entry.usager == mandat.usager
    assert entry.details["demarches"] == ["papiers", "social"]


def test_document_hash_changes_with_any_covered_field(aidant, organisation, identity, signature):
    mandat = _create(aidant, organisation, identity, signature)
    reloaded = Mandat.objects.get(pk=mandat.pk)
    reloaded.usager_identity = {**reloaded.usager_identity, "birthdate": "1962-08-00"}
    assert recompute_document_hash(reloaded) != mandat.document_hash
    reloaded = Mandat.objects.get(pk=mandat.pk)
    reloaded.expires_at += timedelta(microseconds=1)
    assert recompute_document_hash(reloaded) != mandat.document_hash


def test_create_mandat_supersedes_open_autorisations_of_same_triple(
    aidant, organisation, identity, signature
):
    first = _create(aidant, organisation, identity, signature, demarches=["papiers", "social"])
    second = _create(aidant, organisation, identity, signature, demarches=["social", "argent"])
    social_old = first.autorisations.get(demarche="social")
    assert social_old.close_reason == CloseReason.SUPERSEDED
    assert first.autorisations.get(demarche="papiers").closed_at is None
    assert Autorisation.objects.open().filter(usager=second.usager).count() == 3
    assert Entry.objects.filter(action=Action.AUTORISATION_SUPERSEDED).count() == 1


def test_create_mandat_refuses_demarche_not_allowed_and_leaves_nothing(
    aidant, organisation, identity, signature
):
    organisation.allowed_demarches = ["papiers"]
    organisation.save()
    with pytest.raises(ServiceError):
        _create(aidant, organisation, identity, signature, demarches=["papiers", "argent"])
    assert not Mandat.objects.exists() and not Usager.objects.exists()
    assert not Entry.objects.filter(action=Action.MANDAT_CREATED).exists()


@pytest.mark.parametrize("demarches", [[], ["inconnue"]])
def test_create_mandat_refuses_bad_demarches(aidant, organisation, identity, signature, demarches):
    with pytest.raises(ServiceError):
        _create(aidant, organisation, identity, signature, demarches=demarches)


def test_create_mandat_refuses_unknown_duration(aidant, organisation, identity, signature):
    with pytest.raises(ServiceError):
        _create(aidant, organisation, identity, signature, duration=30)


def test_create_mandat_refuses_aidant_of_another_organisation(identity, signature, aidant):
    other = OrganisationFactory()
    with pytest.raises(ServiceError):
        _create(aidant, other, identity, signature)


def test_create_mandat_with_same_idempotency_key_returns_the_first(
    aidant, organisation, identity, signature
):
    key = uuid.uuid4()
    first = _create(aidant, organisation, identity, signature, idempotency_key=key)
    again = _create(aidant, organisation, identity, signature, idempotency_key=key)
    assert again.pk == first.pk
    assert Mandat.objects.count() == 1
    assert Entry.objects.filter(action=Action.MANDAT_CREATED).count() == 1


def test_create_mandat_updates_usager_identity_but_not_older_mandates(
    aidant, organisation, signature
):
    first = _create(aidant, organisation, make_identity(5), signature, demarches=["papiers"])
    corrected = make_identity(5, family_name="DUBOIS-MARTIN")
    _create(aidant, organisation, corrected, signature, demarches=["social"])
    assert Usager.objects.get().family_name == "DUBOIS-MARTIN"
    first = Mandat.objects.get(pk=first.pk)
    assert first.usager_identity["family_name"] == "DUBOIS"
    assert recompute_document_hash(first) == first.document_hash


def test_revoke_autorisation_closes_it_and_journals(aidant, organisation, identity, signature):
    mandat = _create(aidant, organisation, identity, signature)
    autorisation = mandat.autorisations.get(demarche="papiers")
    revoke_autorisation(aidant=aidant, organisation=organisation, autorisation=autorisation)
    autorisation.refresh_from_db()
    assert autorisation.close_reason == CloseReason.REVOKED
    assert autorisation.closed_by == aidant
    assert Entry.objects.filter(action=Action.AUTORISATION_REVOKED).count() == 1
    with pytest.raises(ServiceError, match="déjà close"):
        revoke_autorisation(aidant=aidant, organisation=organisation, autorisation=autorisation)


def test_revoke_autorisation_of_another_organisation_is_refused(
    aidant, organisation, identity, signature
):
    other = OrganisationFactory()
    other_aidant = AidantFactory()
    MembershipFactory(aidant=other_aidant, organisation=other)
    mandat = _create(other_aidant, other, identity, signature)
    with pytest.raises(ServiceError):
        revoke_autorisation(
            aidant=aidant, organisation=organisation, autorisation=mandat.autorisations.first()
        )
    assert Autorisation.objects.open().count() == 2


def test_cancel_mandat_closes_autorisations_and_journals(aidant, organisation, identity, signature):
    mandat = _create(aidant, organisation, identity, signature)
    cancel_mandat(aidant=aidant, organisation=organisation, mandat=mandat)
    mandat.refresh_from_db()
    assert mandat.state == MandatState.REVOKED and mandat.cancelled_by == aidant
    assert not Autorisation.objects.open().exists()
    assert set(mandat.autorisations.values_list("close_reason", flat=True)) == {"cancelled"}
    assert Entry.objects.get(action=Action.MANDAT_CANCELLED).mandat == mandat
    revoked = Entry.objects.filter(action=Action.AUTORISATION_REVOKED)
    assert {e.autorisation_id for e in revoked} == set(
        mandat.autorisations.values_list("pk", flat=True)
    )
    with pytest.raises(ServiceError, match="déjà révoqué"):
        cancel_mandat(aidant=aidant, organisation=organisation, mandat=mandat)


def test_renew_mandat_replaces_the_old_one(aidant, organisation, identity, signature):
    old = _create(aidant, organisation, identity, signature, demarches=["papiers", "social"])
    new = renew_mandat(
        aidant=aidant,
        organisation=organisation,
        mandat=old,
        identity=identity,
        demarches=["papiers", "logement"],
        duration=182,
        signature=typed_signature("Angela Dubois"),
    )
    assert new.renewed_from == old
    assert not old.autorisations.filter(closed_at__isnull=True).exists()
    assert sorted(new.autorisations.values_list("demarche", flat=True)) == ["logement", "papiers"]
    assert Entry.objects.filter(action=Action.MANDAT_RENEWED).count() == 1
    assert recompute_document_hash(Mandat.objects.get(pk=new.pk)) == new.document_hash


def test_renew_mandat_refuses_another_person(aidant, organisation, identity, signature):
    old = _create(aidant, organisation, identity, signature)
    with pytest.raises(ServiceError, match="titulaire"):
        renew_mandat(
            aidant=aidant,
            organisation=organisation,
            mandat=old,
            identity=make_identity(99),
            demarches=["papiers"],
            duration=31,
            signature=signature,
        )
    assert Mandat.objects.count() == 1


def test_transfer_moves_active_mandates_and_journals_both_sides(
    responsable, organisation, identity, signature
):
    target = OrganisationFactory(allowed_demarches=["papiers", "famille"])
    old = _create(responsable, organisation, identity, signature, demarches=["papiers", "social"])
    moved = transfer_mandats(
        responsable=responsable, organisation=organisation, usager=old.usager, target=target
    )
    assert len(moved) == 1
    new = moved[0]
    assert new.organisation == target and new.transferred_from == old
    assert new.expires_at == old.expires_at
    assert list(new.autorisations.values_list("demarche", flat=True)) == ["papiers"]
    assert not old.autorisations.filter(closed_at__isnull=True).exists()
    out = Entry.objects.get(action=Action.MANDAT_TRANSFERRED_OUT)
    inn = Entry.objects.get(action=Action.MANDAT_TRANSFERRED_IN)
    assert out.organisation == organisation and inn.organisation == target
    assert out.mandat == old and inn.mandat == new and inn.usager == old.usager
    assert recompute_document_hash(Mandat.objects.get(pk=new.pk)) == new.document_hash


def test_transfer_requires_a_responsable(aidant, organisation, identity, signature):
    mandat = _create(aidant, organisation, identity, signature)
    with pytest.raises(ServiceError):
        transfer_mandats(
            responsable=aidant,
            organisation=organisation,
            usager=mandat.usager,
            target=OrganisationFactory(),
        )


def test_transfer_refuses_same_organisation_or_nothing_to_move(
    responsable, organisation, identity, signature
):
    mandat = _create(responsable, organisation, identity, signature, demarches=["argent"])
    with pytest.raises(ServiceError):
        transfer_mandats(
            responsable=responsable,
            organisation=organisation,
            usager=mandat.usager,
            target=organisation,
        )
    target = OrganisationFactory(allowed_demarches=["papiers"])
    with pytest.raises(ServiceError, match="Aucun mandat"):
        transfer_mandats(
            responsable=responsable, organisation=organisation, usager=mandat.usager, target=target
        )
    assert Mandat.objects.filter(organisation=target).count() == 0


def test_expired_mandate_state(aidant, organisation, identity, signature):
    mandat = _create(aidant, organisation, identity, signature, duration=1)
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        assert mandat.state == MandatState.EXPIRED
        assert not Autorisation.objects.active().exists()


def test_services_keep_the_usagers_list_read_model_in_step(
    responsable, organisation, identity, signature
):
    from mandats.models import UsagerSummary

    mandat = _create(responsable, organisation, identity, signature, demarches=["papiers"])
    summary = UsagerSummary.objects.get(organisation=organisation)
    assert summary.active_until == mandat.expires_at
    assert summary.search_text == "angela claire louise dubois "
    revoke_autorisation(
        aidant=responsable, organisation=organisation, autorisation=mandat.autorisations.get()
    )
    summary.refresh_from_db()
    assert summary.active_until is None and summary.last_expires_at == mandat.expires_at
    second = _create(responsable, organisation, identity, signature, demarches=["social"])
    cancel_mandat(aidant=responsable, organisation=organisation, mandat=second)
    summary.refresh_from_db()
    assert summary.active_until is None and summary.last_expires_at == mandat.expires_at
    third = _create(responsable, organisation, make_identity(1, family_name="DURAND"), signature)
    summary.refresh_from_db()
    assert summary.family_name == "DURAND" and summary.active_until == third.expires_at
    target = OrganisationFactory()
    transfer_mandats(
        responsable=responsable, organisation=organisation, usager=third.usager, target=target
    )
    assert UsagerSummary.objects.get(organisation=target).active_until == third.expires_at
    summary.refresh_from_db()
    assert summary.active_until is None
