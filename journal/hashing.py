"""Canonical serialisation and hashes of journal entries.

Version 1 serialises an entry as compact JSON (UTF-8, sorted keys in `details`) of the list
[1, action, created_at, aidant_id, organisation_id, target_aidant_id, usager_id, mandat_id,
autorisation_id, client_id, details], created_at in UTC with microseconds. A later version
adds a new list shape and a new number; old entries keep verifying with their own version.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

CURRENT_VERSION = 1
GENESIS = bytes(32)


def canonical_time(value: datetime) -> str:
    # Naive values come from SQLite raw queries, which store UTC.
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value.isoformat(timespec="microseconds")


def _no_float(value: str) -> Any:
    raise TypeError(
        "Journal details take no floats: PostgreSQL's jsonb may give them back written "
        "differently, which would change the hash. Use an integer or a string."
    )


def normalise_details(details: dict[str, Any] | None) -> dict[str, Any]:
    """What a JSON column gives back, so that the hash of the stored value is stable."""
    return json.loads(json.dumps(details or {}, ensure_ascii=False), parse_float=_no_float)


def canonical_bytes(
    *,
    version: int,
    action: str,
    created_at: datetime,
    aidant_id: int | None,
    organisation_id: int | None,
    target_aidant_id: int | None,
    usager_id: int | None,
    mandat_id: int | None,
    autorisation_id: int | None,
    client_id: int | None,
    details: dict[str, Any],
) -> bytes:
    if version != 1:
        raise ValueError(f"Unknown journal hash version {version}")
    return json.dumps(
        [
            1,
            action,
            canonical_time(created_at),
            aidant_id,
            organisation_id,
            target_aidant_id,
            usager_id,
            mandat_id,
            autorisation_id,
            client_id,
            details,
        ],
        ensure_ascii=False,
        separators=(",", ":"),
        sort_keys=True,
        allow_nan=False,
    ).encode()


def content_hash(**fields: Any) -> str:
    return hashlib.sha256(canonical_bytes(**fields)).hexdigest()


def chain_step(previous: bytes, entry_id: int, content_hash_hex: str) -> bytes:
    """The chain hash of an entry, committing to every earlier one through `previous`."""
    return hashlib.sha256(
        previous + entry_id.to_bytes(8, "big") + bytes.fromhex(content_hash_hex)
    ).digest()


# The Entry attributes a version 1 hash covers, besides the version itself.
HASHED_ATTRIBUTES = (
    "action",
    "created_at",
    "aidant_id",
    "organisation_id",
    "target_aidant_id",
    "usager_id",
    "mandat_id",
    "autorisation_id",
    "client_id",
    "details",
)


def entry_fields(entry: Any) -> dict[str, Any]:
    """The hashed fields of an Entry instance."""
    return {"version": entry.hash_version} | {
        name: getattr(entry, name) for name in HASHED_ATTRIBUTES
    }
