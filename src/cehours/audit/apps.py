from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "cehours.audit"
    label = "audit"
    verbose_name = "审计日志"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from . import signals  # noqa: F401 - connects the receivers

        post_migrate.connect(_ensure_triggers, sender=self)


def _ensure_triggers(sender, using, **kwargs) -> None:
    from django.db import connections

    from . import triggers

    connection = connections[using]
    if triggers.TABLE in connection.introspection.table_names():
        triggers.ensure(connection)
