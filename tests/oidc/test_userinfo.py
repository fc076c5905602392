from __future__ import annotations

from typing import Any

import pytest
from django.test import Client as HttpClient

from oidc.crypto import pairwise_sub
from tests.oidc.conftest import Flow, verify_jose

pytestmark = pytest.mark.django_db


def _userinfo(flow: Flow, usager: Any, scope: str) -> dict[str, Any]:
    access_token = flow.token(flow.code(usager, scope=scope)).json()["access_token"]
    response = HttpClient().get("/oidc/userinfo", HTTP_AUTHORIZATION=f"Bearer {access_token}")
    assert response.status_code == 200
    alg = flow.registered.client.userinfo_signed_response_alg
    if alg:
        assert response["Content-Type"] == "application/jwt"
        return verify_jose(response.content.decode(), flow.registered, alg)
    return response.json()


def test_identity_exactly_as_franceconnect_gave_it(fc_flow: Flow, usager: Any) -> None:
    usager.birthdate = "1962-00-00"
    usager.birthplace = ""
    usager.birthcountry = "99217"
    usager.save()
    claims = _userinfo(fc_flow, usager, "openid identite_pivot email preferred_username")
    for name in [
        "given_name",
        "family_name",
        "birthdate",
        "gender",
        "birthplace",
        "birthcountry",
        "email",
        "preferred_username",
    ]:
        assert claims[name] == getattr(usager, name), name
    assert claims["birthdate"] == "1962-00-00"
    assert "representative" not in claims


def test_birth_scope_releases_birthplace_and_birthcountry_only(fc_flow: Flow, usager: Any) -> None:
    claims = _userinfo(fc_flow, usager, "openid birth")
    assert set(claims) == {"sub", "birthplace", "birthcountry", "iss", "aud", "iat", "exp"}


def test_openid_only_releases_sub(partner_flow: Flow, usager: Any) -> None:
    claims = _userinfo(partner_flow, usager, "openid")
    assert "given_name" not in claims and "email" not in claims


def test_partner_learns_the_acting_aidant_and_organisation(
    partner_flow: Flow, usager: Any, aidant: Any, organisation: Any
) -> None:
    claims = _userinfo(partner_flow, usager, "openid profile")
    representative = claims["representative"]
    assert representative["aidant"]["family_name"] == aidant.last_name
    assert representative["organisation"]["siret"] == organisation.siret
    assert representative["rep_scope"] == ["papiers"]


def test_json_userinfo_for_clients_without_signing(partner_flow: Flow, usager: Any) -> None:
    partner_flow.registered.client.userinfo_signed_response_alg = ""
    partner_flow.registered.client.save()
    claims = _userinfo(partner_flow, usager, "openid email")
    assert claims["email"] == usager.email


def test_rs256_signing_per_client(partner_flow: Flow, usager: Any) -> None:
    client = partner_flow.registered.client
    client.id_token_signed_response_alg = client.userinfo_signed_response_alg = "RS256"
    client.save()
    body = partner_flow.token(partner_flow.code(usager)).json()
    verify_jose(
        body["id_token"], partner_flow.registered, "RS256", access_token=body["access_token"]
    )
    response = HttpClient().get(
        "/oidc/userinfo", HTTP_AUTHORIZATION=f"Bearer {body['access_token']}"
    )
    verify_jose(response.content.decode(), partner_flow.registered, "RS256")


def test_sub_is_pairwise_and_stable(partner_flow: Flow, fc_flow: Flow, usager: Any) -> None:
    first = _userinfo(partner_flow, usager, "openid")["sub"]
    again = _userinfo(partner_flow, usager, "openid")["sub"]
    other = _userinfo(fc_flow, usager, "openid")["sub"]
    assert first == again
    assert first != other
    assert first == pairwise_sub(sector=partner_flow.registered.client_id, usager_sub=usager.sub)
    assert usager.sub not in (first, other)


def test_userinfo_sub_equals_id_token_sub(fc_flow: Flow, usager: Any) -> None:
    body = fc_flow.token(fc_flow.code(usager)).json()
    id_claims = verify_jose(
        body["id_token"], fc_flow.registered, "HS256", access_token=body["access_token"]
    )
    response = HttpClient().post("/oidc/userinfo", {"access_token": body["access_token"]})
    assert (
        verify_jose(response.content.decode(), fc_flow.registered, "HS256")["sub"]
        == id_claims["sub"]
    )


def test_userinfo_without_or_with_a_bad_token(db: Any) -> None:
    assert HttpClient().get("/oidc/userinfo").status_code == 401
    response = HttpClient().get("/oidc/userinfo", HTTP_AUTHORIZATION="Bearer nope")
    assert response.status_code == 401
    assert 'error="invalid_token"' in response["WWW-Authenticate"]


def _change(what: str, usager: Any, aidant: Any) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from aidants.models import Aidant, Membership, Organisation
    from mandats.models import Autorisation, Mandat
    from oidc.models import Token

    now = timezone.now()
    autorisation = Autorisation.objects.get(usager=usager, demarche="papiers", closed_at=None)
    changes = {
        "autorisation_closed": lambda: Autorisation.objects.filter(pk=autorisation.pk).update(
            closed_at=now, close_reason="revoked"
        ),
        "mandat_cancelled": lambda: Mandat.objects.filter(pk=autorisation.mandat_id).update(
            cancelled_at=now, cancelled_by=aidant
        ),
        "mandat_expired": lambda: Mandat.objects.filter(pk=autorisation.mandat_id).update(
            created_at=now - timedelta(days=2), expires_at=now - timedelta(seconds=1)
        ),
        "membership_deactivated": lambda: Membership.objects.filter(aidant=aidant).update(
            is_active=False
        ),
        "aidant_deactivated": lambda: Aidant.objects.filter(pk=aidant.pk).update(is_active=False),
        "organisation_deactivated": lambda: Organisation.objects.filter(
            pk=aidant.current_organisation_id
        ).update(is_active=False),
        "token_revoked": lambda: Token.objects.update(revoked_at=now),
        "token_expired": lambda: Token.objects.update(expires_at=now - timedelta(seconds=1)),
    }
    changes[what]()


@pytest.mark.parametrize(
    "what",
    [
        "autorisation_closed",
        "mandat_cancelled",
        "mandat_expired",
        "membership_deactivated",
        "aidant_deactivated",
        "organisation_deactivated",
        "token_revoked",
        "token_expired",
    ],
)
def test_userinfo_rechecks_the_grant_and_the_token(
    partner_flow: Flow, usager: Any, aidant: Any, what: str
) -> None:
    """Each rule of the grant re-check (oidc.lookups) turns a working token into a 401."""
    access_token = partner_flow.token(partner_flow.code(usager)).json()["access_token"]
    bearer = f"Bearer {access_token}"
    assert HttpClient().get("/oidc/userinfo", HTTP_AUTHORIZATION=bearer).status_code == 200
    _change(what, usager, aidant)
    response = HttpClient().get("/oidc/userinfo", HTTP_AUTHORIZATION=bearer)
    assert response.status_code == 401
    assert 'error="invalid_token"' in response["WWW-Authenticate"]


def test_another_mandate_of_the_usager_does_not_revive_a_closed_autorisation(
    partner_flow: Flow, usager: Any, aidant: Any
) -> None:
    """The re-check is on the code's own autorisation, not on any active one."""
    from tests.factories import MandatFactory

    access_token = partner_flow.token(partner_flow.code(usager)).json()["access_token"]
    _change("autorisation_closed", usager, aidant)
    MandatFactory(
        organisation=aidant.current_organisation,
        created_by=aidant,
        usager=usager,
        demarches=["papiers"],
    )
    response = HttpClient().get("/oidc/userinfo", HTTP_AUTHORIZATION=f"Bearer {access_token}")
    assert response.status_code == 401
