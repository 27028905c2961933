"""SQLite backend whose flush (a deliberate wipe of every table) lifts the append-only triggers.

PostgreSQL needs no such backend: its flush is TRUNCATE, which row triggers do not see.
"""

from django.db.backends.sqlite3 import base, operations

from cehours.audit import triggers as audit_triggers
from cehours.ledger import triggers as ledger_triggers
from cehours.privacy import triggers as privacy_triggers

APPEND_ONLY = (ledger_triggers, audit_triggers, privacy_triggers)


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        statements = super().sql_flush(style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        lifted = [module for module in APPEND_ONLY if module.TABLE in tables]
        drop = [statement for module in lifted for statement in module.SQLITE_DROP]
        create = [statement for module in lifted for statement in module.SQLITE_CREATE]
        return [*drop, *statements, *create]


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
