"""The learning app."""

from django.apps import AppConfig


class LearningConfig(AppConfig):
    name = "cehours.learning"
    label = "learning"
    verbose_name = "在线学习"
