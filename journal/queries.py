"""Who sees which entries, the auditor filters, and keyset pagination on (created_at, id)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from aidants.models import Aidant, Organisation
from journal.models import Entry, EntryQuerySet

if TYPE_CHECKING:
    from oidc.models import Client

PAGE_SIZE = 50


@dataclass(frozen=True)
class Filters:
    date_from: date | None = None
    date_to: date | None = None
    organisation: Organisation | None = None
    aidant: Aidant | None = None
    usager_id: int | None = None
    action: str = ""
    client: Client | None = None

    def as_details(self) -> dict[str, Any]:
        """For the journal entry of an export: ids and dates, never names."""
        return {
            "date_from": self.date_from.isoformat() if self.date_from else None,
            "date_to": self.date_to.isoformat() if self.date_to else None,
            "organisation_id": self.organisation.pk if self.organisation else None,
            "aidant_id": self.aidant.pk if self.aidant else None,
            "usager_id": self.usager_id,
            "action": self.action or None,
            "client_id": self.client.pk if self.client else None,
        }


def reader_scope(request: HttpRequest) -> Organisation | None:
    """None for auditors (whole journal), else the responsable's structure.

    Callers must have checked can_read_journal() first.
    """
    user = request.user
    if isinstance(user, Aidant) and user.is_auditor:
        return None
    return request.organisation  # type: ignore[attr-defined]


def can_read_journal(request: HttpRequest) -> bool:
    user = request.user
    if isinstance(user, Aidant) and user.is_auditor:
        return True
    membership = getattr(request, "membership", None)
    return membership is not None and membership.is_responsable


def visible_entries(scope: Organisation | None) -> EntryQuerySet:
    entries = Entry.objects.all()
    return entries if scope is None else entries.filter(organisation=scope)


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def apply_filters(entries: EntryQuerySet, filters: Filters) -> EntryQuerySet:
    if filters.date_from:
        entries = entries.filter(created_at__gte=_start_of(filters.date_from))
    if filters.date_to:
        entries = entries.filter(created_at__lt=_start_of(filters.date_to + timedelta(days=1)))
    if filters.organisation:
        entries = entries.filter(organisation=filters.organisation)
    if filters.aidant:
        entries = entries.filter(aidant=filters.aidant)
    if filters.usager_id:
        entries = entries.filter(usager_id=filters.usager_id)
    if filters.action:
        entries = entries.filter(action=filters.action)
    if filters.client:
        entries = entries.filter(client=filters.client)
    return entries


@dataclass(frozen=True)
class Cursor:
    """The position after which the next page starts (newest first)."""

    created_at: datetime
    id: int

    def encode(self) -> str:
        micros = (self.created_at - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
        return f"{micros}_{self.id}"

    @classmethod
    def decode(cls, raw: str) -> Cursor | None:
        micros, _, ident = raw.partition("_")
        if not (micros.lstrip("-").isdigit() and ident.isdigit()):
            return None
        try:
            moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=int(micros))
        except OverflowError:
            return None
        return cls(moment, int(ident))


def after(entries: EntryQuerySet, cursor: Cursor | None) -> EntryQuerySet:
    """Keyset condition; the redundant created_at bound lets PostgreSQL walk the index."""
    ordered = entries.order_by("-created_at", "-id")
    if cursor is None:
        return ordered
    return ordered.filter(
        Q(created_at__lt=cursor.created_at) | Q(created_at=cursor.created_at, id__lt=cursor.id),
        created_at__lte=cursor.created_at,
    )


def page(
    entries: EntryQuerySet, cursor: Cursor | None, size: int | None = None
) -> tuple[list[Entry], Cursor | None]:
    size = size or PAGE_SIZE
    rows = list(
        after(entries, cursor).select_related(
            "aidant", "organisation", "target_aidant", "usager", "client", "seal"
        )[: size + 1]
    )
    if len(rows) <= size:
        return rows, None
    rows = rows[:size]
    return rows, Cursor(rows[-1].created_at, rows[-1].pk)
