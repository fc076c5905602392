"""Expiry reminders: each structure is emailed its mandates ending soon, once per mandate."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

import journal
from aidants.models import Membership, Organisation, Role
from journal.models import Action
from mandats.models import Mandat


def _recipients(organisation: Organisation) -> list[str]:
    memberships = Membership.objects.active().filter(organisation=organisation)
    responsables = memberships.filter(role=Role.RESPONSABLE)
    chosen = responsables if responsables.exists() else memberships
    return sorted(set(chosen.values_list("aidant__email", flat=True)))


def send_expiry_reminders(*, now: datetime | None = None) -> int:
    """Returns how many mandates were reminded. One transaction per structure."""
    now = now or timezone.now()
    days = settings.MANDATS_REMINDER_DAYS
    organisation_ids = (
        Mandat.objects.expiring_within(days, now)
        .filter(reminder_sent_at__isnull=True)
        .values_list("organisation_id", flat=True)
        .distinct()
    )
    return sum(_remind(organisation_id, now, days) for organisation_id in list(organisation_ids))


@transaction.atomic
def _remind(organisation_id: int, now: datetime, days: int) -> int:
    # Locked and skipped if locked: two workers never remind the same mandate twice.
    mandats = list(
        Mandat.objects.expiring_within(days, now)
        .filter(organisation_id=organisation_id, reminder_sent_at__isnull=True)
        .select_for_update(skip_locked=True, of=("self",))
        .select_related("usager")
        .order_by("expires_at", "pk")
    )
    organisation = Organisation.objects.get(pk=organisation_id)
    recipients = _recipients(organisation)
    if not mandats or not recipients:
        return 0
    context = {"organisation": organisation, "mandats": mandats, "site_url": settings.SITE_URL}
    # Sent inside the transaction: if sending fails, nothing is marked and the next run retries.
    send_mail(
        subject=f"Relais : {len(mandats)} mandat(s) arrivent à échéance",
        message=render_to_string("mandats/email/expiry_reminder.txt", context),
        from_email=None,
        recipient_list=recipients,
    )
    Mandat.objects.filter(pk__in=[m.pk for m in mandats]).update(reminder_sent_at=now)
    journal.record(
        Action.EXPIRY_REMINDER_SENT,
        organisation=organisation,
        details={"mandat_ids": [m.pk for m in mandats], "recipients": len(recipients)},
    )
    return len(mandats)
