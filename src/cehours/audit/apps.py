"""The audit app: the keyed, append-only trail of every staff and system action (R21)."""

from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "cehours.audit"
    label = "audit"
    verbose_name = "审计日志"

    def ready(self) -> None:
        from . import signals  # noqa: F401 - connects the receivers
        from .triggers import TRIGGERS

        TRIGGERS.ensure_after_migrate(self)
