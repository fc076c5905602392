"""The usager search index takes new usagers straight into its tree (fastupdate off).

With GIN's default fast update, new entries wait in a pending list that every search reads
in full until a vacuum merges it; PostgreSQL then prices the index so high that it reads
every usager instead (5 ms for 10,000, against 0.4 ms). Usagers are added once per mandate
and searched on every OIDC flow, so the search's cost matters more. Any list pending now is
merged. PostgreSQL only, as 0002 and 0003.
"""

from typing import Any

from django.db import migrations

INDEX = "oidc_usager_search_trgm"


def no_pending_list(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER INDEX {INDEX} SET (fastupdate = off)")
    schema_editor.execute(f"SELECT gin_clean_pending_list('{INDEX}'::regclass)")


def default_fast_update(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER INDEX {INDEX} RESET (fastupdate)")


class Migration(migrations.Migration):
    dependencies = [("oidc", "0003_usager_search_one_trigram_index")]

    operations = [migrations.RunPython(no_pending_list, default_fast_update)]
