"""Ed25519 signatures of checkpoints, and their text form to keep outside the database."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings

from journal.hashing import canonical_time

HEADER = "Relais journal checkpoint v1"


def _private_key() -> Ed25519PrivateKey:
    seed = base64.b64decode(settings.JOURNAL_SIGNING_KEY)
    return Ed25519PrivateKey.from_private_bytes(seed)


def public_key_bytes(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(key: Ed25519PublicKey) -> str:
    return hashlib.sha256(public_key_bytes(key)).hexdigest()[:16]


def current_public_key() -> Ed25519PublicKey:
    return _private_key().public_key()


def trusted_keys() -> dict[str, Ed25519PublicKey]:
    """The current key and the retired ones (JOURNAL_RETIRED_PUBLIC_KEYS), by key id."""
    keys = [current_public_key()] + [
        Ed25519PublicKey.from_public_bytes(base64.b64decode(raw))
        for raw in settings.JOURNAL_RETIRED_PUBLIC_KEYS
    ]
    return {key_id(key): key for key in keys}


@dataclass(frozen=True)
class SignedHead:
    tree_size: int
    root_hash: str
    signed_at: datetime

    def message(self) -> bytes:
        return (
            f"{HEADER}\n"
            f"taille: {self.tree_size}\n"
            f"racine: {self.root_hash}\n"
            f"date: {canonical_time(self.signed_at)}\n"
        ).encode()


def sign(head: SignedHead) -> tuple[str, str]:
    """Returns (key id, base64 signature)."""
    private = _private_key()
    signature = private.sign(head.message())
    return key_id(private.public_key()), base64.b64encode(signature).decode()


def signature_is_valid(
    head: SignedHead, key: str, signature: str, keys: dict[str, Ed25519PublicKey]
) -> bool:
    public = keys.get(key)
    if public is None:
        return False
    try:
        public.verify(base64.b64decode(signature), head.message())
    except (InvalidSignature, ValueError):
        return False
    return True


def export_text(head: SignedHead, key: str, signature: str) -> str:
    return f"{head.message().decode()}signature: {key} {signature}\n"
