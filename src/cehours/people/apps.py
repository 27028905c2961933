from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "cehours.people"
    label = "people"
    verbose_name = "人员与单位"
