"""Read-side queries of the usagers list: one query per page, whatever its size."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from aidants.models import Organisation
from mandats.models import Autorisation, Mandat, Usager

_FR_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_ISO_PREFIX = re.compile(r"^\d{4}(-\d{2}){0,2}$")


class Tab(StrEnum):
    ACTIVE = "actifs"
    EXPIRED = "expires"
    REVOKED = "revoques"


TAB_LABELS = {Tab.ACTIVE: "Mandats actifs", Tab.EXPIRED: "Expirés", Tab.REVOKED: "Révoqués"}


def _birthdate_query(q: str) -> str | None:
    match = _FR_DATE.match(q)
    if match:
        day, month, year = match.groups()
        return f"{year}-{int(month):02d}-{int(day):02d}"
    return q if _ISO_PREFIX.match(q) else None


def usagers_for(
    organisation: Organisation, *, tab: Tab, q: str = "", now: datetime | None = None
) -> QuerySet[Usager]:
    now = now or timezone.now()
    active = Autorisation.objects.active(now).filter(
        organisation=organisation, usager=OuterRef("pk")
    )
    expired = Mandat.objects.filter(
        organisation=organisation,
        usager=OuterRef("pk"),
        cancelled_at__isnull=True,
        expires_at__lte=now,
    )
    queryset = Usager.objects.filter(
        pk__in=Mandat.objects.filter(organisation=organisation).values("usager_id")
    )
    if tab == Tab.ACTIVE:
        queryset = queryset.filter(Exists(active))
    elif tab == Tab.EXPIRED:
        queryset = queryset.filter(~Exists(active), Exists(expired))
    else:
        queryset = queryset.filter(~Exists(active), ~Exists(expired))
    q = " ".join(q.split())
    if q:
        birthdate = _birthdate_query(q)
        if birthdate is not None:
            queryset = queryset.filter(birthdate__startswith=birthdate)
        else:
            for word in q.split():
                queryset = queryset.filter(
                    Q(family_name__icontains=word)
                    | Q(given_name__icontains=word)
                    | Q(preferred_username__icontains=word)
                )
    last_expiry = (
        Mandat.objects.filter(organisation=organisation, usager=OuterRef("pk"))
        .order_by("-expires_at")
        .values("expires_at")[:1]
    )
    return queryset.annotate(
        active_demarches=ArraySubquery(active.order_by("demarche").values("demarche")),
        last_expiry=Subquery(last_expiry),
    ).order_by("family_name", "given_name", "pk")


def usager_in(organisation: Organisation) -> QuerySet[Usager]:
    """Usagers who have (or had) a mandate with this structure: the others are 404."""
    return Usager.objects.filter(
        Exists(Mandat.objects.filter(organisation=organisation, usager=OuterRef("pk")))
    )
