"""One trigram index over the usager's names joined (oidc.selection.SearchText) replaces the
three per-name indexes of 0002.

With three indexes, a term ORed over three names made PostgreSQL prefer a sequential scan of
every usager (about 7 ms for 10,000 usagers); one index over the joined names is one bitmap
index scan (under 0.5 ms). The expression must stay exactly the SQL that SearchText and
`icontains` produce, or PostgreSQL won't use the index: tests/oidc/test_selection.py checks the
plan. PostgreSQL only, as 0002.
"""

from typing import Any

from django.db import migrations

OLD_FIELDS = ["family_name", "given_name", "preferred_username"]
SEARCH_TEXT = """(family_name || ' ' || given_name || ' ' || preferred_username)"""


def create_index(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS oidc_usager_search_trgm ON mandats_usager "
        f"USING gin (UPPER({SEARCH_TEXT}::text) gin_trgm_ops)"
    )
    for field in OLD_FIELDS:
        schema_editor.execute(f"DROP INDEX IF EXISTS oidc_usager_{field}_trgm")


def drop_index(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for field in OLD_FIELDS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS oidc_usager_{field}_trgm ON mandats_usager "
            f"USING gin (upper({field}::text) gin_trgm_ops)"
        )
    schema_editor.execute("DROP INDEX IF EXISTS oidc_usager_search_trgm")


class Migration(migrations.Migration):
    dependencies = [("oidc", "0002_usager_search_trigram")]

    operations = [migrations.RunPython(create_index, drop_index)]
