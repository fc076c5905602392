"""Keeps the usagers list's read model (UsagerSummary) in step with the mandates."""

from __future__ import annotations

import unicodedata

from django.db.models import Max, Min, Q

from aidants.models import Organisation
from mandats.models import Mandat, Usager, UsagerSummary


def normalise(text: str) -> str:
    """Lower case without accents, so that "éloïse" finds "ELOISE"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def _names(usager: Usager) -> dict[str, str]:
    return {
        "family_name": usager.family_name,
        "given_name": usager.given_name,
        "preferred_username": usager.preferred_username,
        "birthdate": usager.birthdate,
        "search_text": normalise(
            f"{usager.given_name} {usager.family_name} {usager.preferred_username}"
        ),
    }


def refresh_summary(organisation: Organisation | int, usager: Usager) -> None:
    """Recomputes one (organisation, usager) row from the mandates. Call it in the same
    transaction as the change."""
    organisation_id = organisation if isinstance(organisation, int) else organisation.pk
    mandats = Mandat.objects.filter(
        organisation_id=organisation_id, usager=usager, cancelled_at__isnull=True
    )
    dates = mandats.aggregate(
        first=Min("expires_at"),
        last=Max("expires_at"),
        active=Max("expires_at", filter=Q(autorisations__closed_at__isnull=True)),
    )
    if not Mandat.objects.filter(organisation_id=organisation_id, usager=usager).exists():
        UsagerSummary.objects.filter(organisation_id=organisation_id, usager=usager).delete()
        return
    UsagerSummary.objects.update_or_create(
        organisation_id=organisation_id,
        usager=usager,
        defaults={
            **_names(usager),
            "active_until": dates["active"],
            "first_expires_at": dates["first"],
            "last_expires_at": dates["last"],
        },
    )


def refresh_names(usager: Usager) -> None:
    UsagerSummary.objects.filter(usager=usager).update(**_names(usager))


def rebuild_all() -> int:
    pairs = Mandat.objects.values_list("organisation_id", "usager_id").distinct()
    count = 0
    for organisation_id, usager_id in pairs.iterator():
        refresh_summary(organisation_id, Usager.objects.get(pk=usager_id))
        count += 1
    return count
