"""Database triggers that make audit events append-only, for SQLite and PostgreSQL.

The same shape as cehours.ledger.triggers, on purpose: model code only ever inserts events, and
the triggers make sure nothing else edits or deletes one either (a bug, a shell session, someone
with the database password). The head row (AuditHead) has no trigger: the append path moves it,
and a head reset after deleting the tail is caught by an anchor kept off the host.

Not covered here, by choice: PostgreSQL's TRUNCATE (row triggers do not see it, and Django's
flush in tests relies on it) — revoke TRUNCATE from the application's role in production; an
anchor detects the emptied chain either way.
"""

TABLE = "audit_auditevent"
MESSAGE = "审计事件只能追加：不得修改或删除"

SQLITE_CREATE = [
    f"""CREATE TRIGGER IF NOT EXISTS audit_event_no_update BEFORE UPDATE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS audit_event_no_delete BEFORE DELETE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS audit_event_no_update",
    "DROP TRIGGER IF EXISTS audit_event_no_delete",
]

POSTGRES_CREATE = [
    f"""CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
        BEGIN RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation'; END;
        $$ LANGUAGE plpgsql""",
    f"""CREATE OR REPLACE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON {TABLE}
        FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()""",
]
POSTGRES_DROP = [
    f"DROP TRIGGER IF EXISTS audit_event_append_only ON {TABLE}",
    "DROP FUNCTION IF EXISTS audit_event_append_only()",
]


def create_statements(vendor: str) -> list[str]:
    return {"sqlite": SQLITE_CREATE, "postgresql": POSTGRES_CREATE}.get(vendor, [])


def drop_statements(vendor: str) -> list[str]:
    return {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}.get(vendor, [])


def ensure(connection) -> None:
    """Idempotent: SQLite drops a table's triggers when a migration rebuilds the table, so every
    `migrate` ends by making sure they are there (see AuditConfig.ready)."""
    with connection.cursor() as cursor:
        for statement in create_statements(connection.vendor):
            cursor.execute(statement)


def install(apps, schema_editor) -> None:
    for statement in create_statements(schema_editor.connection.vendor):
        schema_editor.execute(statement)


def uninstall(apps, schema_editor) -> None:
    for statement in drop_statements(schema_editor.connection.vendor):
        schema_editor.execute(statement)
