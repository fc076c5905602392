"""State changes on usagers, mandates and autorisations. Each one writes the journal.

Journal entries point at the usager, mandate and autorisation through the journal's FKs;
`details` only holds what the FKs cannot say (démarches, reasons, the other mandate).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from uuid import UUID

from django.db import transaction
from django.utils import timezone

import journal
from aidants.demarches import Demarche
from aidants.models import Aidant, Membership, Organisation
from aidants.services import ServiceError
from journal.models import Action
from mandats.document import CURRENT_VERSION, document_hash
from mandats.identity import FranceConnectIdentity
from mandats.models import Autorisation, CloseReason, Duration, Mandat, Usager
from mandats.signature import Signature
from mandats.summaries import refresh_names, refresh_summary


def _check_member(aidant: Aidant, organisation: Organisation, *, responsable: bool = False) -> None:
    memberships = Membership.objects.active().filter(aidant=aidant, organisation=organisation)
    if responsable:
        memberships = memberships.filter(role="responsable")
    if not memberships.exists():
        raise ServiceError("Vous n'agissez pas pour cette structure.")


def _check_demarches(organisation: Organisation, demarches: Sequence[str]) -> list[str]:
    chosen = list(dict.fromkeys(demarches))
    if not chosen:
        raise ServiceError("Choisissez au moins une démarche.")
    unknown = [d for d in chosen if d not in Demarche.values]
    if unknown:
        raise ServiceError("Démarche inconnue.")
    refused = [d for d in chosen if d not in organisation.allowed_demarches]
    if refused:
        raise ServiceError("Votre structure n'est pas habilitée pour certaines de ces démarches.")
    return sorted(chosen)


def _locked_usager(identity: FranceConnectIdentity) -> Usager:
    """The usager matched on the FranceConnect sub, locked: creations for one usager are
    serialised, so each sees the autorisations the previous one opened."""
    values = {k: v for k, v in identity.as_dict().items() if k != "sub"}
    usager, created = Usager.objects.get_or_create(sub=identity.sub, defaults=values)
    usager = Usager.objects.select_for_update().get(pk=usager.pk)
    if not created:
        changed = [k for k, v in values.items() if getattr(usager, k) != v]
        for name in changed:
            setattr(usager, name, values[name])
        if changed:
            usager.save(update_fields=changed)
            refresh_names(usager)
    return usager


def _close_open(
    *,
    aidant: Aidant,
    organisation: Organisation,
    autorisations: Sequence[Autorisation],
    reason: CloseReason,
    action: Action,
    now: datetime,
) -> None:
    for autorisation in autorisations:
        autorisation.closed_at = now
        autorisation.closed_by = aidant
        autorisation.close_reason = reason
        autorisation.save(update_fields=["closed_at", "closed_by", "close_reason"])
        journal.record(
            action,
            aidant=aidant,
            organisation=organisation,
            usager=autorisation.usager,
            mandat=autorisation.mandat,
            autorisation=autorisation,
            details={
                "demarche": autorisation.demarche,
                "reason": str(reason),
            },
        )


def _insert_mandat(
    *,
    aidant: Aidant,
    organisation: Organisation,
    usager: Usager,
    identity: dict[str, str],
    demarches: list[str],
    duration: int,
    expires_at: datetime,
    signature_kind: str,
    signature_data: str,
    signature_sha256: str,
    signed_at: datetime,
    renewed_from: Mandat | None = None,
    transferred_from: Mandat | None = None,
    idempotency_key: UUID | None = None,
    now: datetime,
) -> Mandat:
    """Closes the superseded autorisations of the same triples, then inserts the mandate."""
    superseded = list(
        Autorisation.objects.select_for_update()
        .open()
        .for_organisation(organisation)
        .for_usager(usager)
        .for_demarches(demarches)
    )
    _close_open(
        aidant=aidant,
        organisation=organisation,
        autorisations=superseded,
        reason=CloseReason.SUPERSEDED,
        action=Action.AUTORISATION_SUPERSEDED,
        now=now,
    )
    mandat = Mandat(
        organisation=organisation,
        usager=usager,
        created_by=aidant,
        created_at=now,
        duration=duration,
        expires_at=expires_at,
        signature_kind=signature_kind,
        signature_data=signature_data,
        signature_sha256=signature_sha256,
        signed_at=signed_at,
        usager_identity=identity,
        document_version=CURRENT_VERSION,
        renewed_from=renewed_from,
        transferred_from=transferred_from,
        idempotency_key=idempotency_key,
    )
    mandat.document_hash = document_hash(
        version=CURRENT_VERSION,
        organisation_id=organisation.pk,
        aidant_id=aidant.pk,
        usager_identity=identity,
        demarches=demarches,
        duration=duration,
        created_at=now,
        expires_at=mandat.expires_at,
        signed_at=mandat.signed_at,
        signature_kind=signature_kind,
        signature_sha256=signature_sha256,
        renewed_from_id=renewed_from.pk if renewed_from else None,
        transferred_from_id=transferred_from.pk if transferred_from else None,
    )
    mandat.save()
    Autorisation.objects.bulk_create(
        Autorisation(mandat=mandat, organisation=organisation, usager=usager, demarche=d)
        for d in demarches
    )
    return mandat


@transaction.atomic
def create_mandat(
    *,
    aidant: Aidant,
    organisation: Organisation,
    identity: FranceConnectIdentity,
    demarches: Sequence[str],
    duration: int,
    signature: Signature,
    idempotency_key: UUID | None = None,
    renewed_from: Mandat | None = None,
) -> Mandat:
    """Records a signed mandate and its autorisations, closing the ones it supersedes.

    With an idempotency key already used, returns the mandate it created: a replayed wizard
    step never records a second one.
    """
    _check_member(aidant, organisation)
    chosen = _check_demarches(organisation, demarches)
    if duration not in Duration.values:
        raise ServiceError("Durée de mandat inconnue.")
    usager = _locked_usager(identity)
    if idempotency_key is not None:
        existing = Mandat.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            if existing.organisation_id != organisation.pk or existing.usager_id != usager.pk:
                raise ServiceError("Ce mandat a déjà été enregistré.")
            return existing
    now = timezone.now()
    mandat = _insert_mandat(
        aidant=aidant,
        organisation=organisation,
        usager=usager,
        identity=identity.as_dict(),
        demarches=chosen,
        duration=duration,
        expires_at=now + timedelta(days=duration),
        signature_kind=signature.kind,
        signature_data=signature.data,
        signature_sha256=signature.sha256,
        signed_at=now,
        renewed_from=renewed_from,
        idempotency_key=idempotency_key,
        now=now,
    )
    refresh_summary(organisation, usager)
    journal.record(
        Action.MANDAT_CREATED,
        aidant=aidant,
        organisation=organisation,
        usager=usager,
        mandat=mandat,
        details={
            "demarches": chosen,
            "duration": duration,
            "signature_kind": str(signature.kind),
            "document_hash": mandat.document_hash,
            "renewed_from_id": renewed_from.pk if renewed_from else None,
        },
    )
    return mandat


@transaction.atomic
def revoke_autorisation(
    *, aidant: Aidant, organisation: Organisation, autorisation: Autorisation
) -> Autorisation:
    _check_member(aidant, organisation)
    locked = Autorisation.objects.select_for_update().filter(pk=autorisation.pk).first()
    if locked is None or locked.organisation_id != organisation.pk:
        raise ServiceError("Cette autorisation n'existe pas dans votre structure.")
    if locked.closed_at is not None:
        raise ServiceError("Cette autorisation est déjà close.")
    _close_open(
        aidant=aidant,
        organisation=organisation,
        autorisations=[locked],
        reason=CloseReason.REVOKED,
        action=Action.AUTORISATION_REVOKED,
        now=timezone.now(),
    )
    refresh_summary(organisation, locked.usager)
    return locked


@transaction.atomic
def cancel_mandat(*, aidant: Aidant, organisation: Organisation, mandat: Mandat) -> Mandat:
    """Revokes a whole mandate: closes its open autorisations and marks it cancelled."""
    _check_member(aidant, organisation)
    locked = Mandat.objects.select_for_update().filter(pk=mandat.pk).first()
    if locked is None or locked.organisation_id != organisation.pk:
        raise ServiceError("Ce mandat n'existe pas dans votre structure.")
    if locked.cancelled_at is not None:
        raise ServiceError("Ce mandat est déjà révoqué.")
    now = timezone.now()
    open_ones = list(Autorisation.objects.select_for_update().open().filter(mandat=locked))
    _close_open(
        aidant=aidant,
        organisation=organisation,
        autorisations=open_ones,
        reason=CloseReason.CANCELLED,
        action=Action.AUTORISATION_REVOKED,
        now=now,
    )
    locked.cancelled_at = now
    locked.cancelled_by = aidant
    locked.save(update_fields=["cancelled_at", "cancelled_by"])
    refresh_summary(organisation, locked.usager)
    journal.record(
        Action.MANDAT_CANCELLED,
        aidant=aidant,
        organisation=organisation,
        usager=locked.usager,
        mandat=locked,
        details={
            "demarches": sorted(a.demarche for a in open_ones),
        },
    )
    return locked


@transaction.atomic
def renew_mandat(
    *,
    aidant: Aidant,
    organisation: Organisation,
    mandat: Mandat,
    identity: FranceConnectIdentity | None,
    demarches: Sequence[str],
    duration: int,
    signature: Signature,
    idempotency_key: UUID | None = None,
) -> Mandat:
    """A new signed mandate replacing `mandat`: its remaining open autorisations close.

    `identity` is the fresh FranceConnect identity; None reuses the stored one (only when
    the MANDATS_RENEWAL_REQUIRES_FRANCECONNECT setting is off).
    """
    _check_member(aidant, organisation)
    if mandat.organisation_id != organisation.pk:
        raise ServiceError("Ce mandat n'existe pas dans votre structure.")
    if identity is None:
        identity = FranceConnectIdentity.from_usager(mandat.usager)
    elif identity.sub != mandat.usager.sub:
        raise ServiceError(
            "La personne identifiée par FranceConnect n'est pas le titulaire de ce mandat."
        )
    new = create_mandat(
        aidant=aidant,
        organisation=organisation,
        identity=identity,
        demarches=demarches,
        duration=duration,
        signature=signature,
        idempotency_key=idempotency_key,
        renewed_from=mandat,
    )
    leftovers = list(Autorisation.objects.select_for_update().open().filter(mandat=mandat))
    _close_open(
        aidant=aidant,
        organisation=organisation,
        autorisations=leftovers,
        reason=CloseReason.SUPERSEDED,
        action=Action.AUTORISATION_SUPERSEDED,
        now=timezone.now(),
    )
    refresh_summary(organisation, new.usager)
    journal.record(
        Action.MANDAT_RENEWED,
        aidant=aidant,
        organisation=organisation,
        usager=new.usager,
        mandat=new,
        details={"renewed_from_id": mandat.pk},
    )
    return new


@transaction.atomic
def transfer_mandats(
    *, responsable: Aidant, organisation: Organisation, usager: Usager, target: Organisation
) -> list[Mandat]:
    """Moves the usager's active mandates to the structure they chose.

    Each open autorisation the target may handle moves to a new mandate there, with the
    same end date and signature; every open autorisation here closes as transferred.
    """
    _check_member(responsable, organisation, responsable=True)
    if target.pk == organisation.pk or not target.is_active:
        raise ServiceError("Choisissez une autre structure active.")
    Usager.objects.select_for_update().get(pk=usager.pk)
    now = timezone.now()
    mandats = list(
        Mandat.objects.active(now).for_organisation(organisation).for_usager(usager).order_by("pk")
    )
    moved: list[Mandat] = []
    for mandat in mandats:
        open_ones = list(Autorisation.objects.select_for_update().open().filter(mandat=mandat))
        demarches = sorted(a.demarche for a in open_ones if a.demarche in target.allowed_demarches)
        if not demarches:
            continue
        _close_open(
            aidant=responsable,
            organisation=organisation,
            autorisations=open_ones,
            reason=CloseReason.TRANSFERRED,
            action=Action.AUTORISATION_REVOKED,
            now=now,
        )
        new = _insert_mandat(
            aidant=responsable,
            organisation=target,
            usager=usager,
            identity=mandat.usager_identity,
            demarches=demarches,
            duration=mandat.duration,
            expires_at=mandat.expires_at,
            signature_kind=mandat.signature_kind,
            signature_data=mandat.signature_data,
            signature_sha256=mandat.signature_sha256,
            signed_at=mandat.signed_at,
            transferred_from=mandat,
            now=now,
        )
        details = {
            "from_mandat_id": mandat.pk,
            "to_mandat_id": new.pk,
            "from_organisation_id": organisation.pk,
            "to_organisation_id": target.pk,
            "demarches": demarches,
        }
        journal.record(
            Action.MANDAT_TRANSFERRED_OUT,
            aidant=responsable,
            organisation=organisation,
            usager=usager,
            mandat=mandat,
            details=details,
        )
        journal.record(
            Action.MANDAT_TRANSFERRED_IN,
            aidant=responsable,
            organisation=target,
            usager=usager,
            mandat=new,
            details=details,
        )
        moved.append(new)
    refresh_summary(organisation, usager)
    refresh_summary(target, usager)
    if not moved:
        raise ServiceError(
            "Aucun mandat actif de cet usager ne peut être transféré à cette structure."
        )
    return moved
