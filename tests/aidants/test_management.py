"""load_demo (idempotent, development only) and demo_totp (prints a code the device accepts)."""

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from aidants.management.commands.load_demo import DEMO_PASSWORD
from aidants.models import Aidant, CarteTOTP, Membership, Organisation

pytestmark = pytest.mark.django_db


def _counts() -> dict[str, int]:
    return {
        "organisations": Organisation.objects.count(),
        "aidants": Aidant.objects.count(),
        "memberships": Membership.objects.count(),
        "devices": TOTPDevice.objects.count(),
        "cartes": CarteTOTP.objects.count(),
    }


def _demo_totp(email: str) -> str:
    out = StringIO()
    call_command("demo_totp", email, stdout=out)
    match = re.match(r"(\d{6})  \(valable encore \d+ s\)", out.getvalue())
    assert match is not None, out.getvalue()
    return match.group(1)


def test_load_demo_creates_the_demo_and_is_idempotent(settings):
    settings.DEBUG = True
    out = StringIO()
    call_command("load_demo", stdout=out)
    first = _counts()
    assert first["organisations"] == 2
    assert first["cartes"] == 1
    assert "relais-demo-2026" in out.getvalue()
    call_command("load_demo", stdout=StringIO())
    assert _counts() == first
    # Nothing was reset by the second run: a password changed in between stays.
    aidant = Aidant.objects.get(email="aidant@relais.test")
    aidant.set_password("un-autre-mot-de-passe-2026")
    aidant.save()
    call_command("load_demo", stdout=StringIO())
    aidant.refresh_from_db()
    assert aidant.check_password("un-autre-mot-de-passe-2026")
    assert aidant.memberships.count() == 2
    assert Aidant.objects.get(email="admin@relais.test").is_staff
    assert Aidant.objects.get(email="auditeur@relais.test").is_auditor


def test_load_demo_organisations_have_valid_sirets(settings):
    settings.DEBUG = True
    call_command("load_demo", stdout=StringIO())
    for organisation in Organisation.objects.all():
        organisation.full_clean()


def test_load_demo_refuses_when_debug_is_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("load_demo", stdout=StringIO())
    assert _counts() == dict.fromkeys(_counts(), 0)


def test_demo_totp_prints_a_code_the_device_accepts(settings):
    settings.DEBUG = True
    call_command("load_demo", stdout=StringIO())
    code = _demo_totp("aidant@relais.test")
    device = TOTPDevice.objects.get(user__email="aidant@relais.test")
    assert device.verify_token(code)


def test_the_demo_accounts_log_in_with_demo_totp(settings):
    settings.DEBUG = True
    call_command("load_demo", stdout=StringIO())
    client = Client()
    response = client.post(
        reverse("aidants:login"), {"email": "responsable@relais.test", "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302
    code = _demo_totp("RESPONSABLE@relais.test")
    response = client.post(reverse("aidants:otp"), {"code": code})
    assert response["Location"] == reverse("aidants:espace")
    assert client.get(reverse("aidants:responsable")).status_code == 200


def test_demo_totp_refuses_when_debug_is_off(settings):
    settings.DEBUG = True
    call_command("load_demo", stdout=StringIO())
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("demo_totp", "aidant@relais.test", stdout=StringIO())


def test_demo_totp_refuses_an_unknown_account(settings):
    settings.DEBUG = True
    with pytest.raises(CommandError, match="Aucune application"):
        call_command("demo_totp", "personne@relais.test", stdout=StringIO())


def test_demo_totp_prints_the_code_of_a_demo_card(settings, organisation, responsable, aidant):
    from aidants.services import associate_carte

    settings.DEBUG = True
    call_command("load_demo", stdout=StringIO())
    out = StringIO()
    call_command("demo_totp", "--carte", "CARTE-DEMO-0001", stdout=out)
    code = out.getvalue()[:6]
    membership = aidant.memberships.get()
    device = associate_carte(
        responsable=responsable, membership=membership, serial="CARTE-DEMO-0001", code=code
    )
    assert device.step == 60
    with pytest.raises(CommandError):
        call_command("demo_totp", "--carte", "INCONNUE", stdout=StringIO())
