from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from oidc.keys import create_signing_key


class Command(BaseCommand):
    help = "Ajoute une nouvelle clé de signature active ; l'ancienne reste publiée le temps utile."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--alg", choices=["ES256", "RS256"], default="ES256")

    def handle(self, *args: Any, **options: Any) -> None:
        key = create_signing_key(options["alg"])
        self.stdout.write(f"Nouvelle clé {key.alg} active : kid={key.kid}")
