"""Issue 12: on a phone a list reads as cards — one a row, each value under its column's name — so
an action or a link in the last column is on screen, not 300 pixels to the right; at a desk it stays
a table. A matrix of figures (a header of two rows) keeps its table and scrolls inside its box."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client

from ..declarations.conftest import cast, quick_accounts_and_private_media  # noqa: F401 - shared fixtures
from ..declarations.support import declare
from .test_browser import browser_factory  # noqa: F401 - the fixture

pytestmark = pytest.mark.browser

ROW = """() => {
  const row = document.querySelector("main table tbody tr");
  const table = row.closest("table");
  return {
    cards: table.classList.contains("cards"),
    header_shown: table.tHead.getBoundingClientRect().height > 1,
    labels: Array.from(row.cells).map(td => getComputedStyle(td, "::before").content),
    right: Math.max(...Array.from(row.querySelectorAll("a, button")).map(a => a.getBoundingClientRect().right)),
    box_scrolls: table.parentElement.scrollWidth > table.parentElement.clientWidth,
  };
}"""


def test_the_review_queue_is_cards_on_a_phone_and_a_table_at_a_desk(browser_factory, live_server, cast):  # noqa: F811
    declare(cast["nurse"], title="急诊急救培训")
    client = Client()
    client.force_login(cast["county_l1"])
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    context = browser_factory(viewport={"width": 390, "height": 800})
    assert context.browser is not None
    seen = {}
    for width in (390, 1366):
        ctx = context.browser.new_context(locale="zh-CN", viewport={"width": width, "height": 800})
        ctx.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}])
        page = ctx.new_page()
        page.goto(f"{live_server.url}/review/")
        seen[width] = page.evaluate(ROW)
        if width == 390:
            page.get_by_role("link", name="急诊急救培训").click()  # reachable without scrolling sideways
            page.wait_for_url(re.compile(r"/declarations/\d+/$"))
        ctx.close()

    phone, desk = seen[390], seen[1366]
    assert phone["cards"] and not phone["header_shown"] and not phone["box_scrolls"]
    assert phone["labels"][:3] == ['"申报人"', '"单位"', '"名称"'] and phone["right"] <= 390
    assert desk["header_shown"] and desk["labels"][0] in ("none", "normal")
