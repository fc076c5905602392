from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from journal.verification import verify_and_store


class Command(BaseCommand):
    help = "Vérifie les empreintes, la chaîne et les points de contrôle signés du journal."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--independent",
            action="store_true",
            help="Recalculer chaque empreinte en Python, sans s'appuyer sur PostgreSQL.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = verify_and_store(independent=options["independent"])
        if result.problem is not None:
            raise CommandError(
                f"Journal non conforme après {result.entries} entrées vérifiées : {result.problem}"
            )
        self.stdout.write(
            f"{result.entries} entrées vérifiées, {result.checkpoints} points de contrôle, "
            f"en {result.seconds:.2f} s."
        )
