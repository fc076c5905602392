"""factory-boy factories and small helpers shared by every test package."""

import time
from datetime import timedelta
from typing import Any

import factory
from django.utils import timezone
from django_otp.oath import hotp
from django_otp.plugins.otp_totp.models import TOTPDevice

from aidants.models import Aidant, Membership, Organisation, Role

PASSWORD = "un-mot-de-passe-solide-2026"


def _siret(n: int) -> str:
    """A valid SIRET (Luhn) built from a sequence number."""
    base = f"{(123456780000 + n * 10):013d}"
    for check in range(10):
        candidate = base + str(check)
        total = 0
        for index, char in enumerate(reversed(candidate)):
            value = int(char) * (2 if index % 2 else 1)
            total += value - 9 if value > 9 else value
        if total % 10 == 0:
            return candidate
    raise AssertionError("unreachable")


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Structure {n}")
    siret = factory.Sequence(_siret)
    type = "mairie"
    address = "1 place de la Mairie, 35000 Rennes"


class AidantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Aidant
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"aidant{n}@relais.test")
    first_name = "Camille"
    last_name = factory.Sequence(lambda n: f"Martin{n}")

    @factory.post_generation
    def password(obj: Aidant, create: bool, extracted: str | None, **kwargs: Any) -> None:  # noqa: N805
        obj.set_password(extracted or PASSWORD)
        if create:
            obj.save(update_fields=["password"])


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    aidant = factory.SubFactory(AidantFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Role.AIDANT


def add_totp_device(aidant: Aidant, *, step: int = 30, confirmed: bool = True) -> TOTPDevice:
    return TOTPDevice.objects.create(
        user=aidant, name="Application", step=step, tolerance=1, confirmed=confirmed
    )


def current_code(device: TOTPDevice, *, offset_steps: int = 0, at: float | None = None) -> str:
    """The code the device shows now, or `offset_steps` steps away (drift tests)."""
    now = time.time() if at is None else at
    counter = int((now - device.t0) // device.step) + offset_steps
    return f"{hotp(device.bin_key, counter, digits=device.digits):06d}"


class UsagerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "mandats.Usager"

    sub = factory.Sequence(lambda n: f"{n:064x}v1")
    given_name = "Angela Claire Louise"
    family_name = factory.Sequence(lambda n: f"DUBOIS{n}")
    birthdate = "1962-08-24"
    gender = "female"
    birthplace = "75107"
    birthcountry = "99100"
    email = factory.Sequence(lambda n: f"usager{n}@example.fr")
    preferred_username = ""


class MandatFactory(factory.django.DjangoModelFactory):
    """A signed mandate; pass demarches=[...] to create its autorisations."""

    class Meta:
        model = "mandats.Mandat"
        skip_postgeneration_save = True

    organisation = factory.SubFactory(OrganisationFactory)
    usager = factory.SubFactory(UsagerFactory)
    created_by = factory.SubFactory(AidantFactory)
    created_at = factory.LazyFunction(timezone.now)
    duration = 365
    expires_at = factory.LazyAttribute(lambda o: o.created_at + timedelta(days=o.duration))
    signature_kind = "typed"
    signature_data = "Angela Dubois"
    signature_sha256 = factory.Sequence(lambda n: f"{n:064x}")
    document_hash = factory.Sequence(lambda n: f"{n + 10**6:064x}")
    signed_at = factory.LazyAttribute(lambda o: o.created_at)

    @factory.post_generation
    def demarches(obj: Any, create: bool, extracted: list[str] | None, **kwargs: Any) -> None:  # noqa: N805
        from mandats.models import Autorisation

        for demarche in extracted or []:
            Autorisation.objects.create(
                mandat=obj, organisation=obj.organisation, usager=obj.usager, demarche=demarche
            )
