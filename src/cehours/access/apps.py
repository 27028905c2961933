from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "cehours.access"
    label = "access"
    verbose_name = "账号与权限"

    def ready(self) -> None:
        from . import signals  # noqa: F401 - connects the receivers
