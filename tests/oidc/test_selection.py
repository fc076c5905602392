"""The usager search behind the authorize pages: what matches, and that PostgreSQL can answer
it from the trigram index rather than by reading every usager."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from mandats.models import Usager
from oidc.selection import SearchText, search_usagers
from tests.factories import MandatFactory, UsagerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def found(organisation: Any, aidant: Any) -> Any:
    def make(**identity: str) -> Usager:
        usager: Any = UsagerFactory(**identity)
        MandatFactory(
            organisation=organisation, created_by=aidant, usager=usager, demarches=["papiers"]
        )
        return usager

    def search(query: str) -> list[Usager]:
        return search_usagers(organisation=organisation, demarches=["papiers"], query=query)

    make.search = search  # type: ignore[attr-defined]
    return make


def test_a_term_matches_any_name_whatever_the_case(found: Any) -> None:
    usager = found(family_name="MARTIN", given_name="Élodie Anne", preferred_username="LEROUX")
    found(family_name="DURAND", given_name="Paul")
    for term in ("martin", "élodie", "ANNE", "lerou", "Élo"):
        assert found.search(term) == [usager], term


def test_every_term_must_match_and_a_term_never_spans_two_names(found: Any) -> None:
    usager = found(family_name="MARTIN", given_name="Élodie", preferred_username="")
    found(family_name="MARTIN", given_name="Paul")
    assert found.search("martin élodie") == [usager]
    assert found.search("tin élo") == [usager]
    # The names are joined with a space: "MARTIN Élodie" must not match a term across them.
    assert found.search("martinélodie") == []
    assert found.search("nélo") == []


def test_like_wildcards_in_a_term_are_taken_literally(found: Any) -> None:
    found(family_name="MARTIN", given_name="Élodie")
    assert found.search("%") == []
    assert found.search("m_rtin") == []


def test_usagers_of_another_démarche_are_not_found(
    found: Any, organisation: Any, aidant: Any
) -> None:
    other = UsagerFactory(family_name="MARTIN")
    MandatFactory(organisation=organisation, created_by=aidant, usager=other, demarches=["social"])
    assert found.search("martin") == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the index is PostgreSQL's")
def test_the_search_can_use_the_trigram_index(found: Any) -> None:
    """The index covers one exact expression: if SearchText or the lookup drifted from it,
    PostgreSQL would silently go back to reading every usager. With sequential scans
    discouraged, the plan must name the index."""
    found(family_name="MARTIN", given_name="Élodie")
    query = Usager.objects.alias(search_text=SearchText()).filter(search_text__icontains="martin")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = query.explain()
    assert "oidc_usager_search_trgm" in plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the index is PostgreSQL's")
def test_newly_added_usagers_do_not_make_the_search_read_every_usager(found: Any) -> None:
    """GIN's pending list (fast update) would hold new usagers outside the index until a
    vacuum, and PostgreSQL would then rather read the whole table: the index takes them
    directly (migration 0004), so the plan uses it straight after the inserts."""
    Usager.objects.bulk_create(
        UsagerFactory.build(family_name=f"NOM{n:05d}X", given_name="Jeanne") for n in range(4000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE mandats_usager")
    plan = (
        Usager.objects.alias(search_text=SearchText())
        .filter(search_text__icontains="nom01234x")
        .explain()
    )
    assert "oidc_usager_search_trgm" in plan


@pytest.mark.parametrize(
    "change", ["none", "closed", "cancelled", "expired", "other_structure", "other_demarche"]
)
def test_the_démarche_page_offers_only_active_autorisations(
    organisation: Any, aidant: Any, change: str
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from mandats.models import Autorisation, Mandat
    from oidc.lookups import usager_autorisations
    from tests.factories import OrganisationFactory

    mandat: Any = MandatFactory(
        organisation=organisation, created_by=aidant, demarches=["social", "papiers"]
    )
    now = timezone.now()
    if change == "closed":
        mandat.autorisations.update(closed_at=now, close_reason="revoked")
    elif change == "cancelled":
        Mandat.objects.filter(pk=mandat.pk).update(cancelled_at=now, cancelled_by=aidant)
    elif change == "expired":
        Mandat.objects.filter(pk=mandat.pk).update(
            created_at=now - timedelta(days=2), expires_at=now - timedelta(seconds=1)
        )
    found = usager_autorisations(
        organisation=OrganisationFactory() if change == "other_structure" else organisation,
        demarches=["famille"] if change == "other_demarche" else ["papiers", "social"],
        usager_id=mandat.usager_id,
    )
    expected = list(
        Autorisation.objects.active()
        .filter(pk__in=[a.pk for a in found] or [0])
        .order_by("demarche")
    )
    assert found == expected
    if change == "none":
        assert [a.demarche for a in found] == ["papiers", "social"]
        assert found[0].usager.family_name == mandat.usager.family_name
    else:
        assert found == []
