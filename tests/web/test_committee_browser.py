"""An evaluator uploads a session's applicant list on a phone and downloads the verdicts (R13)."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from .test_browser import PHONE, RequestLog, _log_in, browser_factory
from .test_committee import _scene, _xlsx

pytestmark = pytest.mark.browser
__all__ = ["browser_factory"]  # the fixture, used by name


def test_r13_evaluator_uploads_a_list_and_downloads_the_result_on_a_phone(
    browser_factory, live_server, make_person, make_staff, add_hours, tmp_path
):
    evaluator, _good, _short, _outside, rows = _scene(make_person, make_staff, add_hours)
    upload = tmp_path / "名单.xlsx"
    upload.write_bytes(_xlsx(rows).getvalue())
    username = evaluator.username
    page = browser_factory(viewport=PHONE, is_mobile=True, has_touch=True, accept_downloads=True).new_page()
    requests = RequestLog(page)
    _log_in(page, live_server.url, username)
    page.get_by_role("button", name="菜单").click()
    page.get_by_role("link", name="评审名单").click()
    page.get_by_label("申报人员名单").set_input_files(str(upload))
    page.get_by_role("button", name="在页面查看结果").click()
    page.wait_for_load_state()
    assert "名单.xlsx：共 5 人" in page.content()
    assert page.locator("tr[data-line='2'] td").nth(5).inner_text() == "继续教育学时符合申报条件"
    page.get_by_label("申报人员名单").set_input_files(str(upload))
    with page.expect_download() as download_info:
        page.get_by_role("button", name="下载判断结果（XLSX）").click()
    sheet = load_workbook(io.BytesIO(download_info.value.path().read_bytes())).active
    verdicts = [row[7].value for row in sheet.iter_rows(min_row=2)]
    assert verdicts.count("继续教育学时符合申报条件") == 1 and len(verdicts) == 5
    assert requests.foreign() == []
