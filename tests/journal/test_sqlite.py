"""The SQLite default (`make run`) keeps the journal append-only and queued after every
migration: SQLite rebuilds a table for many schema changes, and a rebuild drops triggers."""

import sqlite3

import pytest

from tests.production import run_python

RECORD = """
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
import journal
from journal.models import Action
journal.record(Action.LOGOUT, details={"b": 1, "a": "é"})
"""


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> sqlite3.Connection:
    path = tmp_path_factory.mktemp("sqlite") / "relais.sqlite3"
    result = run_python(
        RECORD,
        DEBUG="true",
        DATABASE_URL=f"sqlite:///{path}",
        REDIS_URL="",
        JOURNAL_SEAL_ON_COMMIT="false",
    )
    assert result.returncode == 0, result.stderr
    connection = sqlite3.connect(path)
    yield connection
    connection.close()


def test_every_journal_trigger_survives_the_migrations(migrated):
    triggers = {
        row[0] for row in migrated.execute("SELECT name FROM sqlite_master WHERE type='trigger'")
    }
    assert {
        "journal_entry_queue",
        "journal_entry_no_update",
        "journal_entry_no_delete",
        "journal_seal_no_update",
        "journal_seal_no_delete",
        "journal_checkpoint_no_update",
        "journal_checkpoint_no_delete",
    } <= triggers


def test_a_recorded_entry_is_queued_and_cannot_be_changed(migrated):
    assert migrated.execute("SELECT count(*) FROM journal_pendingentry").fetchone() == (1,)
    for statement in ("UPDATE journal_entry SET action = 'x'", "DELETE FROM journal_entry"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            migrated.execute(statement)
    assert migrated.execute("SELECT count(*) FROM journal_entry").fetchone() == (1,)
