"""The reminders app."""

from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "cehours.reminders"
    label = "reminders"
    verbose_name = "学时提醒"
