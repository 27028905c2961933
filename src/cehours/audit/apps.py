from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "cehours.audit"
    label = "audit"
    verbose_name = "审计日志"

    def ready(self) -> None:
        from . import signals  # noqa: F401 - connects the receivers
