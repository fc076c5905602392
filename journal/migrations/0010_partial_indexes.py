"""Partial indexes for the columns most entries leave empty (usager, client, target aidant,
mandat, autorisation): an append skips them, and `column = value` still uses them.

The foreign keys lose their plain index through SeparateDatabaseAndState and explicit
DROP INDEX: an AlterField would make SQLite rebuild journal_entry, which silently drops its
append-only and queue triggers.
"""

from typing import Any

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

PLAIN_INDEXED = ["target_aidant_id", "mandat_id", "autorisation_id"]


def drop_plain_indexes(apps: Any, schema_editor: Any) -> None:
    # Django names a foreign key's index after its table and column, on every database.
    for column in PLAIN_INDEXED:
        name = schema_editor._create_index_name("journal_entry", [column])
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


def create_plain_indexes(apps: Any, schema_editor: Any) -> None:
    Entry = apps.get_model("journal", "Entry")
    for column in PLAIN_INDEXED:
        field = Entry._meta.get_field(column.removesuffix("_id"))
        name = schema_editor._create_index_name(Entry._meta.db_table, [column])
        schema_editor.execute(schema_editor._create_index_sql(Entry, fields=[field], name=name))


def _fk(to: str) -> models.ForeignKey:
    return models.ForeignKey(
        blank=True,
        db_index=False,
        null=True,
        on_delete=django.db.models.deletion.PROTECT,
        related_name="+",
        to=to,
    )


def _partial(column: str, *more: str, name: str) -> models.Index:
    return models.Index(
        fields=[column, *more], name=name, condition=models.Q((f"{column}__isnull", False))
    )


class Migration(migrations.Migration):
    dependencies = [
        ("aidants", "0002_cartes_totp"),
        ("journal", "0009_action_choices_callable"),
        ("mandats", "0003_usager_summary"),
        ("oidc", "0002_usager_search_trigram"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(model_name="entry", name="journal_entry_usager_idx"),
        migrations.RemoveIndex(model_name="entry", name="journal_entry_client_idx"),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField("entry", "autorisation", _fk("mandats.autorisation")),
                migrations.AlterField("entry", "mandat", _fk("mandats.mandat")),
                migrations.AlterField("entry", "target_aidant", _fk(settings.AUTH_USER_MODEL)),
            ],
            database_operations=[
                migrations.RunPython(drop_plain_indexes, create_plain_indexes),
            ],
        ),
        *[
            migrations.AddIndex(model_name="entry", index=_partial(*fields, name=name))
            for name, fields in [
                ("journal_entry_usager_idx", ["usager", "created_at", "id"]),
                ("journal_entry_client_idx", ["client", "created_at", "id"]),
                ("journal_entry_target_idx", ["target_aidant"]),
                ("journal_entry_mandat_idx", ["mandat"]),
                ("journal_entry_autorisation_idx", ["autorisation"]),
            ]
        ],
    ]
