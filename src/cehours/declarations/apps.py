from django.apps import AppConfig


class DeclarationsConfig(AppConfig):
    name = "cehours.declarations"
    label = "declarations"
    verbose_name = "学时申报与诚信档案"
