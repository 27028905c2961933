"""The offline-declaration flow end to end in a real browser (R12a, R16.2, R17): Playwright driving the
system Chromium against a live server.

A professional on a phone declares a one-day training with a PDF, sees 6.0 hours and submits; a level-1
reviewer at a desk approves it from the queue; the hours appear on the person's page; a level-2 reviewer
draws a spot check at rate 1 and overturns the approval with a reason; the hours are gone from the
person's page and the person reads why.

The browser is never downloaded: the test uses /usr/bin/chromium and skips, saying so, without it. Test
data is written before Playwright starts, because Django refuses ORM calls from a thread in which
Playwright's event loop runs; after that, everything is checked on the pages. Screenshots go to
/tmp/cehours-shots/ for a person to look at.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "test-password-123"  # the password tests/conftest.py gives every account
PHONE = {"width": 375, "height": 740}
DESK = {"width": 1280, "height": 860}
SHOTS = Path("/tmp/cehours-shots")
TITLE = "急诊急救技能培训班"
REASON = "签到表为事后补签，培训当日本人在岗值班"
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


@pytest.fixture
def browser_factory(django_db_serialized_rollback, transactional_db, live_server, settings, tmp_path):
    """Start Chromium on demand (after the test has written its data) and stop it afterwards.

    Transactional with serialized rollback: the live server needs committed data, and the counties and
    the default catalogue that data migrations load must be there for every test.
    """
    if not CHROMIUM.exists():
        pytest.skip(f"no system Chromium at {CHROMIUM}; browser tests never download one")
    from playwright.sync_api import sync_playwright

    settings.MEDIA_ROOT = tmp_path / "media"
    playwright = None
    browser = None

    def start(**context_options):
        nonlocal playwright, browser
        if browser is None:
            playwright = sync_playwright().start()
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(locale="zh-CN", **context_options)
        context.set_default_timeout(10_000)
        return context

    yield start
    if playwright is not None:
        playwright.stop()


@pytest.fixture
def scene(settings, make_person, make_staff):
    """A nurse in 莲都 with a login, the 莲都 level-1 reviewer and the 莲都 HR bureau (level 2)."""
    nurse = make_person(unit="hospital", name="王丽护", with_login=True)
    first = make_staff("reviewer", level=1, county="liandu", username="liandu_first")
    second = make_staff("reviewer", level=2, county="liandu", username="liandu_second")
    for user, name in ((first, "蓝初审"), (second, "齐复审")):  # display names: pages show these, not logins
        user.first_name = name
        user.save()
    return {"person": nurse.user.username, "name": nurse.name, "l1": first.username, "l2": second.username}


def _log_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


def _overflow(page) -> int:
    """How far the page itself is wider than the screen (a table's own .scroll box may scroll)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def _this_years_professional_hours(page) -> str:
    row = page.locator(f'table.compliance tr[data-year="{timezone.localdate().year}"]')
    return row.locator("td").nth(4).inner_text().strip()


def _shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=True)


def test_r16_2_r17_declare_on_a_phone_approve_then_overturn_and_the_person_sees_why(
    browser_factory, live_server, scene
):
    today = timezone.localdate().isoformat()
    base = live_server.url

    # The person, on a phone, declares a one-day training with a PDF (R16.2) and sees 6.0 hours (R12a).
    phone = browser_factory(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    _log_in(phone, base, scene["person"])
    assert urlsplit(phone.url).path == "/me/"
    phone.get_by_role("button", name="菜单").click()  # on a phone the navigation folds behind 菜单
    phone.get_by_role("link", name="学时申报").click()
    phone.wait_for_load_state()
    assert phone.get_by_role("heading", level=1).inner_text() == "线下学时申报"
    assert _overflow(phone) <= 0, "the declaration form fits a phone's width"

    # Issue 12: the days follow from the dates (no quantity typed for a day-based activity), and
    # the file chosen before 计算学时 is kept on the server for 保存草稿.
    phone.get_by_label("学习形式").select_option(label="培训研修（专业科目，按天 6.0 学时/天）")
    phone.get_by_label("名称").fill(TITLE)
    phone.get_by_label("举办单位").fill("丽水市中心医院")
    phone.get_by_label("开始日期").fill(today)
    phone.get_by_label("结束日期").fill(today)
    phone.get_by_label("证明材料（PDF、JPEG 或 PNG，不超过 10 MB）").set_input_files(
        {"name": "结业证书.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    phone.get_by_role("button", name="计算学时").click()
    phone.wait_for_load_state()
    assert phone.locator("#preview").inner_text() == "预计登记 6.0 学时：1 天 × 每天 6 学时 = 6 学时；计 6.0 学时"
    box = phone.locator("#preview").bounding_box()
    assert box is not None and box["y"] + box["height"] <= phone.viewport_size["height"], "the preview is in view"
    assert "已上传：结业证书.pdf" in phone.locator("#kept-file").inner_text()
    assert phone.get_by_label("名称").input_value() == TITLE
    _shoot(phone, "1-phone-preview.png")

    phone.get_by_role("button", name="保存草稿").click()
    phone.wait_for_load_state()
    assert phone.get_by_role("heading", level=1).inner_text() == TITLE
    assert phone.locator("#status").inner_text() == "草稿"
    assert phone.locator("#hours").inner_text() == "6.0"
    assert phone.get_by_role("link", name="结业证书.pdf（PDF，", exact=False).is_visible()
    phone.get_by_role("button", name="提交审核").click()
    phone.wait_for_load_state()
    assert phone.get_by_role("status").first.inner_text() == "已提交，等待审核。"
    assert phone.locator("#status").inner_text() == "待审核"
    explanation = phone.locator("#hours").locator("xpath=..").inner_text()
    assert explanation == "6.0　1 天 × 每天 6 学时 = 6 学时；计 6.0 学时", "the same figures as the preview"
    assert phone.locator("ol.trail li").all_inner_texts()[-1].endswith("：提交审核")
    assert _overflow(phone) <= 0
    _shoot(phone, "2-phone-submitted.png")
    declaration_path = urlsplit(phone.url).path

    # A level-1 reviewer at a desk opens the queue and approves (R17).
    desk = browser_factory(viewport=DESK).new_page()
    _log_in(desk, base, scene["l1"])
    desk.get_by_role("link", name="申报审核").click()
    desk.wait_for_load_state()
    row = desk.locator("table tbody tr").filter(has_text=TITLE)
    assert row.count() == 1
    assert row.locator("td").first.inner_text() == scene["name"]
    assert row.locator("td.num").inner_text() == "6.0"
    row.get_by_role("link", name=TITLE).click()
    desk.wait_for_load_state()
    assert urlsplit(desk.url).path == declaration_path
    assert desk.get_by_role("link", name="结业证书.pdf（PDF，", exact=False).is_visible()
    desk.get_by_role("button", name="通过并登记学时").click()
    desk.wait_for_load_state()
    assert desk.get_by_role("status").first.inner_text() == "已处理：已通过"
    assert desk.locator("#status").inner_text() == "已通过"
    _shoot(desk, "3-desk-approved.png")

    # The hours appear on the person's page.
    phone.goto(f"{base}/me/")
    assert _this_years_professional_hours(phone) == "6.0"
    assert phone.locator("#notices").inner_text().count(f"您的学时申报“{TITLE}”已通过") == 1

    # The 莲都 HR bureau (level 2) draws at rate 1 and overturns with a reason (R17).
    oversight = browser_factory(viewport=DESK).new_page()
    _log_in(oversight, base, scene["l2"])
    oversight.get_by_role("link", name="抽查复审").click()
    oversight.wait_for_load_state()
    oversight.get_by_label("抽查比例（%）").fill("100")
    oversight.get_by_role("button", name="抽取").click()
    oversight.wait_for_load_state()
    assert oversight.get_by_role("status").first.inner_text() == "已抽取 1 件（候选 1 件）。"
    assert "按记录的种子与候选名单重新抽样，结果一致" in oversight.locator("dl.facts").inner_text()
    item = oversight.locator(".card[id^=item-]").filter(has_text=TITLE)
    assert "原审核：蓝初审，结果“已通过”" in item.inner_text()
    item.get_by_label("复审意见（改判时必填）").fill(REASON)
    asked: list[str] = []
    oversight.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    item.get_by_role("button", name="改判").click()  # irreversible: it asks first (issue 12)
    oversight.wait_for_load_state()
    assert oversight.get_by_role("status").first.inner_text() == "复审结果已保存。"
    assert asked and "确定改判吗" in asked[0]
    assert "改判（齐复审，" in oversight.locator(".card[id^=item-]").filter(has_text=TITLE).inner_text()
    _shoot(oversight, "4-desk-overturned.png")

    # The hours are gone from the person's page, and the person reads why.
    phone.goto(f"{base}/me/")
    assert _this_years_professional_hours(phone) == "0.0"
    notice = phone.locator("#notices li").filter(has_text="抽查复审")
    assert notice.inner_text().endswith(f"您的学时申报“{TITLE}”经抽查复审改判为未通过：{REASON}")
    assert _overflow(phone) <= 0
    _shoot(phone, "5-phone-hours-gone.png")
    notice.get_by_role("link").click()
    phone.wait_for_load_state()
    assert urlsplit(phone.url).path == declaration_path
    assert phone.locator("#status").inner_text() == "未通过"
    assert phone.locator("#decision-reason").inner_text() == f"抽查复审改判：{REASON}"
    steps = [text.split("：", 1)[1] for text in phone.locator("ol.trail li").all_inner_texts()]
    assert steps == ["创建草稿", "提交审核", "审核通过", f"抽查复审改判——{REASON}"]
    assert _overflow(phone) <= 0
    _shoot(phone, "6-phone-why.png")
