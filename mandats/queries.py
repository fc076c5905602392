"""Read-side queries of the usagers list: a constant number of queries per page."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from aidants.models import Organisation
from mandats.models import Autorisation, Mandat, Usager, UsagerSummary
from mandats.summaries import normalise

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
) -> QuerySet[UsagerSummary]:
    """The structure's usagers in one tab, by name: reads only this structure's summaries."""
    now = now or timezone.now()
    queryset = UsagerSummary.objects.filter(organisation=organisation)
    active = Q(active_until__gt=now)
    expired = Q(first_expires_at__lte=now)
    if tab == Tab.ACTIVE:
        queryset = queryset.filter(active)
    elif tab == Tab.EXPIRED:
        queryset = queryset.exclude(active).filter(expired)
    else:
        queryset = queryset.exclude(active).exclude(expired)
    q = " ".join(q.split())
    if q:
        birthdate = _birthdate_query(q)
        if birthdate is not None:
            queryset = queryset.filter(birthdate__startswith=birthdate)
        else:
            for word in normalise(q).split():
                queryset = queryset.filter(search_text__contains=word)
    return queryset.order_by("family_name", "given_name", "usager_id")


def attach_active_demarches(
    rows: Iterable[UsagerSummary], organisation: Organisation, now: datetime | None = None
) -> None:
    """Sets `active_demarches` on each row of a page, in one query."""
    rows = list(rows)
    found: dict[int, list[str]] = defaultdict(list)
    autorisations = (
        Autorisation.objects.active(now)
        .for_organisation(organisation)
        .filter(usager_id__in=[row.usager_id for row in rows])
        .order_by("demarche")
        .values_list("usager_id", "demarche")
    )
    for usager_id, demarche in autorisations:
        found[usager_id].append(demarche)
    for row in rows:
        row.active_demarches = found[row.usager_id]  # type: ignore[attr-defined]


def usager_in(organisation: Organisation) -> QuerySet[Usager]:
    """Usagers who have (or had) a mandate with this structure: the others are 404."""
    return Usager.objects.filter(
        Exists(Mandat.objects.filter(organisation=organisation, usager=OuterRef("pk")))
    )
