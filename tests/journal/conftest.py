from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import connection

import journal
from journal.models import Action, Entry
from journal.sealing import make_checkpoint, seal_pending


@pytest.fixture
def sealed_entries(aidant: Any) -> Callable[..., list[Entry]]:
    """Writes n entries, seals them and signs a checkpoint."""

    def make(n: int = 6, *, checkpoint: bool = True) -> list[Entry]:
        entries = [
            journal.record(
                Action.LOGIN_SUCCEEDED,
                aidant=aidant,
                organisation=aidant.current_organisation,
                details={"n": i, "note": "é"},
            )
            for i in range(n)
        ]
        seal_pending()
        if checkpoint:
            make_checkpoint(force=True)
        return entries

    return make


@contextmanager
def triggers_disabled() -> Iterator[Any]:
    """Act as the database superuser who switched every trigger (and foreign key) off."""
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        try:
            yield cursor
        finally:
            cursor.execute("SET session_replication_role = DEFAULT")
