import pytest

from mandats.identity import FranceConnectIdentity
from tests.mandats.conftest import make_identity


def _claims(**overrides):
    return {**make_identity().as_dict(), "iss": "x", "aud": "y", **overrides}


def test_claims_are_kept_verbatim():
    identity = FranceConnectIdentity.from_claims(
        _claims(birthdate="1948-00-00", given_name="Éloïse  Marie")
    )
    assert identity.birthdate == "1948-00-00" and identity.given_name == "Éloïse  Marie"


def test_born_abroad_has_an_empty_birthplace():
    identity = FranceConnectIdentity.from_claims(_claims(birthplace="", birthcountry="99350"))
    assert identity.birthplace == ""


def test_preferred_username_is_optional():
    claims = _claims()
    del claims["preferred_username"]
    assert FranceConnectIdentity.from_claims(claims).preferred_username == ""


@pytest.mark.parametrize(
    "overrides",
    [{"given_name": ""}, {"family_name": None}, {"birthdate": 19620824}, {"sub": ""}],
)
def test_missing_or_malformed_claims_are_refused(overrides):
    with pytest.raises(ValueError):
        FranceConnectIdentity.from_claims(_claims(**overrides))


def test_missing_email_is_refused():
    claims = _claims()
    del claims["email"]
    with pytest.raises(ValueError):
        FranceConnectIdentity.from_claims(claims)


def test_born_in_france_needs_a_birthplace():
    with pytest.raises(ValueError):
        FranceConnectIdentity.from_claims(_claims(birthplace="", birthcountry="99100"))
