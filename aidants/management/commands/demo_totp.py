"""Prints the current TOTP code of a demo account's authenticator device."""

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = "Affiche le code TOTP courant d'un compte de démonstration (développement uniquement)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", help="adresse du compte, par exemple aidant@relais.test")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("Cette commande ne fonctionne qu'avec DEBUG activé.")
        device = TOTPDevice.objects.filter(
            user__email__iexact=options["email"], confirmed=True, step=30
        ).first()
        if device is None:
            raise CommandError("Aucune application d'authentification pour ce compte.")
        code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
        remaining = device.step - int(time.time() - device.t0) % device.step
        self.stdout.write(f"{code:06d}  (valable encore {remaining} s)")
