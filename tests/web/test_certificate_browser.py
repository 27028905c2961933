"""A professional downloads their hours certificate on a phone (R18 第十八条), and a committee member
opens the verify page its QR code leads to: Playwright in the system Chromium, at phone width."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from cehours.reports.signing import check_signature
from tests.reports.conftest import pdf_text, qr_texts

from .test_browser import PHONE, QUALIFIED_YEAR, SHORT_YEAR, RequestLog, _log_in, browser_factory, professional

pytestmark = pytest.mark.browser
__all__ = ["browser_factory", "professional"]  # fixtures used by name


def _signature_ok(pdf: bytes) -> bool:
    """pyHanko validates through asyncio.run, which Playwright's loop in this thread forbids."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: check_signature(pdf).ok).result()


def test_r18_professional_downloads_a_certificate_on_a_phone_and_its_qr_verifies(
    browser_factory, professional, live_server, certifiable
):
    username, name = professional.user.username, professional.name  # no ORM once Playwright runs
    page = browser_factory(viewport=PHONE, is_mobile=True, has_touch=True, accept_downloads=True).new_page()
    requests = RequestLog(page)
    _log_in(page, live_server.url, username)
    page.goto(f"{live_server.url}/me/")
    page.get_by_role("link", name="出具学时证明（PDF）").click()
    page.get_by_label("起始年度").fill(str(SHORT_YEAR))
    page.get_by_label("截止年度").fill(str(QUALIFIED_YEAR))
    with page.expect_download() as download_info:
        page.get_by_role("button", name="生成并下载学时证明（PDF）").click()
    download = download_info.value
    assert download.suggested_filename == f"学时证明-{name}-{SHORT_YEAR}-{QUALIFIED_YEAR}.pdf"
    pdf = download.path().read_bytes()
    assert _signature_ok(pdf)
    text = pdf_text(pdf)
    assert name in text and f"{QUALIFIED_YEAR}10.08.018.072.590.590.0/60.0/18.0合格" in text

    (verify_url,) = qr_texts(pdf)
    assert verify_url.startswith(f"{live_server.url}/verify/")
    # Another context of the same browser: no cookies, no sign-in (one Playwright per test).
    committee = page.context.browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True).new_page()
    committee.goto(verify_url)
    assert "该证明有效，所载数据与平台今日登记一致" in committee.locator("#verdict").inner_text()
    assert committee.locator(f"tr[data-year='{QUALIFIED_YEAR}'] td").last.inner_text() == "合格"
    width = committee.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1, f"the verify page is {width} px wide on a {PHONE['width']} px phone"
    page.goto(f"{live_server.url}/me/certificate/")
    assert "已出具的学时证明（共 1 份）" in page.content()
    assert requests.foreign() == []
