"""The identity FranceConnect returned for an usager, as typed data between layers."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mandats.models import Usager

_CLAIMS = (
    "sub",
    "given_name",
    "family_name",
    "birthdate",
    "gender",
    "birthplace",
    "birthcountry",
    "email",
    "preferred_username",
)


@dataclass(frozen=True)
class FranceConnectIdentity:
    """The userinfo claims, kept verbatim: never normalise a character (see Usager)."""

    sub: str
    given_name: str
    family_name: str
    birthdate: str
    gender: str
    birthplace: str
    birthcountry: str
    email: str
    preferred_username: str = ""

    @classmethod
    def from_claims(cls, claims: dict[str, Any]) -> FranceConnectIdentity:
        missing = [name for name in _CLAIMS[:-1] if not isinstance(claims.get(name), str)]
        # birthplace is "" for a person born abroad: present, but may be empty.
        missing = [
            name for name in missing if not (name == "birthplace" and claims.get(name) == "")
        ]
        if missing:
            raise ValueError(f"missing identity claims: {', '.join(missing)}")
        values = {name: claims.get(name) or "" for name in _CLAIMS}
        if not all(isinstance(value, str) for value in values.values()):
            raise ValueError("identity claims must be strings")
        return cls(**values)

    @classmethod
    def from_usager(cls, usager: Usager) -> FranceConnectIdentity:
        return cls(**{f.name: getattr(usager, f.name) for f in fields(cls)})

    def as_dict(self) -> dict[str, str]:
        return asdict(self)

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.preferred_username or self.family_name}"
