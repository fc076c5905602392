from django.apps import AppConfig


class JournalConfig(AppConfig):
    name = "journal"
    verbose_name = "Journal"

    def ready(self) -> None:
        from journal import receivers  # noqa: F401
