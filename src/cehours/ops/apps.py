"""The operations app: checks the field key at start and records its fingerprint after migrate."""

from __future__ import annotations

from django.apps import AppConfig
from django.core import checks
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate


class OpsConfig(AppConfig):
    name = "cehours.ops"
    label = "ops"
    verbose_name = "运行维护"

    def ready(self) -> None:
        from . import keys

        checks.register(keys.field_key_check, "cehours_field_key")
        post_migrate.connect(keys.record_after_migrate, sender=self)
        connection_created.connect(keys.private_sqlite_files)
