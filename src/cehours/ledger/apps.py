from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "cehours.ledger"
    label = "ledger"
    verbose_name = "学时台账"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        post_migrate.connect(_ensure_triggers, sender=self)


def _ensure_triggers(sender, using, **kwargs) -> None:
    from django.db import connections

    from . import triggers

    connection = connections[using]
    if triggers.TABLE in connection.introspection.table_names():
        triggers.ensure(connection)
