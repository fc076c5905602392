"""The streamed CSV export: constant memory, French column names, a final checksum line."""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from journal.hashing import canonical_time
from journal.models import Action, EntryQuerySet
from journal.queries import Cursor, after

BATCH = 2000

COLUMNS = [
    "Numéro",
    "Date (UTC)",
    "Action",
    "Libellé",
    "Aidant",
    "Structure",
    "Aidant concerné",
    "Usager",
    "Mandat",
    "Autorisation",
    "Client OIDC",
    "Détails",
    "Empreinte",
    "Séquence",
    "Chaînage",
]

_FIELDS = (
    "id",
    "created_at",
    "action",
    "aidant__email",
    "organisation__name",
    "target_aidant__email",
    "usager_id",
    "mandat_id",
    "autorisation_id",
    "details",
    "content_hash",
    "seal__sequence",
    "seal__chain_hash",
    "client__client_id",
)

_LABELS = dict(Action.choices)


class _Line:
    """csv.writer target that hands back each formatted line."""

    def write(self, value: str) -> str:
        return value


def _cells(row: tuple[Any, ...]) -> list[Any]:
    (ident, created_at, action, aidant, organisation, target, usager, mandat, autorisation,
     details, content, sequence, chain, client) = row  # fmt: skip
    return [
        ident,
        canonical_time(created_at),
        action,
        _LABELS.get(action, action),
        aidant or "",
        organisation or "",
        target or "",
        usager or "",
        mandat or "",
        autorisation or "",
        client or "",
        json.dumps(details, ensure_ascii=False, sort_keys=True) if details else "",
        content,
        sequence or "",
        chain or "",
    ]


def csv_lines(entries: EntryQuerySet) -> Iterator[str]:
    """Yields the CSV lines, reading the entries by keyset batches; the last line carries
    the SHA-256 of every line before it and their count."""
    writer = csv.writer(_Line())
    digest = hashlib.sha256()
    count = 0
    header: str = writer.writerow(COLUMNS)
    digest.update(header.encode())
    yield header
    cursor: Cursor | None = None
    while True:
        rows = list(after(entries, cursor).values_list(*_FIELDS)[:BATCH])
        if not rows:
            break
        chunk = "".join(writer.writerow(_cells(row)) for row in rows)
        digest.update(chunk.encode())
        count += len(rows)
        yield chunk
        if len(rows) < BATCH:
            break
        cursor = Cursor(rows[-1][1], rows[-1][0])
    generated = canonical_time(datetime.now(UTC))
    yield writer.writerow(
        [
            f"# Somme de contrôle SHA-256 des lignes précédentes : {digest.hexdigest()}",
            f"{count} entrées",
            f"générée le {generated}",
        ]
    )
