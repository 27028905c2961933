"""Database triggers that make the access log (ReadEvent) append-only, for SQLite and PostgreSQL.

The same shape as cehours.ledger.triggers and cehours.audit.triggers: the application only ever
inserts reads, and the triggers refuse UPDATE and DELETE from anything else (a bug, a shell, someone
with the database password hiding what they looked at). Not covered, as for the audit trail:
PostgreSQL's TRUNCATE (revoke it from the application's role in production).
"""

from cehours.dbtriggers import AppendOnly

TABLE = "privacy_readevent"
MESSAGE = "个人信息访问记录只能追加：不得修改或删除"
TRIGGERS = AppendOnly(TABLE, "privacy_read", MESSAGE)

# The names migrations, the SQLite backend and tests use.
SQLITE_CREATE, SQLITE_DROP = TRIGGERS.sqlite_create, TRIGGERS.sqlite_drop
POSTGRES_CREATE, POSTGRES_DROP = TRIGGERS.postgres_create, TRIGGERS.postgres_drop
create_statements, drop_statements = TRIGGERS.create_statements, TRIGGERS.drop_statements
ensure, install, uninstall = TRIGGERS.ensure, TRIGGERS.install, TRIGGERS.uninstall
