"""Hash and queue the entries written before the chain existed, then make the journal
append-only in the database itself.

On PostgreSQL a row trigger refuses UPDATE and DELETE and a statement trigger refuses
TRUNCATE on the entries, seals and checkpoints. The only way through is for TRUNCATE, when
the transaction-local setting relais.journal_maintenance is 'on': the test suite's flush
between transactional tests sets it (tests/conftest.py), nothing else does.
On SQLite, triggers refuse UPDATE and DELETE.
"""

from django.db import migrations

from journal.hashing import content_hash, normalise_details

TABLES = ["journal_entry", "journal_seal", "journal_checkpoint"]

POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION journal_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE'
       AND coalesce(current_setting('relais.journal_maintenance', true), '') = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'journal is append-only: % on % refused', TG_OP, TG_TABLE_NAME;
END
$$;
"""


def backfill(apps, schema_editor):
    Entry = apps.get_model("journal", "Entry")
    PendingEntry = apps.get_model("journal", "PendingEntry")
    for entry in Entry.objects.filter(content_hash="").order_by("id").iterator():
        entry.details = normalise_details(entry.details)
        entry.content_hash = content_hash(
            version=1,
            action=entry.action,
            created_at=entry.created_at,
            aidant_id=entry.aidant_id,
            organisation_id=entry.organisation_id,
            target_aidant_id=entry.target_aidant_id,
            usager_id=None,
            mandat_id=None,
            autorisation_id=None,
            client_id=None,
            details=entry.details,
        )
        entry.save(update_fields=["details", "content_hash"])
        PendingEntry.objects.create(entry_id=entry.pk)


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_FUNCTION, params=None)
        for table in TABLES:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION journal_refuse_change()"
            )
            schema_editor.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION journal_refuse_change()"
            )
    elif vendor == "sqlite":
        for table in TABLES:
            for operation in ("UPDATE", "DELETE"):
                schema_editor.execute(
                    f"CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, 'journal is append-only: {operation} on {table} "
                    "refused'); END"
                )


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        schema_editor.execute("DROP FUNCTION IF EXISTS journal_refuse_change()")
    elif vendor == "sqlite":
        for table in TABLES:
            for operation in ("update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_{operation}")


class Migration(migrations.Migration):
    dependencies = [("journal", "0003_chain_and_checkpoints")]

    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
