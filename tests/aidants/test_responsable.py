"""Espace responsable: own-structure aidants only, every action journaled, others 404."""

import re
import time

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django_otp.oath import hotp
from django_otp.plugins.otp_totp.models import TOTPDevice

from aidants.models import Aidant, CarteTOTP, Membership
from aidants.services import ServiceError, set_membership_active
from journal.models import Action, Entry
from tests.factories import (
    PASSWORD,
    AidantFactory,
    MembershipFactory,
    OrganisationFactory,
    add_totp_device,
    current_code,
)
from tests.helpers import emailed_invitation_path, login_verified

pytestmark = pytest.mark.django_db

CARTE_KEY = "0102030405060708090a0b0c0d0e0f1011121314"


def carte_code(key: str = CARTE_KEY, *, offset_steps: int = 0) -> str:
    """What a 60-second hardware card with this seed shows now."""
    counter = int(time.time() // 60) + offset_steps
    return f"{hotp(bytes.fromhex(key), counter, digits=6):06d}"


def other_code(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


@pytest.fixture
def other_membership(db):
    """An aidant of another structure, with an app device."""
    organisation = OrganisationFactory()
    other = AidantFactory(current_organisation=organisation)
    membership = MembershipFactory(aidant=other, organisation=organisation)
    add_totp_device(other)
    return membership


@pytest.fixture
def rclient(client, responsable):
    return login_verified(client, responsable)


def _url(name, *args):
    return reverse(f"aidants:{name}", args=args)


def test_list_shows_only_own_organisation_aidants(rclient, aidant, other_membership):
    response = rclient.get(_url("responsable"))
    assert response.status_code == 200
    content = response.content.decode()
    assert aidant.email in content
    assert other_membership.aidant.email not in content
    listed = {m.aidant for m in response.context["memberships"]}
    assert other_membership.aidant not in listed
    assert aidant in listed


def test_list_counts_only_confirmed_devices(rclient, aidant):
    add_totp_device(aidant, confirmed=False)
    response = rclient.get(_url("responsable"))
    counts = {m.aidant: m.device_count for m in response.context["memberships"]}
    assert counts[aidant] == 1


def test_adding_a_new_aidant_sends_a_working_invitation(
    rclient, responsable, organisation, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = rclient.post(
            _url("responsable_add"),
            {
                "first_name": "Lou",
                "last_name": "Nouvelle",
                "email": " Lou.Nouvelle@Relais.test ",
                "role": "aidant",
            },
        )
    newcomer = Aidant.objects.get(email="lou.nouvelle@relais.test")
    membership = Membership.objects.get(aidant=newcomer, organisation=organisation)
    assert response.status_code == 302
    assert response.url == _url("responsable_aidant", membership.pk)
    assert membership.role == "aidant"
    assert not newcomer.has_usable_password()
    assert newcomer.current_organisation == organisation
    entry = Entry.objects.get(action=Action.AIDANT_ADDED)
    assert entry.aidant == responsable
    assert entry.organisation == organisation
    assert entry.target_aidant == newcomer
    assert entry.details == {"role": "aidant", "new_account": True}

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["lou.nouvelle@relais.test"]
    assert organisation.name in message.subject
    link = re.search(r"https?://\S+/invitation/\S+/", message.body)
    assert link is not None
    path = "/" + link.group(0).split("/", 3)[3]
    rclient.post(_url("logout"))
    page = rclient.get(path, follow=True)
    assert page.status_code == 200
    assert "Choisir votre mot de passe" in page.content.decode()


def test_adding_an_existing_account_gives_a_membership_without_email(
    rclient, responsable, organisation, other_membership, django_capture_on_commit_callbacks
):
    existing = other_membership.aidant
    with django_capture_on_commit_callbacks(execute=True):
        response = rclient.post(
            _url("responsable_add"),
            {
                "first_name": "Autre",
                "last_name": "Nom",
                "email": existing.email.upper(),
                "role": "responsable",
            },
        )
    assert response.status_code == 302
    membership = Membership.objects.get(aidant=existing, organisation=organisation)
    assert membership.role == "responsable"
    existing.refresh_from_db()
    # The existing account keeps its name, password and current structure.
    assert existing.first_name == "Camille"
    assert existing.current_organisation == other_membership.organisation
    assert existing.has_usable_password()
    assert mail.outbox == []
    entry = Entry.objects.get(action=Action.AIDANT_ADDED)
    assert entry.target_aidant == existing
    assert entry.details["new_account"] is False


def _add_again(rclient, aidant, capture):
    """Adds an aidant who is already in the structure; the form must refuse it (400)."""
    with capture(execute=True):
        response = rclient.post(
            _url("responsable_add"),
            {"first_name": "X", "last_name": "Y", "email": aidant.email, "role": "aidant"},
        )
    assert response.status_code == 400
    return response


def test_adding_someone_already_in_the_structure_is_refused(
    rclient, aidant, organisation, django_capture_on_commit_callbacks
):
    response = _add_again(rclient, aidant, django_capture_on_commit_callbacks)
    assert "fait déjà partie de votre structure" in response.content.decode()
    assert Membership.objects.filter(aidant=aidant).count() == 1
    assert not Entry.objects.filter(action=Action.AIDANT_ADDED).exists()
    assert mail.outbox == []


@pytest.mark.parametrize("race", ["same_account", "same_membership"])
def test_losing_a_race_to_add_the_same_person_gives_a_message_not_an_error(
    rclient, aidant, organisation, monkeypatch, django_capture_on_commit_callbacks, race
):
    """Another responsable's request committed between our checks and our insert: the
    database's unique constraint refuses ours, and the form says so in French."""
    from aidants import services

    if race == "same_account":
        monkeypatch.setattr(services, "_find_aidant", lambda email: None)
    else:
        monkeypatch.setattr(services, "_is_member", lambda aidant, organisation: False)
    entries = Entry.objects.count()
    response = _add_again(rclient, aidant, django_capture_on_commit_callbacks)
    assert "ajoutée en même temps par quelqu&#x27;un d&#x27;autre" in response.content.decode()
    assert Membership.objects.filter(aidant=aidant).count() == 1
    assert Aidant.objects.filter(email__iexact=aidant.email).count() == 1
    assert Entry.objects.count() == entries
    assert mail.outbox == []


def test_adding_with_invalid_input_creates_nothing(rclient):
    before = Aidant.objects.count()
    response = rclient.post(
        _url("responsable_add"),
        {"first_name": "", "last_name": "Y", "email": "pas-une-adresse", "role": "chef"},
    )
    assert response.status_code == 400
    assert Aidant.objects.count() == before
    assert not Entry.objects.exists()


def test_deactivate_and_reactivate_are_journaled(rclient, responsable, aidant, organisation):
    membership = aidant.memberships.get()
    response = rclient.post(_url("responsable_deactivate", membership.pk))
    assert response.status_code == 302
    membership.refresh_from_db()
    assert not membership.is_active
    entry = Entry.objects.get(action=Action.AIDANT_DEACTIVATED)
    assert (entry.aidant, entry.target_aidant, entry.organisation) == (
        responsable,
        aidant,
        organisation,
    )
    # The deactivated aidant can no longer act.
    aidant_client = login_verified(Client(), aidant)
    assert aidant_client.get(_url("espace"))["Location"] == reverse("aidants:login")

    response = rclient.post(_url("responsable_reactivate", membership.pk))
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.is_active
    entry = Entry.objects.get(action=Action.AIDANT_REACTIVATED)
    assert (entry.aidant, entry.target_aidant) == (responsable, aidant)


def test_deactivation_requires_post(rclient, aidant):
    membership = aidant.memberships.get()
    assert rclient.get(_url("responsable_deactivate", membership.pk)).status_code == 405
    membership.refresh_from_db()
    assert membership.is_active


def test_a_responsable_cannot_deactivate_themself(rclient, responsable):
    membership = responsable.memberships.get()
    response = rclient.post(_url("responsable_deactivate", membership.pk), follow=True)
    assert "propre accès" in response.content.decode()
    membership.refresh_from_db()
    assert membership.is_active
    assert not Entry.objects.filter(action=Action.AIDANT_DEACTIVATED).exists()


def test_a_responsable_cannot_reactivate_themself(responsable, organisation):
    membership = responsable.memberships.get()
    membership.is_active = False
    membership.save()
    with pytest.raises(ServiceError, match="propre accès"):
        set_membership_active(responsable=responsable, membership=membership, active=True)
    membership.refresh_from_db()
    assert not membership.is_active


def test_associating_a_card_creates_a_confirmed_device_and_is_journaled(
    rclient, responsable, aidant, organisation
):
    carte = CarteTOTP.objects.create(serial="CARTE-0042", key=CARTE_KEY)
    membership = aidant.memberships.get()
    response = rclient.post(
        _url("responsable_associate_carte", membership.pk),
        {"serial": " CARTE-0042 ", "code": carte_code()},
    )
    assert response.status_code == 302
    carte.refresh_from_db()
    assert carte.device is not None
    device = carte.device
    assert device.user == aidant
    assert device.confirmed
    assert device.step == 60
    assert device.key == CARTE_KEY
    entry = Entry.objects.get(action=Action.OTP_DEVICE_ASSOCIATED)
    assert (entry.aidant, entry.target_aidant, entry.organisation) == (
        responsable,
        aidant,
        organisation,
    )
    assert entry.details == {"device": "carte", "serial": "CARTE-0042"}
    assert CARTE_KEY not in str(entry.details)
    # The aidant can now log in with the card (a later code: the first one is used).
    card_client = Client()
    card_client.post(_url("login"), {"email": aidant.email, "password": PASSWORD})
    response = card_client.post(_url("otp"), {"code": carte_code(offset_steps=1)})
    assert response.status_code == 302
    assert response["Location"] == reverse("aidants:espace")


def test_associating_a_card_with_a_wrong_code_creates_nothing(rclient, aidant):
    carte = CarteTOTP.objects.create(serial="CARTE-0043", key=CARTE_KEY)
    membership = aidant.memberships.get()
    devices_before = TOTPDevice.objects.count()
    response = rclient.post(
        _url("responsable_associate_carte", membership.pk),
        {"serial": "CARTE-0043", "code": other_code(carte_code())},
    )
    assert response.status_code == 400
    assert "ne correspond pas" in response.content.decode()
    carte.refresh_from_db()
    assert carte.device is None
    assert TOTPDevice.objects.count() == devices_before
    assert not Entry.objects.filter(action=Action.OTP_DEVICE_ASSOCIATED).exists()


def test_associating_an_unknown_card_is_refused(rclient, aidant):
    membership = aidant.memberships.get()
    devices_before = TOTPDevice.objects.count()
    response = rclient.post(
        _url("responsable_associate_carte", membership.pk),
        {"serial": "INCONNUE-1", "code": carte_code()},
    )
    assert response.status_code == 400
    assert "Aucune carte disponible" in response.content.decode()
    assert TOTPDevice.objects.count() == devices_before


def test_associating_a_card_already_in_use_is_refused(rclient, aidant, responsable):
    carte = CarteTOTP.objects.create(serial="CARTE-0044", key=CARTE_KEY)
    used = add_totp_device(responsable, step=60)
    carte.device = used
    carte.save()
    membership = aidant.memberships.get()
    response = rclient.post(
        _url("responsable_associate_carte", membership.pk),
        {"serial": "CARTE-0044", "code": carte_code()},
    )
    assert response.status_code == 400
    assert "Aucune carte disponible" in response.content.decode()
    carte.refresh_from_db()
    assert carte.device == used
    assert not TOTPDevice.objects.filter(user=aidant, step=60).exists()


def test_associating_with_a_malformed_serial_or_code_is_refused(rclient, aidant):
    CarteTOTP.objects.create(serial="CARTE-0045", key=CARTE_KEY)
    membership = aidant.memberships.get()
    response = rclient.post(
        _url("responsable_associate_carte", membership.pk),
        {"serial": "CARTE 0045; DROP", "code": "12"},
    )
    assert response.status_code == 400
    content = response.content.decode()
    assert "Numéro de série mal formé." in content
    assert "exactement 6 chiffres" in content
    assert not CarteTOTP.objects.filter(device__isnull=False).exists()


def test_removing_a_card_frees_it_and_is_journaled(rclient, responsable, aidant, organisation):
    carte = CarteTOTP.objects.create(serial="CARTE-0046", key=CARTE_KEY)
    membership = aidant.memberships.get()
    rclient.post(
        _url("responsable_associate_carte", membership.pk),
        {"serial": "CARTE-0046", "code": carte_code()},
    )
    carte.refresh_from_db()
    device = carte.device
    assert device is not None
    response = rclient.post(_url("responsable_remove_device", membership.pk, device.pk))
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    carte.refresh_from_db()
    assert carte.device is None
    assert CarteTOTP.objects.available().filter(pk=carte.pk).exists()
    entry = Entry.objects.get(action=Action.OTP_DEVICE_REMOVED)
    assert (entry.aidant, entry.target_aidant, entry.organisation) == (
        responsable,
        aidant,
        organisation,
    )
    assert entry.details["serial"] == "CARTE-0046"


def test_removing_an_app_device_is_journaled(rclient, aidant):
    membership = aidant.memberships.get()
    device = TOTPDevice.objects.get(user=aidant)
    response = rclient.post(_url("responsable_remove_device", membership.pk, device.pk))
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=aidant).exists()
    entry = Entry.objects.get(action=Action.OTP_DEVICE_REMOVED)
    assert entry.details == {"device_id": device.pk}


def test_removing_another_aidants_device_through_a_membership_is_404(rclient, aidant, responsable):
    membership = aidant.memberships.get()
    device = TOTPDevice.objects.get(user=responsable)
    response = rclient.post(_url("responsable_remove_device", membership.pk, device.pk))
    assert response.status_code == 404
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


class TestOtherOrganisation:
    """Another structure's membership or device is simply not found, and nothing changes."""

    def _assert_unchanged(self, other_membership, devices):
        other_membership.refresh_from_db()
        assert other_membership.is_active
        assert set(TOTPDevice.objects.filter(user=other_membership.aidant)) == devices
        assert not Entry.objects.exists()

    @pytest.mark.parametrize(
        ("method", "name"),
        [
            ("get", "responsable_aidant"),
            ("post", "responsable_deactivate"),
            ("post", "responsable_reactivate"),
        ],
    )
    def test_membership_views_are_404(self, rclient, other_membership, method, name):
        devices = set(TOTPDevice.objects.filter(user=other_membership.aidant))
        response = getattr(rclient, method)(_url(name, other_membership.pk))
        assert response.status_code == 404
        self._assert_unchanged(other_membership, devices)

    def test_reactivating_another_structures_membership_is_404(self, rclient, other_membership):
        other_membership.is_active = False
        other_membership.save()
        response = rclient.post(_url("responsable_reactivate", other_membership.pk))
        assert response.status_code == 404
        other_membership.refresh_from_db()
        assert not other_membership.is_active
        assert not Entry.objects.exists()

    def test_associating_a_card_is_404(self, rclient, other_membership):
        carte = CarteTOTP.objects.create(serial="CARTE-0050", key=CARTE_KEY)
        devices = set(TOTPDevice.objects.filter(user=other_membership.aidant))
        response = rclient.post(
            _url("responsable_associate_carte", other_membership.pk),
            {"serial": "CARTE-0050", "code": carte_code()},
        )
        assert response.status_code == 404
        carte.refresh_from_db()
        assert carte.device is None
        self._assert_unchanged(other_membership, devices)

    def test_removing_a_device_is_404(self, rclient, other_membership):
        devices = set(TOTPDevice.objects.filter(user=other_membership.aidant))
        device = next(iter(devices))
        response = rclient.post(_url("responsable_remove_device", other_membership.pk, device.pk))
        assert response.status_code == 404
        self._assert_unchanged(other_membership, devices)

    def test_removing_another_structures_device_through_own_membership_is_404(
        self, rclient, aidant, other_membership
    ):
        devices = set(TOTPDevice.objects.filter(user=other_membership.aidant))
        device = next(iter(devices))
        own = aidant.memberships.get()
        response = rclient.post(_url("responsable_remove_device", own.pk, device.pk))
        assert response.status_code == 404
        self._assert_unchanged(other_membership, devices)

    def test_a_responsable_elsewhere_is_not_a_responsable_here(
        self, client, aidant, organisation, other_membership
    ):
        """Responsable of structure B, acting while B is current, cannot reach A's aidants."""
        other_membership.role = "responsable"
        other_membership.save()
        MembershipFactory(aidant=other_membership.aidant, organisation=organisation)
        login_verified(client, other_membership.aidant)
        own_here = aidant.memberships.get()
        assert client.get(_url("responsable_aidant", own_here.pk)).status_code == 404
        # Switched to A, where they are a plain aidant: 403.
        client.post(_url("switch_organisation"), {"organisation": organisation.pk})
        assert client.get(_url("responsable_aidant", own_here.pk)).status_code == 403


RESPONSABLE_URLS = [
    ("get", "responsable", False),
    ("post", "responsable_add", False),
    ("get", "responsable_aidant", True),
    ("post", "responsable_deactivate", True),
    ("post", "responsable_reactivate", True),
    ("post", "responsable_associate_carte", True),
]


@pytest.mark.parametrize(("method", "name", "with_membership"), RESPONSABLE_URLS)
def test_a_plain_aidant_gets_403_everywhere(
    client, aidant, responsable, method, name, with_membership
):
    login_verified(client, aidant)
    target = responsable.memberships.get()
    args = [target.pk] if with_membership else []
    data = {"first_name": "A", "last_name": "B", "email": "x@relais.test", "role": "aidant"}
    response = getattr(client, method)(_url(name, *args), data if method == "post" else None)
    assert response.status_code == 403
    target.refresh_from_db()
    assert target.is_active
    assert not Aidant.objects.filter(email="x@relais.test").exists()
    assert not Entry.objects.exists()


def test_a_plain_aidant_gets_403_on_device_removal(client, aidant, responsable):
    login_verified(client, aidant)
    membership = responsable.memberships.get()
    device = TOTPDevice.objects.get(user=responsable)
    response = client.post(_url("responsable_remove_device", membership.pk, device.pk))
    assert response.status_code == 403
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


def test_an_unverified_responsable_is_sent_to_the_otp_page(client, responsable):
    client.force_login(responsable)
    response = client.get(_url("responsable"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("aidants:otp"))


def test_app_device_code_still_works_after_card_association(rclient, aidant):
    """A card adds a device; it does not replace the app the aidant already has."""
    CarteTOTP.objects.create(serial="CARTE-0047", key=CARTE_KEY)
    membership = aidant.memberships.get()
    rclient.post(
        _url("responsable_associate_carte", membership.pk),
        {"serial": "CARTE-0047", "code": carte_code()},
    )
    app = TOTPDevice.objects.get(user=aidant, step=30)
    assert app.verify_token(current_code(app))


@pytest.fixture
def pending(invited_membership):
    """An invited aidant; the first invitation mail is out of the way."""
    mail.outbox.clear()
    return invited_membership


def test_a_responsable_resends_a_working_invitation(
    rclient, responsable, pending, django_capture_on_commit_callbacks
):
    page = rclient.get(_url("responsable_aidant", pending.pk))
    assert "Renvoyer l'invitation" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = rclient.post(_url("responsable_resend_invitation", pending.pk))
    assert response.status_code == 302
    path = emailed_invitation_path()
    assert mail.outbox[0].to == ["invitee@relais.test"]
    assert "Choisir votre mot de passe" in Client().get(path, follow=True).content.decode()
    entry = Entry.objects.get(action=Action.INVITATION_RESENT)
    assert (entry.aidant, entry.target_aidant) == (responsable, pending.aidant)
    assert entry.organisation == pending.organisation


@pytest.mark.parametrize("state", ["password_set", "deactivated"])
def test_no_invitation_is_resent_to_who_cannot_use_it(
    rclient, pending, django_capture_on_commit_callbacks, state
):
    aidant = pending.aidant
    if state == "password_set":
        aidant.set_password(PASSWORD)
        aidant.save()
        expected = "a déjà choisi son mot de passe"
    else:
        Membership.objects.filter(pk=pending.pk).update(is_active=False)
        expected = "Réactivez d&#x27;abord"
    page = rclient.get(_url("responsable_aidant", pending.pk))
    assert "Renvoyer l'invitation" not in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = rclient.post(_url("responsable_resend_invitation", pending.pk), follow=True)
    assert expected in response.content.decode()
    assert mail.outbox == []
    assert not Entry.objects.filter(action=Action.INVITATION_RESENT).exists()


def test_resending_is_for_own_structure_responsables_and_by_post_only(
    client, rclient, aidant, other_membership, pending
):
    assert (
        rclient.post(_url("responsable_resend_invitation", other_membership.pk)).status_code == 404
    )
    assert rclient.get(_url("responsable_resend_invitation", pending.pk)).status_code == 405
    plain = login_verified(Client(), aidant)
    assert plain.post(_url("responsable_resend_invitation", pending.pk)).status_code == 403
    assert mail.outbox == []
    assert not Entry.objects.filter(action=Action.INVITATION_RESENT).exists()
