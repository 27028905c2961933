"""The privacy app: the access log of personal-data reads and the throttle on ID-number lookups."""

from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "cehours.privacy"
    label = "privacy"
    verbose_name = "个人信息保护"

    def ready(self) -> None:
        from .triggers import TRIGGERS

        TRIGGERS.ensure_after_migrate(self)
