from __future__ import annotations

from typing import TYPE_CHECKING, Any

from journal.models import Action, Entry

if TYPE_CHECKING:
    from aidants.models import Aidant, Organisation


def record(
    action: Action,
    *,
    aidant: Aidant | None = None,
    organisation: Organisation | None = None,
    target_aidant: Aidant | None = None,
    details: dict[str, Any] | None = None,
) -> Entry:
    """Write one entry in the caller's transaction: it rolls back with the business change."""
    return Entry.objects.create(
        action=action,
        aidant=aidant,
        organisation=organisation,
        target_aidant=target_aidant,
        details=details or {},
    )
