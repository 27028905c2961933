from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "cehours.ledger"
    label = "ledger"
    verbose_name = "学时台账"
