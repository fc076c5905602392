"""Trigram indexes for the usager search of the authorize pages (10,000+ usagers per
organisation): `icontains` on the names then uses a bitmap index scan instead of a seq scan.

They sit on mandats_usager but serve oidc.selection.search_usagers; move them to mandats if
its own usager search adopts them. PostgreSQL only: SQLite (make run) searches without them.
"""

from typing import Any

from django.db import migrations

FIELDS = ["family_name", "given_name", "preferred_username"]


def create_indexes(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for field in FIELDS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS oidc_usager_{field}_trgm ON mandats_usager "
            f"USING gin (upper({field}::text) gin_trgm_ops)"
        )


def drop_indexes(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for field in FIELDS:
        schema_editor.execute(f"DROP INDEX IF EXISTS oidc_usager_{field}_trgm")


class Migration(migrations.Migration):
    dependencies = [("oidc", "0001_initial"), ("mandats", "0001_initial")]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]
