from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "cehours.web"
    label = "web"
    verbose_name = "页面"
