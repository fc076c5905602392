"""verify_journal: recompute every content hash, every chain link and every checkpoint."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from hashlib import sha256
from typing import Any, NamedTuple

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from journal.hashing import GENESIS, chain_step, content_hash
from journal.models import Checkpoint, Entry, PendingEntry, Seal, VerificationRun
from journal.signing import signature_is_valid, trusted_keys

CHUNK = 20000

CONTENT_CHANGED = "contenu modifié"
ENTRY_MISSING = "entrée manquante"
ENTRY_INSERTED = "entrée insérée"
ORDER_CHANGED = "ordre modifié"
CHECKPOINT_MISMATCH = "point de contrôle non conforme"
UNSEALED = "entrée non scellée"

_COLUMNS = (
    "s.sequence, s.entry_id, s.chain_hash, e.id, e.hash_version, e.action, e.created_at, "
    "e.aidant_id, e.organisation_id, e.target_aidant_id, e.usager_id, e.mandat_id, "
    "e.autorisation_id, e.details, e.client_id, e.content_hash"
)
# On PostgreSQL the server formats the version 1 serialisation around action and details
# (time and ids), on its own core. tests/journal/test_verify.py proves it matches
# journal.hashing byte for byte.
_POSTGRES_COLUMNS = (
    "s.sequence, s.entry_id, s.chain_hash, e.id, e.hash_version, e.action, "
    """'"' || to_char(e.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') """
    """|| '+00:00",' || concat_ws(',', """
    "coalesce(e.aidant_id::text, 'null'), coalesce(e.organisation_id::text, 'null'), "
    "coalesce(e.target_aidant_id::text, 'null'), coalesce(e.usager_id::text, 'null'), "
    "coalesce(e.mandat_id::text, 'null'), coalesce(e.autorisation_id::text, 'null'), "
    "coalesce(e.client_id::text, 'null')), "
    "CASE WHEN e.details = '{}'::jsonb THEN NULL ELSE e.details::text END, e.content_hash"
)


class Row(NamedTuple):
    sequence: int
    entry_id: int
    chain_hash: bytes
    present: bool
    stored_content_hash: str
    computed_content_hash: str


@dataclass(frozen=True)
class Problem:
    sequence: int | None
    entry_id: int | None
    kind: str
    detail: str

    def __str__(self) -> str:
        where = f"séquence {self.sequence}" if self.sequence is not None else "hors chaîne"
        entry = f", entrée n° {self.entry_id}" if self.entry_id is not None else ""
        return f"{where}{entry} : {self.kind} ({self.detail})"


@dataclass(frozen=True)
class Result:
    entries: int
    checkpoints: int
    problem: Problem | None
    seconds: float

    @property
    def ok(self) -> bool:
        return self.problem is None


def _content(row: tuple[Any, ...]) -> str:
    details = row[13]
    if isinstance(details, str):
        details = json.loads(details)
    return content_hash(
        version=row[4],
        action=row[5],
        created_at=row[6],
        aidant_id=row[7],
        organisation_id=row[8],
        target_aidant_id=row[9],
        usager_id=row[10],
        mandat_id=row[11],
        autorisation_id=row[12],
        client_id=row[14],
        details=details,
    )


_ACTIONS: dict[str, str] = {}


def _postgres_content(row: tuple[Any, ...]) -> str:
    version, action, middle, details = row[4], row[5], row[6], row[7]
    if version != 1:
        return "version inconnue"
    quoted = _ACTIONS.get(action)
    if quoted is None:
        quoted = _ACTIONS[action] = json.dumps(action, ensure_ascii=False)
    if details is None:
        details = "{}"
    else:
        details = json.dumps(
            json.loads(details),
            ensure_ascii=False,
            separators=(",", ":"),
            sort_keys=True,
            allow_nan=False,
        )
    return sha256(f"[1,{quoted},{middle},{details}]".encode()).hexdigest()


def _rows(start: int, last: int) -> Iterator[Row]:
    """The rows with start < sequence <= last, in order."""
    postgres = connection.vendor == "postgresql"
    columns = _POSTGRES_COLUMNS if postgres else _COLUMNS
    with connection.cursor() as cursor:
        while start < last:
            cursor.execute(
                f"SELECT {columns} FROM journal_seal s "  # noqa: S608 (constant columns)
                "LEFT JOIN journal_entry e ON e.id = s.entry_id "
                "WHERE s.sequence > %s AND s.sequence <= %s ORDER BY s.sequence",
                [start, min(start + CHUNK, last)],
            )
            for row in cursor.fetchall():
                if row[3] is None:
                    yield Row(row[0], row[1], bytes.fromhex(row[2]), False, "", "")
                    continue
                computed = _postgres_content(row) if postgres else _content(row)
                yield Row(row[0], row[1], bytes.fromhex(row[2]), True, row[-1], computed)
            start += CHUNK


def _link(previous: bytes, row: Row, content: str | None = None) -> bytes:
    return chain_step(previous, row.entry_id, content or row.stored_content_hash)


def _diagnose(before: bytes, previous: Row | None, row: Row, following: Row | None) -> Problem:
    """The chain breaks at `row`: say what most likely happened, naming the right entry."""
    base = previous.chain_hash if previous else GENESIS
    if previous is not None and _link(before, row) == row.chain_hash:
        # `row` links to the entry before `previous`: `previous` was inserted.
        return Problem(previous.sequence, previous.entry_id, ENTRY_INSERTED, "hors de la chaîne")
    if following is not None and following.present:
        if (
            _link(base, following) == row.chain_hash
            or _link(base, row, following.stored_content_hash) == row.chain_hash
            or _link(following.chain_hash, row) == row.chain_hash
        ):
            return Problem(
                row.sequence,
                row.entry_id,
                ORDER_CHANGED,
                f"échangée avec la séquence {following.sequence}",
            )
        if _link(base, following) == following.chain_hash:
            return Problem(row.sequence, row.entry_id, ENTRY_INSERTED, "hors de la chaîne")
    return Problem(
        row.sequence, row.entry_id, ENTRY_MISSING, "le chaînage avec l'entrée précédente est rompu"
    )


def _walk(
    checkpoints: list[Checkpoint], last: int, start: int = 0
) -> tuple[int, int, Problem | None]:
    """Checks every row after `start` in Python and names the first problem exactly."""
    keys = trusted_keys()
    by_size = {checkpoint.tree_size: checkpoint for checkpoint in checkpoints}
    before, previous_hash, previous = GENESIS, GENESIS, None
    context = list(_rows(start - 2, start)) if start >= 2 else []
    if len(context) == 2:
        before, previous_hash, previous = context[0].chain_hash, context[1].chain_hash, context[1]
    else:
        start = 0
    expected, verified_checkpoints = start + 1, 0
    rows = _rows(start, last)
    for row in rows:
        if row.sequence != expected:
            return (
                expected - 1,
                verified_checkpoints,
                Problem(
                    expected, None, ENTRY_MISSING, f"séquence suivante trouvée : {row.sequence}"
                ),
            )
        if not row.present:
            return (
                expected - 1,
                verified_checkpoints,
                Problem(
                    row.sequence, row.entry_id, ENTRY_MISSING, "la ligne de l'entrée a disparu"
                ),
            )
        if row.computed_content_hash != row.stored_content_hash:
            return (
                expected - 1,
                verified_checkpoints,
                Problem(
                    row.sequence, row.entry_id, CONTENT_CHANGED, "l'empreinte ne correspond plus"
                ),
            )
        if _link(previous_hash, row) != row.chain_hash:
            following = next(rows, None)
            return expected - 1, verified_checkpoints, _diagnose(before, previous, row, following)
        checkpoint = by_size.get(row.sequence)
        if checkpoint is not None:
            mismatch = _check_checkpoint(checkpoint, row, keys)
            if mismatch is not None:
                return expected - 1, verified_checkpoints, mismatch
            verified_checkpoints += 1
        before, previous_hash, previous = previous_hash, row.chain_hash, row
        expected += 1
    size = expected - 1
    beyond = [c for c in checkpoints if c.tree_size > size]
    if beyond:
        return (
            size,
            verified_checkpoints,
            Problem(
                size + 1,
                None,
                ENTRY_MISSING,
                f"le point de contrôle signé le {beyond[0].signed_at:%d/%m/%Y %H:%M:%S} "
                f"compte {beyond[0].tree_size} entrées",
            ),
        )
    return size, verified_checkpoints, None


def _check_checkpoint(checkpoint: Checkpoint, row: Row, keys: dict[str, Any]) -> Problem | None:
    if not signature_is_valid(checkpoint.head(), checkpoint.key_id, checkpoint.signature, keys):
        detail = f"signature invalide du point de contrôle de taille {checkpoint.tree_size}"
    elif checkpoint.root_hash != row.chain_hash.hex():
        detail = (
            f"la racine ne correspond pas au point de contrôle de taille {checkpoint.tree_size}"
        )
    else:
        return None
    return Problem(row.sequence, row.entry_id, CHECKPOINT_MISMATCH, detail)


def _unsealed(sealed: int) -> Problem | None:
    bound = timezone.now() - timedelta(seconds=settings.JOURNAL_SEAL_BOUND_SECONDS)
    queued = PendingEntry.objects.exclude(entry__seal__isnull=False)
    if Entry.objects.count() == sealed + queued.count():
        # Every unsealed entry is still queued: only the queue needs looking at.
        unsealed = Entry.objects.filter(pk__in=queued.values("entry_id"))
    else:
        unsealed = Entry.objects.filter(seal__isnull=True)
    late = (
        unsealed.filter(created_at__lt=bound).order_by("id").values_list("id", "created_at").first()
    )
    if late is None:
        return None
    return Problem(
        None, late[0], UNSEALED, f"écrite le {timezone.localtime(late[1]):%d/%m/%Y %H:%M:%S}"
    )


def verify(*, independent: bool = False) -> Result:
    """On PostgreSQL a fast pass lets the server recompute the hashes and links of whole
    ranges (in parallel when run outside a transaction); Python then re-checks from just
    before the first suspicious row and names it. `independent` checks every row in Python
    (also what SQLite always does), without trusting the database's own hashing."""
    started = time.monotonic()
    postgres = connection.vendor == "postgresql"
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if postgres and outermost:
            with connection.cursor() as cursor:
                # One snapshot for the whole run, although the sealer keeps appending.
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        checkpoints = list(Checkpoint.objects.order_by("tree_size"))
        last = Seal.objects.order_by("-sequence").values_list("sequence", flat=True).first() or 0
        if postgres and not independent:
            suspicious = [
                found
                for found in (
                    _fast_scan(last, parallel=outermost),
                    _fast_checkpoints(checkpoints, last),
                )
                if found is not None
            ]
            if suspicious:
                entries, counted, walk_problem = _walk(checkpoints, last, min(suspicious) - 3)
            else:
                entries, counted, walk_problem = last, len(checkpoints), None
        else:
            entries, counted, walk_problem = _walk(checkpoints, last)
        problem = walk_problem or _unsealed(entries)
    return Result(entries, counted, problem, time.monotonic() - started)


# -- Fast pass (PostgreSQL): the server recomputes hashes and links, in parallel ----------

# Content hash of version 1 entries whose details are flat (no nested object or array): the
# same bytes as journal.hashing.canonical_bytes. Other rows come back for Python to hash.
_SQL_DETAILS = """
CASE WHEN e.details = '{}'::jsonb THEN '{}' ELSE (
    SELECT CASE WHEN bool_or(jsonb_typeof(d.value) IN ('object', 'array')) THEN NULL ELSE
        '{' || string_agg(to_json(d.key)::text || ':' || d.value::text, ','
                          ORDER BY d.key COLLATE "C") || '}'
    END
    FROM jsonb_each(e.details) d
) END
"""
_SQL_MIDDLE = (
    """'"' || to_char(e.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') """
    """|| '+00:00",' || concat_ws(',', """
    "coalesce(e.aidant_id::text, 'null'), coalesce(e.organisation_id::text, 'null'), "
    "coalesce(e.target_aidant_id::text, 'null'), coalesce(e.usager_id::text, 'null'), "
    "coalesce(e.mandat_id::text, 'null'), coalesce(e.autorisation_id::text, 'null'), "
    "coalesce(e.client_id::text, 'null'))"
)
_FAST_SCAN = f"""
SELECT sequence, content_hash, action, middle, details_text, broken,
    canonical_details IS NULL
FROM (
    SELECT s.sequence, e.content_hash, e.action, e.details::text AS details_text,
        {_SQL_MIDDLE} AS middle,
        {_SQL_DETAILS} AS canonical_details,
        e.id IS NULL
        OR e.hash_version <> 1
        OR (p.sequence IS NULL AND s.sequence <> 1)
        OR s.chain_hash <> encode(sha256(
            decode(coalesce(p.chain_hash, repeat('0', 64)), 'hex')
            || int8send(s.entry_id) || decode(e.content_hash, 'hex')
        ), 'hex') AS broken
    FROM journal_seal s
    LEFT JOIN journal_seal p ON p.sequence = s.sequence - 1
        AND p.sequence >= %(start)s AND p.sequence < %(stop)s
    LEFT JOIN journal_entry e
        ON e.id = s.entry_id AND e.id BETWEEN %(first_id)s AND %(last_id)s
    WHERE s.sequence > %(start)s AND s.sequence <= %(stop)s
    OFFSET 0
) t
-- IS NOT FALSE and IS DISTINCT FROM: a NULL slipped into a row must flag it, not hide it.
WHERE broken IS NOT FALSE OR canonical_details IS NULL
    OR content_hash IS DISTINCT FROM encode(sha256(convert_to(
    '[1,' || to_json(action)::text || ',' || middle || ',' || canonical_details || ']',
    'UTF8'
)), 'hex')
ORDER BY sequence
"""  # noqa: S608 (constant fragments only)
FAST_CHUNK = 250_000
FAST_WORKERS = 2


def _scan_chunk(cursor: Any, start: int, stop: int) -> int | None:
    """The first suspicious sequence in (start, stop], or None.

    Each seal is joined to its predecessor by sequence rather than ordered through a window,
    so that nothing is sorted but the few rows that come back. Chunks are parallelised by
    _fast_scan itself: PostgreSQL's own parallel workers would only compete with them.
    """
    # Entry ids follow the chain order closely: bounding them lets PostgreSQL read the
    # entries of a range in one index range scan and hash-join them.
    cursor.execute(
        "SET LOCAL jit = off; SET LOCAL work_mem = '64MB';"
        " SET LOCAL max_parallel_workers_per_gather = 0"
    )
    # "+ 0" keeps PostgreSQL from answering min/max by walking the entry_id index while
    # filtering on sequence: on a middle range of 10 million seals that reads millions of
    # rows, where the sequence range holds only the chunk's.
    cursor.execute(
        "SELECT min(entry_id + 0), max(entry_id + 0) FROM journal_seal"
        " WHERE sequence > %(start)s AND sequence <= %(stop)s",
        {"start": start, "stop": stop},
    )
    first_id, last_id = cursor.fetchone()
    cursor.execute(
        _FAST_SCAN,
        {"start": start, "stop": stop, "first_id": first_id or 0, "last_id": last_id or 0},
    )
    for sequence, stored, action, middle, details, broken, python_hashes in cursor.fetchall():
        if broken is not False or not python_hashes or action is None or middle is None:
            return int(sequence)
        # Nested details: the server could not serialise them, Python hashes them.
        computed = _postgres_content((None, None, None, None, 1, action, middle, details))
        if computed != stored:
            return int(sequence)
    return None


def _worker_connection(snapshot: str) -> Any:
    import psycopg

    database = connection.settings_dict
    worker = psycopg.connect(
        dbname=database["NAME"],
        user=database.get("USER") or None,
        password=database.get("PASSWORD") or None,
        host=database.get("HOST") or None,
        port=database.get("PORT") or None,
    )
    worker.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
    worker.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
    return worker


def _fast_scan(last: int, parallel: bool) -> int | None:
    ranges = [(start, min(start + FAST_CHUNK, last)) for start in range(0, last, FAST_CHUNK)]
    if not parallel or len(ranges) < 2:
        with connection.cursor() as cursor:
            for start, stop in ranges:
                first = _scan_chunk(cursor, start, stop)
                if first is not None:
                    return first
            return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
    pending = list(reversed(ranges))
    lock = threading.Lock()

    def work() -> list[int]:
        found: list[int] = []
        with _worker_connection(snapshot) as worker, worker.cursor() as cursor:
            while True:
                with lock:
                    if not pending:
                        return found
                    start, stop = pending.pop()
                first = _scan_chunk(cursor, start, stop)
                if first is not None:
                    found.append(first)

    # result() re-raises a worker's failure: a range that was not scanned must never pass.
    with ThreadPoolExecutor(max_workers=FAST_WORKERS) as pool:
        futures = [pool.submit(work) for _ in range(FAST_WORKERS)]
        found = [sequence for future in futures for sequence in future.result()]
    return min(found, default=None)


def _fast_checkpoints(checkpoints: list[Checkpoint], last: int) -> int | None:
    """The first checkpoint that does not hold, as a sequence, or None."""
    keys = trusted_keys()
    stored = dict(
        Seal.objects.filter(sequence__in=[c.tree_size for c in checkpoints]).values_list(
            "sequence", "chain_hash"
        )
    )
    for checkpoint in checkpoints:
        if (
            checkpoint.tree_size > last
            or stored.get(checkpoint.tree_size) != checkpoint.root_hash
            or not signature_is_valid(
                checkpoint.head(), checkpoint.key_id, checkpoint.signature, keys
            )
        ):
            return min(checkpoint.tree_size, last + 1)
    return None


def verify_and_store(*, independent: bool = False) -> Result:
    result = verify(independent=independent)
    VerificationRun.objects.create(
        duration_seconds=result.seconds,
        ok=result.ok,
        entries_verified=result.entries,
        checkpoints_verified=result.checkpoints,
        failed_sequence=result.problem.sequence if result.problem else None,
        failed_entry_id=result.problem.entry_id if result.problem else None,
        message=str(result.problem) if result.problem else "",
    )
    return result
