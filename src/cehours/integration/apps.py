from django.apps import AppConfig


class IntegrationConfig(AppConfig):
    name = "cehours.integration"
    label = "integration"
    verbose_name = "系统对接"
