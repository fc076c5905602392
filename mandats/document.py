"""The mandate's text and the canonical, versioned serialisation its document hash covers.

Version 1 covers: the mandate text, the organisation, the acting aidant, the usager's
FranceConnect identity at signature, the démarches, duration and dates, the signature's
kind and SHA-256, and the mandates it renews or was transferred from. Never change what
a version covers: add a version, and keep computing older ones for older mandates.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

CURRENT_VERSION = 1

MANDAT_TEXT_V1 = (
    "L'usager autorise l'aidant et la structure désignés à réaliser en son nom, en ligne, "
    "les démarches administratives des domaines listés, jusqu'à la date de fin du mandat. "
    "L'aidant agit uniquement à la demande de l'usager, en sa présence ou sur sa demande "
    "explicite, et ne s'en sert pour aucun autre motif. L'usager peut révoquer ce mandat à "
    "tout moment, auprès de la structure. Les données de l'usager sont conservées le temps "
    "exigé par la loi, puis supprimées."
)
MANDAT_TEXTS = {1: MANDAT_TEXT_V1}


def _instant(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def canonical_document(
    *,
    version: int,
    organisation_id: int,
    aidant_id: int,
    usager_identity: dict[str, str],
    demarches: Iterable[str],
    duration: int,
    created_at: datetime,
    expires_at: datetime,
    signed_at: datetime,
    signature_kind: str,
    signature_sha256: str,
    renewed_from_id: int | None,
    transferred_from_id: int | None,
) -> bytes:
    if version != 1:
        raise ValueError(f"unknown document version {version}")
    document: dict[str, Any] = {
        "version": version,
        "text_sha256": hashlib.sha256(MANDAT_TEXTS[version].encode()).hexdigest(),
        "organisation": organisation_id,
        "aidant": aidant_id,
        "usager": dict(sorted(usager_identity.items())),
        "demarches": sorted(demarches),
        "duration": duration,
        "created_at": _instant(created_at),
        "expires_at": _instant(expires_at),
        "signed_at": _instant(signed_at),
        "signature": {"kind": signature_kind, "sha256": signature_sha256},
        "renewed_from": renewed_from_id,
        "transferred_from": transferred_from_id,
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def document_hash(**kwargs: Any) -> str:
    return hashlib.sha256(canonical_document(**kwargs)).hexdigest()


def recompute_document_hash(mandat: Any) -> str:
    """The hash recomputed from what the database holds (verification and tests)."""
    return document_hash(
        version=mandat.document_version,
        organisation_id=mandat.organisation_id,
        aidant_id=mandat.created_by_id,
        usager_identity=mandat.usager_identity,
        demarches=[a.demarche for a in mandat.autorisations.all()],
        duration=mandat.duration,
        created_at=mandat.created_at,
        expires_at=mandat.expires_at,
        signed_at=mandat.signed_at,
        signature_kind=mandat.signature_kind,
        signature_sha256=mandat.signature_sha256,
        renewed_from_id=mandat.renewed_from_id,
        transferred_from_id=mandat.transferred_from_id,
    )
