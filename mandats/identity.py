"""The identity FranceConnect returned for an usager, as typed data between layers."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mandats.models import Usager

# The identity claims FranceConnect returns besides `sub`, in its own order.
IDENTITY_CLAIMS = (
    "given_name",
    "family_name",
    "birthdate",
    "gender",
    "birthplace",
    "birthcountry",
    "email",
    "preferred_username",
)
_CLAIMS = ("sub", *IDENTITY_CLAIMS)
_MAY_BE_EMPTY = {"birthplace", "preferred_username"}


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
        """Raises ValueError unless every identity claim is a string; all but birthplace
        (empty for a person born abroad, 99xxx) and preferred_username are non-empty."""
        values: dict[str, str] = {}
        for name in _CLAIMS:
            value = claims.get(name, "" if name in _MAY_BE_EMPTY else None)
            if not isinstance(value, str) or (not value and name not in _MAY_BE_EMPTY):
                raise ValueError(f"identity claim {name} is missing or invalid")
            values[name] = value
        if values["birthcountry"] == "99100" and not values["birthplace"]:
            raise ValueError("a person born in France has a birthplace")
        return cls(**values)

    @classmethod
    def from_usager(cls, usager: Usager) -> FranceConnectIdentity:
        return cls(**{f.name: getattr(usager, f.name) for f in fields(cls)})

    def as_dict(self) -> dict[str, str]:
        return asdict(self)

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.preferred_username or self.family_name}"
