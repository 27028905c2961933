"""SQLite backend whose flush (a deliberate wipe of every table) lifts the ledger triggers.

PostgreSQL needs no such backend: its flush is TRUNCATE, which row triggers do not see.
"""

from django.db.backends.sqlite3 import base, operations

from cehours.ledger import triggers


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        statements = super().sql_flush(style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        if triggers.TABLE not in tables:
            return statements
        return [*triggers.SQLITE_DROP, *statements, *triggers.SQLITE_CREATE]


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
