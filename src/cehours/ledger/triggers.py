"""Database triggers that make ledger entries append-only, for SQLite and PostgreSQL.

Model code never updates or deletes an entry; the triggers make sure nothing else does either
(a bug, a shell session, a hand-written SQL statement). Deliberate full wipes (Django's `flush`,
used by tests) go through cehours.dbbackends, which lifts the triggers for that statement only.
"""

from cehours.dbtriggers import AppendOnly

TABLE = "ledger_ledgerentry"
MESSAGE = "学时记录只能追加：更正请登记冲销记录"
TRIGGERS = AppendOnly(TABLE, "ledger_entry", MESSAGE)

# The names migrations, the SQLite backend and tests use.
SQLITE_CREATE, SQLITE_DROP = TRIGGERS.sqlite_create, TRIGGERS.sqlite_drop
POSTGRES_CREATE, POSTGRES_DROP = TRIGGERS.postgres_create, TRIGGERS.postgres_drop
create_statements, drop_statements = TRIGGERS.create_statements, TRIGGERS.drop_statements
ensure, install, uninstall = TRIGGERS.ensure, TRIGGERS.install, TRIGGERS.uninstall
