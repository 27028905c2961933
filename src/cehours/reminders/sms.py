"""Text messages: an interface with no provider configured (CEHOURS_SMS_SENDER names one)."""

from __future__ import annotations

from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string


class SmsSender(Protocol):
    def send(self, mobile: str, text: str) -> bool:
        """Send one message; True when the provider accepted it."""


def configured_sender() -> SmsSender | None:
    """The provider CEHOURS_SMS_SENDER names (a dotted path to a class), or None: no SMS is sent."""
    path = settings.CEHOURS_SMS_SENDER
    return import_string(path)() if path else None
