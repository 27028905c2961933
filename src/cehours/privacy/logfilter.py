"""The log filter that masks resident ID numbers in every log line (DESIGN §7: never in a log line).

API paths carry the ID number (`/api/v1/people/{id_number}/compliance`, a documented interface), and
Django, gunicorn and the application log paths, messages and tracebacks. The filter rewrites each
record before any handler writes it: the message with its arguments, and the traceback text.

Masked as the platform masks for display (rules.identifiers.mask_id_number): first 6, 8 stars,
last 4. Any run of 18 or more digits (the last may be X) is masked, with no word boundaries: a
number inside a longer token (`/people/0331102…`, `?q=331102…X&`) still reaches the log otherwise.
"""

from __future__ import annotations

import logging
import re

from cehours.rules.identifiers import mask_id_number

# 17 digits + a digit or X, and any longer digit run (which would hold an 18-digit window).
ID_NUMBER_RUN = re.compile(r"[0-9]{17,}[0-9Xx]")


def _mask(match: re.Match[str]) -> str:
    value = match.group()
    if len(value) == 18:
        return mask_id_number(value)
    return f"{value[:6]}{'*' * (len(value) - 10)}{value[-4:]}"


def mask_id_numbers(text: str) -> str:
    return ID_NUMBER_RUN.sub(_mask, text)


class MaskIdNumbers(logging.Filter):
    """Attached to every handler (settings.LOGGING, gunicorn's access and error logs): never drops a
    record, only masks it. The record is changed in place, so later handlers see it masked too."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: let the handler report it as logging would
            return True
        masked = mask_id_numbers(message)
        if masked != message:
            record.msg, record.args = masked, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_id_numbers(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_id_numbers(record.stack_info)
        return True
