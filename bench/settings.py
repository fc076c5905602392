"""Relais's settings plus one bench-only view (the ceiling); used by `make bench-oidc` only."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
