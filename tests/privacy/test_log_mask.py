"""No full ID number in any log line (finding 2): the mask filter on every handler, seen from the logs."""

from __future__ import annotations

import logging

import pytest
from django.test import Client

from cehours.access.services import token_issue
from cehours.privacy.logfilter import MaskIdNumbers, mask_id_numbers

from .conftest import candidates


def test_the_filter_masks_as_the_platform_masks():
    assert mask_id_numbers("GET /api/v1/people/33110219800101269X/compliance") == (
        "GET /api/v1/people/331102********269X/compliance"
    )
    assert mask_id_numbers("q=33110219800101269x&x=1") == "q=331102********269x&x=1"
    # Inside a longer digit run the number would still be there, so the whole run is masked.
    assert "33110219800101269" not in mask_id_numbers("0033110219800101269X")
    assert mask_id_numbers("request 3311021980010126 has 16 digits") == "request 3311021980010126 has 16 digits"


def test_the_filter_masks_arguments_dict_arguments_and_tracebacks():
    number = "331102198001012691"
    filt = MaskIdNumbers()
    positional = logging.LogRecord("x", logging.WARNING, __file__, 1, "Not Found: %s", (f"/p/{number}/",), None)
    mapping = logging.LogRecord("x", logging.INFO, __file__, 1, "%(r)s", ({"r": f"GET /p/{number}"},), None)
    try:
        raise ValueError(f"bad {number}")
    except ValueError:
        import sys

        failing = logging.LogRecord("x", logging.ERROR, __file__, 1, "boom", (), sys.exc_info())

    for record in (positional, mapping, failing):
        assert filt.filter(record) is True
        assert number not in logging.Formatter().format(record)
    assert "331102********2691" in positional.getMessage()
    assert "331102********2691" in mapping.getMessage()


def _configured_handlers() -> list[logging.Handler]:
    """Every handler settings.LOGGING (and Django's defaults before it) attached to a logger."""
    loggers = [logging.getLogger()] + [
        logging.getLogger(name)
        for name, obj in logging.Logger.manager.loggerDict.items()
        if isinstance(obj, logging.Logger)
    ]
    handlers = {h for logger in loggers for h in logger.handlers}
    # pytest's own capture handlers are not the platform's; a NullHandler writes nothing anywhere
    return [
        h
        for h in handlers
        if type(h).__module__.split(".")[0] not in {"_pytest", "pytest"} and not isinstance(h, logging.NullHandler)
    ]


def test_every_configured_handler_masks_id_numbers():
    handlers = _configured_handlers()

    assert handlers
    for handler in handlers:
        assert any(isinstance(f, MaskIdNumbers) for f in handler.filters), handler


def test_no_full_id_number_in_the_log_after_api_lookups_and_a_page_search(caplog, target, unit_staff):
    caplog.set_level(logging.DEBUG)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token_issue(user=unit_staff)}")
    browser = Client()
    browser.force_login(unit_staff)
    miss = candidates(target.id_number_masked, exclude=target.id_number)[0]

    assert api.get(f"/api/v1/people/{target.id_number}/compliance").status_code == 200
    assert api.get(f"/api/v1/people/{miss}/compliance").status_code == 404  # Django logs "Not Found: <path>"
    assert api.get(f"/api/v1/people/{target.id_number}/nothing-here").status_code == 404
    assert browser.post("/people/", {"q": target.id_number}).status_code == 200
    assert browser.get("/people/", {"q": target.id_number}).status_code == 400  # "Bad Request: /people/"
    logging.getLogger("cehours.anything").warning("looked up %s", target.id_number)

    text = caplog.text + "\n".join(r.getMessage() for r in caplog.records)
    assert target.id_number not in text
    assert miss not in text
    assert f"/api/v1/people/{mask_id_numbers(miss)}/compliance" in text
    assert f"looked up {target.id_number_masked}" in text


@pytest.mark.parametrize("lower", [False, True])
def test_a_lower_case_x_is_masked_too(lower):
    number = "33110219800101269X"
    text = mask_id_numbers(number.lower() if lower else number)
    assert text.upper() == "331102********269X"
