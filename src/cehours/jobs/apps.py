"""The jobs app: long work off the request, with progress the page shows."""

from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "cehours.jobs"
    label = "jobs"
    verbose_name = "后台任务"
