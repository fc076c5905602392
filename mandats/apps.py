from django.apps import AppConfig


class MandatsConfig(AppConfig):
    name = "mandats"
    verbose_name = "Usagers et mandats"
