"""The privacy app: the access log of personal-data reads and the throttle on ID-number lookups."""

from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "cehours.privacy"
    label = "privacy"
    verbose_name = "个人信息保护"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        post_migrate.connect(_ensure_triggers, sender=self)


def _ensure_triggers(sender, using, **kwargs) -> None:
    from django.db import connections

    from . import triggers

    connection = connections[using]
    if triggers.TABLE in connection.introspection.table_names():
        triggers.ensure(connection)
