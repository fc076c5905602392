"""The sealer: gives committed entries their place in the chain, and signs checkpoints.

Business transactions only insert their entry and a queue row (PendingEntry). The sealer
runs in its own short transaction, sees only committed queue rows, appends their seals in
one batch, and removes them from the queue. Only sealers wait on each other (an advisory
lock on PostgreSQL), never the transactions that write entries.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from journal.hashing import GENESIS, HASHED_ATTRIBUTES, chain_step, content_hash
from journal.models import Checkpoint, Entry, PendingEntry, Seal
from journal.signing import SignedHead, sign

logger = logging.getLogger(__name__)

BATCH_SIZE = 5000
_SEALER_LOCK = 0x4A4F55524E414C  # "JOURNAL"


def _lock_sealer() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_SEALER_LOCK])


def _head() -> tuple[int, bytes]:
    last = Seal.objects.order_by("-sequence").values_list("sequence", "chain_hash").first()
    if last is None:
        return 0, GENESIS
    return last[0], bytes.fromhex(last[1])


@transaction.atomic
def seal_batch(limit: int = BATCH_SIZE) -> int:
    """Seals up to `limit` queued entries; returns how many.

    Plain tuples, not model instances, and one multi-row statement each for the seals and
    the queue: the sealer keeps pace with thousands of appends per second on one core."""
    _lock_sealer()
    pending = list(
        Entry.objects.filter(pendingentry__isnull=False)
        .order_by("id")
        .values_list("id", "content_hash", "hash_version", *HASHED_ATTRIBUTES)[:limit]
    )
    if not pending:
        return 0
    sequence, previous = _head()
    sealed_at = Seal._meta.get_field("sealed_at").get_db_prep_save(timezone.now(), connection)
    seals = []
    for entry_id, stored_hash, version, *fields in pending:
        computed = content_hash(
            version=version, **dict(zip(HASHED_ATTRIBUTES, fields, strict=True))
        )
        if computed != stored_hash:
            # Changed before sealing: leave it queued so that verify reports it.
            logger.error("Journal entry %s does not match its content hash", entry_id)
            continue
        sequence += 1
        previous = chain_step(previous, entry_id, stored_hash)
        seals.append((sequence, entry_id, previous.hex(), sealed_at))
    with connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO journal_seal (sequence, entry_id, chain_hash, sealed_at)"
            " VALUES (%s, %s, %s, %s)",
            seals,
        )
    PendingEntry.objects.filter(entry_id__in=[seal[1] for seal in seals]).delete()
    return len(seals)


def seal_pending() -> int:
    total = 0
    while count := seal_batch():
        total += count
        if count < BATCH_SIZE:
            break
    return total


@transaction.atomic
def make_checkpoint(*, force: bool = False) -> Checkpoint | None:
    """Signs the current head, when the chain grew and the last checkpoint is old enough."""
    _lock_sealer()
    size, head = _head()
    last = Checkpoint.objects.order_by("-tree_size").first()
    if size == 0 or (last is not None and last.tree_size == size):
        return None
    interval = timedelta(seconds=settings.JOURNAL_CHECKPOINT_INTERVAL_SECONDS)
    if not force and last is not None and timezone.now() - last.signed_at < interval:
        return None
    signed = SignedHead(tree_size=size, root_hash=head.hex(), signed_at=timezone.now())
    key, signature = sign(signed)
    return Checkpoint.objects.create(
        tree_size=signed.tree_size,
        root_hash=signed.root_hash,
        signed_at=signed.signed_at,
        key_id=key,
        signature=signature,
    )


def run_sealer() -> int:
    """Seal what is queued, then sign a checkpoint when one is due."""
    count = seal_pending()
    make_checkpoint()
    return count
