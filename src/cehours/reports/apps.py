"""The reports app: hours certificates, signed and verifiable."""

from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "cehours.reports"
    label = "reports"
    verbose_name = "学时证明"
