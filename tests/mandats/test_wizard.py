"""The mandate wizard through Django's test client, FranceConnect being the sandbox process."""

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from aidants.middleware import SESSION_OTP_STALE
from journal.models import Action, Entry
from mandats.identity import FranceConnectIdentity
from mandats.models import Autorisation, Mandat, Usager
from tests.factories import MandatFactory, current_code
from tests.helpers import login_verified
from tests.mandats.conftest import SIGNATURE_JSON
from tests.sandbox.process import free_port


@pytest.fixture
def aidant_client(client, aidant, fc_settings):
    return login_verified(client, aidant)


def _choose(client, demarches=("papiers", "argent"), duration=182):
    return client.post(
        reverse("mandats:start"), {"demarches": list(demarches), "duration": duration}
    )


def _identify(client, identity="angela"):
    """Runs FranceConnect: Relais -> sandbox (httpx, as the browser) -> Relais."""
    response = client.post(reverse("mandats:fc_start"))
    assert response.status_code == 303, response.content
    url = response["Location"]
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    picked = httpx.post(
        url.split("?")[0], data={**query, "identity": identity, "action": "continue"}, timeout=5
    )
    back = urlsplit(picked.headers["location"])
    response = client.get(f"{back.path}?{back.query}")
    assert response.status_code == 303, response.content
    logout = httpx.get(response["Location"], timeout=5)
    assert logout.status_code == 303
    back = urlsplit(logout.headers["location"])
    return client.get(f"{back.path}?{back.query}")


def _sign_data(client, aidant, **overrides):
    page = client.get(reverse("mandats:sign"))
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=aidant)
    data = {
        "wizard_id": page.context["form"].initial["wizard_id"],
        "mode": "drawn",
        "signature_json": SIGNATURE_JSON,
        "code": current_code(device),
    }
    data.update(overrides)
    return data


def test_full_wizard_creates_one_mandate_even_when_replayed(aidant_client, aidant, organisation):
    response = _choose(aidant_client)
    assert response.status_code == 303
    assert response["Location"] == reverse("mandats:identification")
    response = _identify(aidant_client)
    assert response["Location"] == reverse("mandats:recap")
    recap = aidant_client.get(reverse("mandats:recap"))
    content = recap.content.decode()
    assert "Angela Claire Louise DUBOIS" in content and "Argent - Impôts" in content
    assert "6 mois" in content and "Attention" in content
    assert not Usager.objects.exists()  # nothing stored before the signature
    data = _sign_data(aidant_client, aidant)
    response = aidant_client.post(reverse("mandats:sign"), data)
    mandat = Mandat.objects.get()
    assert response.status_code == 303
    assert response["Location"] == reverse("mandats:mandat", args=[mandat.pk])
    assert mandat.organisation == organisation and mandat.created_by == aidant
    assert mandat.duration == 182 and mandat.signature_kind == "drawn"
    assert sorted(mandat.autorisations.values_list("demarche", flat=True)) == ["argent", "papiers"]
    # Reloading or replaying the last step never records a second mandate.
    again = aidant_client.post(reverse("mandats:sign"), data)
    assert again["Location"] == reverse("mandats:mandat", args=[mandat.pk])
    assert Mandat.objects.count() == 1
    assert aidant_client.get(reverse("mandats:recap")).status_code == 302
    actions = set(Entry.objects.values_list("action", flat=True))
    assert {Action.FRANCECONNECT_SUCCEEDED, Action.MANDAT_CREATED} <= actions


def test_choose_offers_only_the_organisation_demarches(aidant_client, organisation):
    organisation.allowed_demarches = ["papiers", "social"]
    organisation.save()
    page = aidant_client.get(reverse("mandats:start")).content.decode()
    assert 'value="papiers"' in page and 'value="argent"' not in page
    response = _choose(aidant_client, demarches=["argent"])
    assert response.status_code == 200
    assert "wizard" not in str(aidant_client.session.get("mandats_wizard"))


def test_argent_shows_a_warning(aidant_client):
    page = aidant_client.get(reverse("mandats:start")).content.decode()
    assert "argent-warning" in page


def test_steps_without_a_wizard_send_back_to_the_start(aidant_client):
    for name in ("identification", "recap", "sign"):
        response = aidant_client.get(reverse(f"mandats:{name}"))
        assert response.status_code == 302
        assert response["Location"] == reverse("mandats:start")


def test_wrong_otp_records_nothing(aidant_client, aidant):
    _choose(aidant_client)
    _identify(aidant_client)
    response = aidant_client.post(
        reverse("mandats:sign"), _sign_data(aidant_client, aidant, code="000000")
    )
    assert response.status_code == 200
    assert "Code incorrect" in response.content.decode()
    assert not Mandat.objects.exists() and not Usager.objects.exists()


def test_typed_signature_requires_consent(aidant_client, aidant):
    _choose(aidant_client)
    _identify(aidant_client)
    data = _sign_data(aidant_client, aidant, mode="typed", typed_name="Angela Dubois")
    response = aidant_client.post(reverse("mandats:sign"), data)
    assert "doit cocher la case" in response.content.decode()
    data["consent"] = "on"
    response = aidant_client.post(reverse("mandats:sign"), data)
    assert response.status_code == 303
    assert Mandat.objects.get().signature_data == "Angela Dubois"


def test_empty_drawn_signature_is_refused(aidant_client, aidant):
    _choose(aidant_client)
    _identify(aidant_client)
    data = _sign_data(aidant_client, aidant, signature_json="")
    response = aidant_client.post(reverse("mandats:sign"), data)
    assert response.status_code == 200 and "Signez dans le cadre" in response.content.decode()
    assert not Mandat.objects.exists()


def test_sign_asks_for_a_fresh_otp_after_idling(aidant_client, aidant):
    _choose(aidant_client)
    _identify(aidant_client)
    session = aidant_client.session
    session[SESSION_OTP_STALE] = True
    session.save()
    response = aidant_client.get(reverse("mandats:sign"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("aidants:otp"))


def test_franceconnect_down_shows_a_clear_page_and_journals(aidant_client, settings):
    settings.FRANCECONNECT = {
        **settings.FRANCECONNECT,
        "ISSUER": f"http://127.0.0.1:{free_port()}/api/v2",
    }
    _choose(aidant_client)
    response = aidant_client.post(reverse("mandats:fc_start"))
    assert response.status_code == 502
    assert "FranceConnect ne répond pas" in response.content.decode()
    entry = Entry.objects.get(action=Action.FRANCECONNECT_FAILED)
    assert entry.details == {"reason": "unavailable"}
    assert not Usager.objects.exists()


def test_forged_callback_is_refused_and_journaled(aidant_client):
    _choose(aidant_client)
    aidant_client.post(reverse("mandats:fc_start"))
    response = aidant_client.get(reverse("mandats:fc_callback") + "?code=x&state=forged")
    assert response.status_code == 502
    assert Entry.objects.get(action=Action.FRANCECONNECT_FAILED).details == {"reason": "state"}
    assert aidant_client.get(reverse("mandats:recap")).status_code == 302


def test_abandoned_wizard_leaves_nothing(aidant_client):
    _choose(aidant_client)
    _identify(aidant_client)
    response = aidant_client.post(reverse("mandats:abandon"))
    assert response.status_code == 302
    assert not Usager.objects.exists() and not Mandat.objects.exists()
    assert aidant_client.get(reverse("mandats:sign")).status_code == 302


def test_renewal_requires_franceconnect_of_the_same_person(aidant_client, aidant, organisation):
    old: Any = MandatFactory(
        organisation=organisation, created_by=aidant, demarches=["papiers"], duration=31
    )
    response = aidant_client.post(
        reverse("mandats:renew", args=[old.pk]), {"demarches": ["papiers"], "duration": 365}
    )
    assert response["Location"] == reverse("mandats:identification")
    # The sandbox's Angela is not the factory's usager.
    response = _identify_after_start(aidant_client)
    assert response.status_code == 502
    assert "pas le titulaire" in response.content.decode()


def _identify_after_start(client):
    response = client.post(reverse("mandats:fc_start"))
    url = response["Location"]
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    picked = httpx.post(
        url.split("?")[0], data={**query, "identity": "angela", "action": "continue"}, timeout=5
    )
    back = urlsplit(picked.headers["location"])
    return client.get(f"{back.path}?{back.query}")


def test_renewal_without_franceconnect_when_the_setting_is_off(
    aidant_client, aidant, organisation, settings
):
    settings.MANDATS_RENEWAL_REQUIRES_FRANCECONNECT = False
    old: Any = MandatFactory(
        organisation=organisation,
        created_by=aidant,
        demarches=["papiers", "social"],
        duration=31,
    )
    old.usager_identity = FranceConnectIdentity.from_usager(old.usager).as_dict()
    old.save()
    response = aidant_client.post(
        reverse("mandats:renew", args=[old.pk]), {"demarches": ["papiers"], "duration": 365}
    )
    assert response["Location"] == reverse("mandats:recap")
    response = aidant_client.post(reverse("mandats:sign"), _sign_data(aidant_client, aidant))
    new = Mandat.objects.exclude(pk=old.pk).get()
    assert new.renewed_from == old and new.duration == 365
    assert not Autorisation.objects.open().filter(mandat=old).exists()


def test_renewing_another_organisation_mandate_is_404(aidant_client):
    other: Any = MandatFactory(demarches=["papiers"])
    assert aidant_client.get(reverse("mandats:renew", args=[other.pk])).status_code == 404


def test_changing_the_demarches_from_the_recap_keeps_the_identification(aidant_client):
    _choose(aidant_client)
    _identify(aidant_client)
    page = aidant_client.get(reverse("mandats:start"))
    assert page.context["form"].initial["duration"] == 182
    response = _choose(aidant_client, demarches=["social"], duration=31)
    assert response["Location"] == reverse("mandats:recap")
    recap = aidant_client.get(reverse("mandats:recap")).content.decode()
    assert "Social - Santé" in recap and "Argent" not in recap and "1 mois, jusqu" in recap
