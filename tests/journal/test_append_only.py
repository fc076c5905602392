import pytest
from django.db import DatabaseError, connection, transaction

import journal
from journal.models import Action, AppendOnlyError, Checkpoint, Entry, Seal
from journal.sealing import make_checkpoint, seal_pending


@pytest.fixture
def entry(aidant):
    entry = journal.record(Action.LOGOUT, aidant=aidant, organisation=aidant.current_organisation)
    seal_pending()
    make_checkpoint(force=True)
    return entry


def test_saving_an_existing_entry_is_refused(entry):
    entry.action = Action.LOGIN_FAILED
    with pytest.raises(AppendOnlyError):
        entry.save()
    entry.refresh_from_db()
    assert entry.action == Action.LOGOUT


def test_deleting_an_entry_is_refused(entry):
    with pytest.raises(AppendOnlyError):
        entry.delete()
    assert Entry.objects.filter(pk=entry.pk).exists()


@pytest.mark.parametrize("model", [Entry, Seal, Checkpoint])
def test_queryset_update_delete_and_bulk_update_are_refused(entry, model):
    with pytest.raises(AppendOnlyError):
        model.objects.update(pk=0)
    with pytest.raises(AppendOnlyError):
        model.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        model.objects.bulk_update(list(model.objects.all()), ["pk"])
    assert model.objects.count() == 1


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE journal_entry SET action = 'logout'",
        "DELETE FROM journal_entry",
        "TRUNCATE journal_entry CASCADE",
        "UPDATE journal_seal SET chain_hash = 'x'",
        "DELETE FROM journal_seal",
        "TRUNCATE journal_seal",
        "UPDATE journal_checkpoint SET root_hash = 'x'",
        "DELETE FROM journal_checkpoint",
        "TRUNCATE journal_checkpoint",
    ],
)
def test_raw_sql_changes_are_refused_by_the_database(entry, sql):
    with (
        pytest.raises(DatabaseError, match="journal is append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        # Check the deferred foreign keys now, or PostgreSQL refuses TRUNCATE for that.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(sql)
    assert Entry.objects.count() == Seal.objects.count() == Checkpoint.objects.count() == 1


def test_the_maintenance_setting_does_not_open_update_or_delete(entry):
    with (
        pytest.raises(DatabaseError, match="journal is append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("SET LOCAL relais.journal_maintenance = 'on'")
        cursor.execute("DELETE FROM journal_entry")
