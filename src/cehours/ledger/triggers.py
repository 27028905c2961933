"""Database triggers that make ledger entries append-only, for SQLite and PostgreSQL.

Model code never updates or deletes an entry; the triggers make sure nothing else does either
(a bug, a shell session, a hand-written SQL statement). Deliberate full wipes (Django's `flush`,
used by tests) go through cehours.dbbackends, which lifts the triggers for that statement only.
"""

TABLE = "ledger_ledgerentry"
MESSAGE = "学时记录只能追加：更正请登记冲销记录"

SQLITE_CREATE = [
    f"""CREATE TRIGGER IF NOT EXISTS ledger_entry_no_update BEFORE UPDATE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS ledger_entry_no_delete BEFORE DELETE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS ledger_entry_no_update",
    "DROP TRIGGER IF EXISTS ledger_entry_no_delete",
]

POSTGRES_CREATE = [
    f"""CREATE OR REPLACE FUNCTION ledger_entry_append_only() RETURNS trigger AS $$
        BEGIN RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation'; END;
        $$ LANGUAGE plpgsql""",
    f"""CREATE OR REPLACE TRIGGER ledger_entry_append_only BEFORE UPDATE OR DELETE ON {TABLE}
        FOR EACH ROW EXECUTE FUNCTION ledger_entry_append_only()""",
]
POSTGRES_DROP = [
    f"DROP TRIGGER IF EXISTS ledger_entry_append_only ON {TABLE}",
    "DROP FUNCTION IF EXISTS ledger_entry_append_only()",
]


def create_statements(vendor: str) -> list[str]:
    return {"sqlite": SQLITE_CREATE, "postgresql": POSTGRES_CREATE}.get(vendor, [])


def drop_statements(vendor: str) -> list[str]:
    return {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}.get(vendor, [])


def ensure(connection) -> None:
    """Idempotent: SQLite drops a table's triggers when a migration rebuilds the table, so every
    `migrate` ends by making sure they are there (see LedgerConfig.ready)."""
    with connection.cursor() as cursor:
        for statement in create_statements(connection.vendor):
            cursor.execute(statement)


def install(apps, schema_editor) -> None:
    for statement in create_statements(schema_editor.connection.vendor):
        schema_editor.execute(statement)


def uninstall(apps, schema_editor) -> None:
    for statement in drop_statements(schema_editor.connection.vendor):
        schema_editor.execute(statement)
