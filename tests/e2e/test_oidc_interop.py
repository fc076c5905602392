"""Interoperability: real relying parties complete the whole flow against a live Relais.

Two configurations of the demo partner site run as their own processes and talk to Relais
over real HTTP: a partner (client_secret_basic, PKCE, ES256 id_token and userinfo) and a
FranceConnect-like client (client_secret_post, no PKCE, HS256 id_token and userinfo, the
claims FranceConnect asks for). The aidant's choices are made in headless Chromium.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from journal.models import Action, Entry
from oidc.keys import forget_active_keys
from oidc.services import create_client
from tests.e2e.conftest import assert_accessible, login, snapshot
from tests.factories import MandatFactory, UsagerFactory
from tests.sandbox.process import free_port, running_server

pytestmark = pytest.mark.django_db(transaction=True)


@dataclass(frozen=True)
class RelyingParty:
    name: str
    auth_method: str
    alg: str
    pkce: bool
    franceconnect: bool
    scope: str


PARTNER = RelyingParty(
    "partner", "client_secret_basic", "ES256", True, False, "openid profile email birth"
)
FC_LIKE = RelyingParty(
    "franceconnect", "client_secret_post", "HS256", False, True, "openid profile email birth"
)


def _partner_env(
    rp: RelyingParty, live_url: str, client_id: str, secret: str, port: int
) -> dict[str, str]:
    return {
        "PARTNER_TEST_MODE": "1",
        "PARTNER_RELAIS_URL": live_url,
        "PARTNER_BASE_URL": f"http://127.0.0.1:{port}",
        "PARTNER_CLIENT_ID": client_id,
        "PARTNER_CLIENT_SECRET": secret,
        "PARTNER_AUTH_METHOD": rp.auth_method,
        "PARTNER_ID_TOKEN_ALG": rp.alg,
        "PARTNER_USE_PKCE": "true" if rp.pkce else "false",
        "PARTNER_SCOPE": rp.scope,
        "PARTNER_NAME": f"RP {rp.name}",
    }


@contextmanager
def _running(rp: RelyingParty, live_server: Any, settings: Any) -> Iterator[str]:
    settings.OIDC_ISSUER = live_server.url
    forget_active_keys()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    client, secret = create_client(
        name=f"RP {rp.name}",
        redirect_uris=[f"{base}/retour/"],
        post_logout_redirect_uris=[f"{base}/deconnecte/"],
        allowed_demarches=["papiers", "famille", "social"],
        auth_method=rp.auth_method,
        id_token_alg=rp.alg,
        userinfo_alg=rp.alg,
        requires_pkce=rp.pkce,
        is_franceconnect=rp.franceconnect,
    )
    env = _partner_env(rp, live_server.url, client.client_id, secret, port)
    with running_server("sandbox.partner.settings", port, env, "/", "the partner site"):
        yield base


@pytest.fixture(params=[PARTNER, FC_LIKE], ids=lambda rp: rp.name)
def relying_party(
    request: pytest.FixtureRequest, live_server: Any, settings: Any
) -> Iterator[tuple[RelyingParty, str]]:
    with _running(request.param, live_server, settings) as base:
        yield request.param, base


@pytest.fixture
def partner_site(live_server: Any, settings: Any) -> Iterator[str]:
    with _running(PARTNER, live_server, settings) as base:
        yield base


def test_relying_party_completes_the_flow_through_chromium(
    page: Page,
    aidant: Any,
    organisation: Any,
    relying_party: tuple[RelyingParty, str],
    request: pytest.FixtureRequest,
) -> None:
    rp, base = relying_party
    usager = UsagerFactory(
        given_name="Angela Claire Louise", family_name="DUBOIS", birthdate="1962-00-00"
    )
    MandatFactory(
        organisation=organisation, usager=usager, created_by=aidant, demarches=["social", "argent"]
    )
    login(page, aidant)

    page.goto(base + "/")
    page.get_by_role("button", name="Se connecter avec Relais").click()
    page.wait_for_url("**/oidc/authorize/**/usager/")
    assert_accessible(page)
    page.get_by_label("Nom, prénom ou date de naissance").fill("dubois")
    page.keyboard.press("Enter")
    choice = page.get_by_role("link", name="Angela Claire Louise DUBOIS")
    expect(choice).to_be_visible()
    assert_accessible(page)
    snapshot(page, request, f"{rp.name}-1-usager")
    choice.focus()
    page.keyboard.press("Enter")  # keyboard only
    expect(page.get_by_role("heading", level=1)).to_contain_text("Angela Claire Louise DUBOIS")
    assert_accessible(page)
    # argent is outside the client's allowed démarches: not offered.
    expect(page.get_by_label("Argent - Impôts - Consommation")).to_have_count(0)
    page.get_by_label("Social - Santé").check()
    snapshot(page, request, f"{rp.name}-2-demarche")
    page.get_by_role("button", name="Continuer vers le service").click()

    page.wait_for_url(base + "/")
    snapshot(page, request, f"{rp.name}-3-partner")
    expect(page.locator("#representation")).to_be_visible()
    expect(page.locator('#identite [data-claim="given_name"]')).to_have_text("Angela Claire Louise")
    expect(page.locator('#identite [data-claim="birthdate"]')).to_have_text("1962-00-00")
    expect(page.locator('#id-token [data-claim="rep_scope"]')).to_contain_text("social")
    expect(page.locator('#id-token [data-claim="acr"]')).to_have_text("eidas1")
    representative = page.locator('#identite [data-claim="representative"]')
    if rp.franceconnect:
        expect(representative).to_have_count(0)
    else:
        expect(representative).to_contain_text(organisation.siret)
    assert Entry.objects.filter(action=Action.OIDC_AUTORISATION_USED, aidant=aidant).count() == 1

    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(base + "/deconnecte/**")
    expect(page.get_by_role("heading", level=1)).to_have_text("Vous êtes déconnecté")
    page.goto("/espace/")
    expect(page).to_have_url(re.compile(r"/connexion/\?next=/espace/$"))


def test_choices_work_by_touch_on_a_tablet(
    tablet_page: Page, aidant: Any, organisation: Any, partner_site: str
) -> None:
    page = tablet_page
    usager = UsagerFactory(given_name="Jean", family_name="MARTIN")
    MandatFactory(
        organisation=organisation, usager=usager, created_by=aidant, demarches=["papiers"]
    )
    login(page, aidant)
    page.goto(partner_site + "/")
    page.get_by_role("button", name="Se connecter avec Relais").tap()
    page.wait_for_url("**/oidc/authorize/**/usager/")
    page.get_by_label("Nom, prénom ou date de naissance").fill("martin")
    page.get_by_role("button", name="Rechercher").tap()
    choice = page.get_by_role("link", name="Jean MARTIN")
    box = choice.bounding_box()
    assert box is not None and box["height"] >= 44  # a comfortable touch target
    choice.tap()
    radio = page.get_by_label("Papiers - Citoyenneté - Élections")
    radio.tap()
    expect(radio).to_be_checked()
    assert_accessible(page)
    page.get_by_role("button", name="Continuer vers le service").tap()
    page.wait_for_url(partner_site + "/")
    expect(page.locator('#identite [data-claim="family_name"]')).to_have_text("MARTIN")
