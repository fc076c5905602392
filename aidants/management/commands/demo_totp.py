"""Prints the current TOTP code of a demo account's app, or of a demo hardware card."""

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from aidants.models import CarteTOTP


class Command(BaseCommand):
    help = (
        "Affiche le code TOTP courant d'un compte de démonstration, ou d'une carte avec "
        "--carte (développement uniquement)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument(
            "email", nargs="?", help="adresse du compte, par exemple aidant@relais.test"
        )
        target.add_argument("--carte", help="numéro de série, par exemple CARTE-DEMO-0001")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("Cette commande ne fonctionne qu'avec DEBUG activé.")
        if options["carte"]:
            carte = CarteTOTP.objects.filter(serial=options["carte"]).first()
            if carte is None:
                raise CommandError("Aucune carte ne porte ce numéro de série.")
            key, step, t0 = bytes.fromhex(carte.key), carte.step, 0
        else:
            device = TOTPDevice.objects.filter(
                user__email__iexact=options["email"], confirmed=True, step=30
            ).first()
            if device is None:
                raise CommandError("Aucune application d'authentification pour ce compte.")
            key, step, t0 = device.bin_key, device.step, device.t0
        code = totp(key, step=step, t0=t0, digits=6)
        remaining = step - int(time.time() - t0) % step
        self.stdout.write(f"{code:06d}  (valable encore {remaining} s)")
