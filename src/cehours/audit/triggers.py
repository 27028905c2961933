"""Database triggers that make audit events append-only, for SQLite and PostgreSQL.

The same shape as cehours.ledger.triggers, on purpose: model code only ever inserts events, and
the triggers make sure nothing else edits or deletes one either (a bug, a shell session, someone
with the database password). The head row (AuditHead) has no trigger: the append path moves it,
and a head reset after deleting the tail is caught by an anchor kept off the host.

Not covered here, by choice: PostgreSQL's TRUNCATE (row triggers do not see it, and Django's
flush in tests relies on it) — revoke TRUNCATE from the application's role in production; an
anchor detects the emptied chain either way.
"""

from cehours.dbtriggers import AppendOnly

TABLE = "audit_auditevent"
MESSAGE = "审计事件只能追加：不得修改或删除"
TRIGGERS = AppendOnly(TABLE, "audit_event", MESSAGE)

# The names migrations, the SQLite backend and tests use.
SQLITE_CREATE, SQLITE_DROP = TRIGGERS.sqlite_create, TRIGGERS.sqlite_drop
POSTGRES_CREATE, POSTGRES_DROP = TRIGGERS.postgres_create, TRIGGERS.postgres_drop
create_statements, drop_statements = TRIGGERS.create_statements, TRIGGERS.drop_statements
ensure, install, uninstall = TRIGGERS.ensure, TRIGGERS.install, TRIGGERS.uninstall
