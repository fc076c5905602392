"""Which usagers and démarches the aidant may pick for a client, and the usager search."""

from __future__ import annotations

import re

from django.db.models import F, Func, QuerySet, TextField

from aidants.models import Organisation
from mandats.models import Autorisation, Usager

MAX_RESULTS = 20


class SearchText(Func):
    """The usager's names in one string: family name, given names and usage name.

    One trigram index covers this exact expression (migration 0003), so a term is looked
    up with one index scan instead of three ORed ones, which PostgreSQL would rather skip
    for a sequential scan of every usager. Terms never hold a space, so a term can't match
    across two names.
    """

    template = "(%(expressions)s)"
    arg_joiner = " || ' ' || "
    output_field = TextField()

    def __init__(self) -> None:
        super().__init__(F("family_name"), F("given_name"), F("preferred_username"))


_DATE_FR = re.compile(r"^(\d{2})/(\d{2})/(\d{4})$")


def active_autorisations(
    organisation: Organisation, demarches: list[str]
) -> QuerySet[Autorisation]:
    return Autorisation.objects.active().for_organisation(organisation).for_demarches(demarches)


def search_usagers(*, organisation: Organisation, demarches: list[str], query: str) -> list[Usager]:
    """Usagers with an active autorisation for one of demarches, matching every term.

    A term matches a name (given, birth or usage) or the birth date (JJ/MM/AAAA).
    """
    usagers = Usager.objects.alias(search_text=SearchText()).filter(
        pk__in=active_autorisations(organisation, demarches).values("usager_id")
    )
    for term in query.split()[:5]:
        date = _DATE_FR.match(term)
        if date:
            usagers = usagers.filter(birthdate=f"{date[3]}-{date[2]}-{date[1]}")
            continue
        usagers = usagers.filter(search_text__icontains=term)
    return list(usagers.order_by("family_name", "given_name", "pk")[:MAX_RESULTS])
