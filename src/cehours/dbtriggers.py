"""Append-only tables by database trigger, for SQLite and PostgreSQL: one definition for them all.

The ledger, the audit trail and the personal-data read log are only ever inserted into. A trigger
refuses UPDATE and DELETE from anything else (a bug, a shell session, a hand-written statement).
Deliberate full wipes (Django's `flush`, used by tests) go through cehours.dbbackends, which lifts
the triggers for that statement only. SQLite drops a table's triggers when a migration rebuilds
the table, so every `migrate` ends by making sure they are there (`ensure_after_migrate`).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class AppendOnly:
    """The triggers that keep one table append-only; `name` prefixes the trigger names."""

    table: str
    name: str
    message: str
    sqlite_create: list[str] = field(init=False)
    sqlite_drop: list[str] = field(init=False)
    postgres_create: list[str] = field(init=False)
    postgres_drop: list[str] = field(init=False)

    def __post_init__(self) -> None:
        table, name, message = self.table, self.name, self.message
        set_ = object.__setattr__  # a frozen dataclass computing its own fields
        set_(self, "sqlite_create", [
            f"""CREATE TRIGGER IF NOT EXISTS {name}_no_update BEFORE UPDATE ON {table}
                BEGIN SELECT RAISE(ABORT, '{message}'); END""",
            f"""CREATE TRIGGER IF NOT EXISTS {name}_no_delete BEFORE DELETE ON {table}
                BEGIN SELECT RAISE(ABORT, '{message}'); END""",
        ])  # fmt: skip
        set_(
            self,
            "sqlite_drop",
            [f"DROP TRIGGER IF EXISTS {name}_no_update", f"DROP TRIGGER IF EXISTS {name}_no_delete"],
        )
        set_(self, "postgres_create", [
            f"""CREATE OR REPLACE FUNCTION {name}_append_only() RETURNS trigger AS $$
                BEGIN RAISE EXCEPTION '{message}' USING ERRCODE = 'integrity_constraint_violation'; END;
                $$ LANGUAGE plpgsql""",
            f"""CREATE OR REPLACE TRIGGER {name}_append_only BEFORE UPDATE OR DELETE ON {table}
                FOR EACH ROW EXECUTE FUNCTION {name}_append_only()""",
        ])  # fmt: skip
        set_(self, "postgres_drop", [
            f"DROP TRIGGER IF EXISTS {name}_append_only ON {table}",
            f"DROP FUNCTION IF EXISTS {name}_append_only()",
        ])  # fmt: skip

    def create_statements(self, vendor: str) -> list[str]:
        return {"sqlite": self.sqlite_create, "postgresql": self.postgres_create}.get(vendor, [])

    def drop_statements(self, vendor: str) -> list[str]:
        return {"sqlite": self.sqlite_drop, "postgresql": self.postgres_drop}.get(vendor, [])

    def ensure(self, connection) -> None:
        """Idempotent: create the triggers that are missing."""
        with connection.cursor() as cursor:
            for statement in self.create_statements(connection.vendor):
                cursor.execute(statement)

    def install(self, apps, schema_editor) -> None:
        """For a migration's RunPython."""
        for statement in self.create_statements(schema_editor.connection.vendor):
            schema_editor.execute(statement)

    def uninstall(self, apps, schema_editor) -> None:
        for statement in self.drop_statements(schema_editor.connection.vendor):
            schema_editor.execute(statement)

    def ensure_after_migrate(self, app_config) -> None:
        """Re-create the triggers after every `migrate` of the app (SQLite table rebuilds drop them)."""
        from django.db.models.signals import post_migrate

        def ensure(sender, using, **kwargs) -> None:
            from django.db import connections

            connection = connections[using]
            if self.table in connection.introspection.table_names():
                self.ensure(connection)

        post_migrate.connect(ensure, sender=app_config, weak=False, dispatch_uid=f"append-only:{self.table}")
