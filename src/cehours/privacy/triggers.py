"""Database triggers that make the access log (ReadEvent) append-only, for SQLite and PostgreSQL.

The same shape as cehours.ledger.triggers and cehours.audit.triggers: the application only ever
inserts reads, and the triggers refuse UPDATE and DELETE from anything else (a bug, a shell, someone
with the database password hiding what they looked at). Not covered, as for the audit trail:
PostgreSQL's TRUNCATE (revoke it from the application's role in production).
"""

TABLE = "privacy_readevent"
MESSAGE = "个人信息访问记录只能追加：不得修改或删除"

SQLITE_CREATE = [
    f"""CREATE TRIGGER IF NOT EXISTS privacy_read_no_update BEFORE UPDATE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS privacy_read_no_delete BEFORE DELETE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS privacy_read_no_update",
    "DROP TRIGGER IF EXISTS privacy_read_no_delete",
]

POSTGRES_CREATE = [
    f"""CREATE OR REPLACE FUNCTION privacy_read_append_only() RETURNS trigger AS $$
        BEGIN RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation'; END;
        $$ LANGUAGE plpgsql""",
    f"""CREATE OR REPLACE TRIGGER privacy_read_append_only BEFORE UPDATE OR DELETE ON {TABLE}
        FOR EACH ROW EXECUTE FUNCTION privacy_read_append_only()""",
]
POSTGRES_DROP = [
    f"DROP TRIGGER IF EXISTS privacy_read_append_only ON {TABLE}",
    "DROP FUNCTION IF EXISTS privacy_read_append_only()",
]


def create_statements(vendor: str) -> list[str]:
    return {"sqlite": SQLITE_CREATE, "postgresql": POSTGRES_CREATE}.get(vendor, [])


def drop_statements(vendor: str) -> list[str]:
    return {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}.get(vendor, [])


def ensure(connection) -> None:
    """Idempotent: SQLite drops a table's triggers when a migration rebuilds the table, so every
    `migrate` ends by making sure they are there (see PrivacyConfig.ready)."""
    with connection.cursor() as cursor:
        for statement in create_statements(connection.vendor):
            cursor.execute(statement)


def install(apps, schema_editor) -> None:
    for statement in create_statements(schema_editor.connection.vendor):
        schema_editor.execute(statement)


def uninstall(apps, schema_editor) -> None:
    for statement in drop_statements(schema_editor.connection.vendor):
        schema_editor.execute(statement)
