from __future__ import annotations

import logging
from functools import cache
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connections, models, router, transaction
from django.db.models import Field
from django.utils import timezone

from journal.hashing import CURRENT_VERSION, content_hash, entry_fields, normalise_details
from journal.models import Action, Entry

logger = logging.getLogger(__name__)

if TYPE_CHECKING:
    from aidants.models import Aidant, Organisation
    from mandats.models import Autorisation, Mandat, Usager
    from oidc.models import Client


def record(
    action: Action,
    *,
    aidant: Aidant | None = None,
    organisation: Organisation | None = None,
    target_aidant: Aidant | None = None,
    usager: Usager | None = None,
    mandat: Mandat | None = None,
    autorisation: Autorisation | None = None,
    client: Client | None = None,
    details: dict[str, Any] | None = None,
) -> Entry:
    """Write one entry in the caller's transaction: it rolls back with the business change.

    The entry is queued for sealing; the sealer gives it its place in the chain once this
    transaction has committed, so concurrent transactions never wait on a journal lock.
    """
    entry = Entry(
        action=Action(action),
        created_at=timezone.now(),
        aidant=aidant,
        organisation=organisation,
        target_aidant=target_aidant,
        usager=usager,
        mandat=mandat,
        autorisation=autorisation,
        client=client,
        details=normalise_details(details),
        hash_version=CURRENT_VERSION,
    )
    entry.content_hash = content_hash(**entry_fields(entry))
    # A database trigger queues the entry for the sealer (journal_pendingentry).
    insert_row(entry)
    if settings.JOURNAL_SEAL_ON_COMMIT:
        transaction.on_commit(_seal_after_commit)
    return entry


@cache
def _insert_statement(
    model: type[models.Model], using: str
) -> tuple[str, tuple[Field[Any, Any], ...]]:
    meta = model._meta
    assert meta.pk is not None
    fields = tuple(f for f in meta.concrete_fields if not f.primary_key and f.column)
    quote = connections[using].ops.quote_name
    columns = ", ".join(quote(str(f.column)) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({placeholders}) "  # noqa: S608
        f"RETURNING {quote(str(meta.pk.column))}"
    )
    return sql, fields


def insert_row(instance: models.Model) -> None:
    """One INSERT ... RETURNING, its SQL built once per model: every journaled action pays
    for it, and Model.save()'s generic machinery costs more than the statement itself."""
    model = type(instance)
    using = router.db_for_write(model)
    connection = connections[using]
    sql, fields = _insert_statement(model, using)
    params = [f.get_db_prep_save(getattr(instance, f.attname), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        instance.pk = cursor.fetchone()[0]
    instance._state.adding = False
    instance._state.db = using


def _seal_after_commit() -> None:
    # No Celery beat in `make run`: seal right after the commit instead. A failure here
    # must not fail the request that already committed; beat or verify will report it.
    from journal.sealing import run_sealer

    try:
        run_sealer()
    except Exception:
        logger.exception("Sealing the journal after commit failed")
