"""The TRUNCATE guard stays on, except in the flush between transactional tests."""

import pytest
from django.db import DatabaseError, connection, transaction

import journal
from journal.models import Action, Entry


@pytest.mark.django_db(transaction=True)
def test_transactional_test_writes_the_journal(aidant):
    # Committed for real: the flush after this test must TRUNCATE the journal.
    journal.record(Action.LOGOUT, aidant=aidant)
    assert Entry.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_following_transactional_test_starts_from_an_empty_journal(aidant):
    assert Entry.objects.count() == 0
    journal.record(Action.LOGOUT, aidant=aidant)
    # Outside the test flush, TRUNCATE is still refused, even with everything truncated.
    with (
        pytest.raises(DatabaseError, match="journal is append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "TRUNCATE journal_pendingentry, journal_seal, journal_checkpoint, journal_entry"
        )
    assert Entry.objects.count() == 1


def test_a_plain_test_after_them_sees_no_leftover(db):
    assert Entry.objects.count() == 0
