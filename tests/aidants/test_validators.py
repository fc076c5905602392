"""SIRET (Luhn, with La Poste's own rule) and the organisation's démarches."""

import pytest
from django.core.exceptions import ValidationError

from aidants.demarches import Demarche, all_demarches
from aidants.models import Organisation
from aidants.validators import validate_demarche_list, validate_siret
from tests.factories import OrganisationFactory


@pytest.mark.parametrize(
    "siret",
    [
        "73282932000074",  # Luhn-valid
        "35600000049837",  # a La Poste establishment: digit sum multiple of 5, not Luhn
        "35600000000001",
        "35600000000048",  # La Poste's head office follows Luhn
    ],
)
def test_valid_sirets(siret):
    validate_siret(siret)


@pytest.mark.parametrize(
    ("siret", "code"),
    [
        ("7328293200007", "format"),
        ("732829320000745", "format"),
        ("", "format"),
        ("7328293200007A", "format"),
        ("73 282 932 000 074"[:14], "format"),
        ("7328293200007４", "format"),  # a non-ASCII digit  # noqa: RUF001
        ("7328293200007²", "format"),
        ("73282932000075", "checksum"),
        ("35600000000049", "checksum"),  # neither La Poste's rule nor Luhn
        ("35600000000002", "checksum"),
    ],
)
def test_invalid_sirets(siret, code):
    with pytest.raises(ValidationError) as error:
        validate_siret(siret)
    assert error.value.code == code
    assert "SIRET" in error.value.messages[0]


def test_la_poste_rule_applies_to_la_poste_only():
    """A digit sum multiple of 5 is no checksum for other SIRENs."""
    not_la_poste = "73282932000004"
    assert sum(int(c) for c in not_la_poste) % 5 == 0
    with pytest.raises(ValidationError):
        validate_siret(not_la_poste)


@pytest.mark.django_db
def test_organisation_full_clean_checks_the_siret():
    organisation = OrganisationFactory.build(siret="12345678901234")
    with pytest.raises(ValidationError) as error:
        organisation.full_clean()
    assert "siret" in error.value.message_dict


def test_organisation_allows_all_demarches_by_default(organisation):
    assert organisation.allowed_demarches == all_demarches()
    organisation.full_clean()


@pytest.mark.parametrize(
    "value",
    [[], [Demarche.SOCIAL.value], [Demarche.SOCIAL.value, Demarche.LOGEMENT.value]],
)
def test_valid_demarche_lists(value):
    validate_demarche_list(value)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (["social", "astrologie"], "Démarches inconnues : astrologie."),
        (["zz", "aa"], "Démarches inconnues : aa, zz."),
        ("social", "mal formée"),
        ([1, 2], "mal formée"),
        ({"social": True}, "mal formée"),
        (None, "mal formée"),
    ],
)
def test_invalid_demarche_lists(value, message):
    with pytest.raises(ValidationError) as error:
        validate_demarche_list(value)
    assert message in error.value.messages[0]


@pytest.mark.django_db
def test_organisation_full_clean_checks_allowed_demarches():
    organisation: Organisation = OrganisationFactory.build(allowed_demarches=["social", "inconnue"])
    with pytest.raises(ValidationError) as error:
        organisation.full_clean()
    assert "allowed_demarches" in error.value.message_dict
