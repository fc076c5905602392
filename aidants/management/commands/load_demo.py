"""Demo data for `make run`: two structures, a responsable, aidants, an auditor, an admin.

Refuses to run when DEBUG is off: the passwords and TOTP seeds below are public.
"""

from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from aidants.models import AUDITORS_GROUP, Aidant, CarteTOTP, Membership, Organisation, Role

DEMO_PASSWORD = "relais-demo-2026"

ORGANISATIONS = [
    (
        "Mairie de Saint-Relais",
        "21356000000019",
        "mairie",
        "1 place de la Mairie, 35000 Saint-Relais",
    ),
    (
        "France Services de Kerbourg",
        "13000000000013",
        "france_services",
        "4 rue du Port, 29000 Kerbourg",
    ),
]

# email, first name, last name, structures (index, role), TOTP seed (hex), staff
ACCOUNTS: list[tuple[str, str, str, list[tuple[int, Role]], str, bool]] = [
    (
        "responsable@relais.test",
        "Rose",
        "Responsable",
        [(0, Role.RESPONSABLE)],
        "3132333435363738393031323334353637383930",
        False,
    ),
    (
        "aidant@relais.test",
        "Adam",
        "Aidant",
        [(0, Role.AIDANT), (1, Role.AIDANT)],
        "4142434445464748494a4b4c4d4e4f5051525354",
        False,
    ),
    (
        "aidante@relais.test",
        "Inès",
        "Aidante",
        [(1, Role.RESPONSABLE)],
        "6162636465666768696a6b6c6d6e6f7071727374",
        False,
    ),
    (
        "auditeur@relais.test",
        "Anne",
        "Auditrice",
        [],
        "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a",
        False,
    ),
    ("admin@relais.test", "Alex", "Admin", [], "3030303030303030303030303030303030303030", True),
]

DEMO_CARDS = [("CARTE-DEMO-0001", "3939393939393939393939393939393939393939")]


class Command(BaseCommand):
    help = "Charge les données de démonstration (développement uniquement)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("Les données de démonstration ne se chargent qu'avec DEBUG activé.")
        with transaction.atomic():
            organisations = [
                Organisation.objects.update_or_create(
                    siret=siret, defaults={"name": name, "type": kind, "address": address}
                )[0]
                for name, siret, kind, address in ORGANISATIONS
            ]
            auditors, _ = Group.objects.get_or_create(name=AUDITORS_GROUP)
            for email, first, last, memberships, seed, staff in ACCOUNTS:
                aidant = Aidant.objects.filter(email=email).first()
                if aidant is None:
                    aidant = Aidant.objects.create_user(
                        email=email,
                        password=DEMO_PASSWORD,
                        first_name=first,
                        last_name=last,
                        is_staff=staff,
                        is_superuser=staff,
                    )
                for index, role in memberships:
                    Membership.objects.get_or_create(
                        aidant=aidant, organisation=organisations[index], defaults={"role": role}
                    )
                if memberships and aidant.current_organisation_id is None:
                    aidant.current_organisation = organisations[memberships[0][0]]
                    aidant.save(update_fields=["current_organisation"])
                if email.startswith("auditeur"):
                    aidant.groups.add(auditors)
                TOTPDevice.objects.get_or_create(
                    user=aidant,
                    name="Application de démonstration",
                    defaults={"key": seed, "step": 30, "tolerance": 1, "confirmed": True},
                )
            for serial, key in DEMO_CARDS:
                CarteTOTP.objects.get_or_create(serial=serial, defaults={"key": key, "step": 60})
        self.stdout.write(self.style.SUCCESS("Données de démonstration prêtes."))
        self.stdout.write(f"Comptes (mot de passe « {DEMO_PASSWORD} ») :")
        for email, *_ in ACCOUNTS:
            self.stdout.write(f"  {email}")
        self.stdout.write("Code TOTP courant : python manage.py demo_totp <adresse>")
