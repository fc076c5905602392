from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from mandats.summaries import rebuild_all


class Command(BaseCommand):
    help = "Recomputes the usagers list's read model from the mandates."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            count = rebuild_all()
        self.stdout.write(f"{count} ligne(s) recalculée(s).")
