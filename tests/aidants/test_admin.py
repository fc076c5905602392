"""The one admin site: staff with a verified OTP only, no seed shown, CSV import of cards."""

from base64 import b32encode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from aidants.models import Aidant, CarteTOTP
from tests.factories import (
    PASSWORD,
    AidantFactory,
    MembershipFactory,
    OrganisationFactory,
    add_totp_device,
    current_code,
)
from tests.helpers import login_verified

pytestmark = pytest.mark.django_db

KEY_A = "a1" * 20
KEY_B = "b2" * 20
IMPORT = reverse("admin:aidants_cartetotp_import")


@pytest.fixture(autouse=True)
def _lenient_admin_templates(_strict_templates, settings):
    """Django's own admin templates rely on undefined variables rendering as ""."""
    for template in settings.TEMPLATES:
        template["OPTIONS"]["string_if_invalid"] = ""


@pytest.fixture
def staff(db):
    staff = AidantFactory(is_staff=True, is_superuser=True)
    add_totp_device(staff)
    return staff


@pytest.fixture
def admin_client(client, staff):
    return login_verified(client, staff)


def _secrets(device_key: str) -> list[str]:
    """The seed as hex (either case) and base32, with and without spaces."""
    b32 = b32encode(bytes.fromhex(device_key)).decode()
    spaced = " ".join(b32[i : i + 4] for i in range(0, len(b32), 4))
    return [device_key.lower(), device_key.upper(), b32, spaced, b32.rstrip("=")]


def _assert_hidden(content: bytes, device_key: str) -> None:
    text = content.decode()
    for secret in _secrets(device_key):
        assert secret not in text


class TestAccess:
    def test_verified_staff_reach_the_admin(self, admin_client):
        response = admin_client.get(reverse("admin:index"))
        assert response.status_code == 200
        assert "Administration de Relais" in response.content.decode()

    def test_staff_without_otp_are_sent_to_relais_login(self, client, staff):
        client.force_login(staff)
        response = client.get(reverse("admin:index"))
        assert response.status_code == 302
        # The second step of Relais's own login, coming back to the admin afterwards.
        assert response["Location"] == reverse("aidants:otp") + "?next=%2Fadmin%2F"

    def test_anonymous_visitors_are_sent_to_relais_login(self, client, db):
        response = client.get(reverse("admin:index"), follow=True)
        assert response.redirect_chain[-1] == (reverse("aidants:login") + "?next=%2Fadmin%2F", 302)
        assert response.status_code == 200

    def test_verified_non_staff_get_no_access(self, client, aidant):
        login_verified(client, aidant)
        response = client.get(reverse("admin:index"), follow=True)
        assert response.status_code == 403
        assert len(response.redirect_chain) < 5
        assert client.get(reverse("admin:aidants_aidant_changelist")).status_code in {302, 403}
        assert client.get(IMPORT, follow=True).status_code == 403

    def test_admin_login_url_redirects_to_the_two_step_login(self, client, db):
        response = client.get(reverse("admin:login") + "?next=/admin/aidants/")
        assert response.status_code == 302
        assert response["Location"] == reverse("aidants:login") + "?next=%2Fadmin%2Faidants%2F"

    def test_admin_login_cannot_be_posted_to(self, client, staff):
        response = client.post(
            reverse("admin:login"), {"username": staff.email, "password": PASSWORD}
        )
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("aidants:login"))
        assert "_auth_user_id" not in client.session

    def test_full_login_leads_back_to_the_admin(self, client, staff):
        next_url = "/admin/"
        client.post(
            reverse("aidants:login") + f"?next={next_url}",
            {"email": staff.email, "password": PASSWORD, "next": next_url},
        )
        device = TOTPDevice.objects.get(user=staff)
        response = client.post(
            reverse("aidants:otp"), {"code": current_code(device), "next": next_url}
        )
        assert response["Location"] == next_url
        assert client.get(next_url).status_code == 200


class TestNoSeedShown:
    def test_totp_device_list_and_change_pages(self, admin_client, staff, aidant):
        device = TOTPDevice.objects.get(user=aidant)
        listing = admin_client.get(reverse("admin:otp_totp_totpdevice_changelist"))
        assert listing.status_code == 200
        assert str(aidant) in listing.content.decode()
        _assert_hidden(listing.content, device.key)
        change = admin_client.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk]))
        assert change.status_code == 200
        _assert_hidden(change.content, device.key)
        assert 'name="key"' not in change.content.decode()

    def test_totp_device_qr_code_is_not_served(self, admin_client, aidant):
        device = TOTPDevice.objects.get(user=aidant)
        for name in ("otp_totp_totpdevice_config", "otp_totp_totpdevice_qrcode"):
            response = admin_client.get(reverse(f"admin:{name}", args=[device.pk]))
            assert response.status_code == 403
            _assert_hidden(response.content, device.key)

    def test_totp_device_search_by_key_is_not_possible(self, admin_client, aidant):
        device = TOTPDevice.objects.get(user=aidant)
        listing = admin_client.get(
            reverse("admin:otp_totp_totpdevice_changelist"), {"q": device.key}
        )
        assert str(aidant) not in listing.content.decode().split("<tbody>")[-1]

    def test_carte_list_and_change_pages(self, admin_client, aidant):
        carte = CarteTOTP.objects.create(serial="CARTE-ADM-1", key=KEY_A)
        listing = admin_client.get(reverse("admin:aidants_cartetotp_changelist"))
        assert listing.status_code == 200
        assert "CARTE-ADM-1" in listing.content.decode()
        _assert_hidden(listing.content, KEY_A)
        change = admin_client.get(reverse("admin:aidants_cartetotp_change", args=[carte.pk]))
        assert change.status_code == 200
        assert "CARTE-ADM-1" in change.content.decode()
        _assert_hidden(change.content, KEY_A)

    def test_a_card_cannot_be_edited_to_change_its_seed(self, admin_client):
        carte = CarteTOTP.objects.create(serial="CARTE-ADM-2", key=KEY_A)
        admin_client.post(
            reverse("admin:aidants_cartetotp_change", args=[carte.pk]),
            {"serial": "AUTRE", "key": KEY_B, "step": 30},
        )
        carte.refresh_from_db()
        assert (carte.serial, carte.key, carte.step) == ("CARTE-ADM-2", KEY_A, 60)

    def test_aidant_change_page_does_not_show_device_seeds(self, admin_client, aidant):
        device = TOTPDevice.objects.get(user=aidant)
        page = admin_client.get(reverse("admin:aidants_aidant_change", args=[aidant.pk]))
        assert page.status_code == 200
        _assert_hidden(page.content, device.key)


def _upload(client: Client, content: str, name: str = "cartes.csv"):
    upload = SimpleUploadedFile(name, content.encode(), content_type="text/csv")
    return client.post(IMPORT, {"fichier": upload})


class TestImportCartes:
    def test_import_page_is_reachable_from_the_card_list(self, admin_client):
        listing = admin_client.get(reverse("admin:aidants_cartetotp_changelist"))
        assert IMPORT in listing.content.decode()
        assert admin_client.get(IMPORT).status_code == 200

    def test_a_good_file_creates_the_cards(self, admin_client):
        response = _upload(
            admin_client, f"serial,key\nCARTE-1,{KEY_A.upper()}\n\nCARTE-2, {KEY_B} \n"
        )
        assert response.status_code == 302
        assert response["Location"] == reverse("admin:aidants_cartetotp_changelist")
        cards = {c.serial: c for c in CarteTOTP.objects.all()}
        assert set(cards) == {"CARTE-1", "CARTE-2"}
        assert cards["CARTE-1"].key == KEY_A
        assert cards["CARTE-2"].key == KEY_B
        assert all(c.step == 60 and c.device is None for c in cards.values())
        page = admin_client.get(response["Location"])
        assert "2 cartes importées." in page.content.decode()

    @pytest.mark.parametrize(
        ("content", "message"),
        [
            (f"CARTE-1,{KEY_A}\nCARTE-2\n", "Ligne 2 : deux colonnes attendues."),
            (f"CARTE-1,{KEY_A}\nCARTE-2,{KEY_B},x\n", "Ligne 2 : deux colonnes attendues."),
            (f"CARTE 1;x,{KEY_A}\n", "Ligne 1 : numéro de série mal formé."),
            (f"CARTE-1,{KEY_A}\nCARTE-2,pas-hexadecimal\n", "Ligne 2 : la graine doit être"),
            (f"CARTE-1,{KEY_A[:20]}\n", "Ligne 1 : la graine doit être"),
            (f"CARTE-1,{KEY_A}f\n", "Ligne 1 : la graine doit être"),
            (f"CARTE-1,{KEY_A}\nCARTE-1,{KEY_B}\n", "Ligne 2 : numéro de série en double."),
            ("serial,key\n\n", "Le fichier ne contient aucune carte."),
        ],
    )
    def test_a_bad_file_is_refused_and_creates_nothing(self, admin_client, content, message):
        response = _upload(admin_client, content)
        assert response.status_code == 200
        assert message in response.content.decode()
        assert not CarteTOTP.objects.exists()

    def test_a_file_that_is_not_utf8_is_refused(self, admin_client):
        upload = SimpleUploadedFile("cartes.csv", b"CARTE-\xe9,\xff\xfe\n")
        response = admin_client.post(IMPORT, {"fichier": upload})
        assert "encodé en UTF-8" in response.content.decode()
        assert not CarteTOTP.objects.exists()

    def test_already_imported_serials_are_refused_and_nothing_is_created(self, admin_client):
        CarteTOTP.objects.create(serial="CARTE-1", key=KEY_A)
        response = _upload(admin_client, f"CARTE-9,{KEY_B}\nCARTE-1,{KEY_B}\n")
        assert response.status_code == 200
        assert "Numéros de série déjà importés : CARTE-1." in response.content.decode()
        assert list(CarteTOTP.objects.values_list("serial", "key")) == [("CARTE-1", KEY_A)]

    def test_cards_cannot_be_added_one_by_one(self, admin_client):
        assert admin_client.get(reverse("admin:aidants_cartetotp_add")).status_code == 403

    def test_import_is_for_verified_staff_only(self, client, staff):
        client.force_login(staff)
        response = _upload(client, f"CARTE-1,{KEY_A}\n")
        assert response.status_code == 302
        assert not CarteTOTP.objects.exists()


class TestAidantAdmin:
    def test_staff_create_an_aidant_with_a_password(self, admin_client):
        add = reverse("admin:aidants_aidant_add")
        assert admin_client.get(add).status_code == 200
        response = admin_client.post(
            add,
            {
                "email": "Nouveau@Relais.test",
                "first_name": "Noé",
                "last_name": "Nouveau",
                "password1": "une-phrase-de-passe-admin-2026",
                "password2": "une-phrase-de-passe-admin-2026",
                # The memberships inline's management form, with no membership yet.
                "memberships-TOTAL_FORMS": "0",
                "memberships-INITIAL_FORMS": "0",
            },
        )
        assert response.status_code == 302
        created = Aidant.objects.get(email__iexact="nouveau@relais.test")
        assert created.check_password("une-phrase-de-passe-admin-2026")
        assert not created.is_staff

        # The account logs in whatever the case of the address typed in the admin.
        MembershipFactory(aidant=created, organisation=OrganisationFactory())
        device = add_totp_device(created)
        other = Client()
        response = other.post(
            reverse("aidants:login"),
            {"email": "nouveau@relais.test", "password": "une-phrase-de-passe-admin-2026"},
        )
        assert response.status_code == 302
        assert other.post(reverse("aidants:otp"), {"code": current_code(device)}).status_code == 302

    def test_the_aidant_list_shows_no_password_hash(self, admin_client, aidant):
        listing = admin_client.get(reverse("admin:aidants_aidant_changelist"))
        assert listing.status_code == 200
        assert aidant.email in listing.content.decode()
        assert aidant.password not in listing.content.decode()
