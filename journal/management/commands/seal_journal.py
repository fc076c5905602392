from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from journal.models import Checkpoint
from journal.sealing import make_checkpoint, seal_pending


class Command(BaseCommand):
    help = "Scelle les entrées en attente et signe un point de contrôle."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--no-checkpoint", action="store_true", help="Sceller sans signer de point de contrôle."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        count = seal_pending()
        self.stdout.write(f"{count} entrées scellées.")
        if options["no_checkpoint"]:
            return
        make_checkpoint(force=True)
        latest = Checkpoint.objects.order_by("-tree_size").first()
        if latest is not None:
            self.stdout.write(latest.as_text())
