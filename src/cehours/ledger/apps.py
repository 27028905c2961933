"""The ledger app: entries, totals and the one write door."""

from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "cehours.ledger"
    label = "ledger"
    verbose_name = "学时台账"

    def ready(self) -> None:
        from .triggers import TRIGGERS

        TRIGGERS.ensure_after_migrate(self)
