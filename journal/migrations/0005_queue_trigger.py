"""The database queues every new entry for the sealer itself: an AFTER INSERT trigger adds
its PendingEntry row, so an entry can never be written without being queued, and record()
costs one round trip instead of two."""

from django.db import migrations

POSTGRES = """
CREATE OR REPLACE FUNCTION journal_queue_entry() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO journal_pendingentry (entry_id) VALUES (NEW.id);
    RETURN NULL;
END
$$;
CREATE TRIGGER journal_entry_queue AFTER INSERT ON journal_entry
FOR EACH ROW EXECUTE FUNCTION journal_queue_entry();
"""


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(
            "CREATE TRIGGER journal_entry_queue AFTER INSERT ON journal_entry "
            "BEGIN INSERT INTO journal_pendingentry (entry_id) VALUES (NEW.id); END"
        )


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS journal_entry_queue ON journal_entry")
        schema_editor.execute("DROP FUNCTION IF EXISTS journal_queue_entry()")
    elif vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS journal_entry_queue")


class Migration(migrations.Migration):
    dependencies = [("journal", "0004_append_only_triggers")]

    operations = [migrations.RunPython(create, drop)]
