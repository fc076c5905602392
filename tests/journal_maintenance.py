"""The test suite's only way through the journal's TRUNCATE guard.

TransactionTestCase, transactional_db and live-server tests empty every table with one
TRUNCATE between tests. The journal's trigger refuses TRUNCATE unless the transaction-local
setting relais.journal_maintenance is 'on'; this sets it inside the flush's own transaction,
for the test suite only. Production code never sets it.
"""

from collections.abc import Iterable

from django.db.backends.postgresql.operations import DatabaseOperations

MAINTENANCE_ON = "SET LOCAL relais.journal_maintenance = 'on'"

_original_execute_sql_flush = DatabaseOperations.execute_sql_flush


def _execute_sql_flush(self: DatabaseOperations, sql_list: Iterable[str]) -> None:
    statements = list(sql_list)
    if statements:
        statements.insert(0, MAINTENANCE_ON)
    _original_execute_sql_flush(self, statements)


def allow_test_flush() -> None:
    DatabaseOperations.execute_sql_flush = _execute_sql_flush  # type: ignore[method-assign,assignment]
