"""The Chinese pages in a real browser: Playwright driving the system Chromium against a live server.

A professional signs in and reads each year's hours against 90 / 60 / 18 (R11), 合格/不合格 and what is
missing, and opens a figure down to the entries that add up to it; a county reviewer finds a person
by name, sees the ID number masked (R3) and asks for a title-application verdict (R13), first with bad
input; the pages work at a phone's width; and no request ever leaves the machine (no CDN).

The browser is never downloaded: the tests use /usr/bin/chromium and skip, saying so, without it.
Test data is written before Playwright starts, because Django refuses ORM calls from a thread in
which Playwright's event loop runs.
"""

from __future__ import annotations

import re
from decimal import Decimal
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
THIS_YEAR = timezone.localdate().year
QUALIFIED_YEAR, SHORT_YEAR = THIS_YEAR - 1, THIS_YEAR - 2
LOOPBACK_HOSTS = {"127.0.0.1", "localhost"}
PHONE = {"width": 375, "height": 740}
MASKED_ID = re.compile(r"^\d{6}\*{8}\d{3}[\dX]$")


@pytest.fixture
def browser_factory(django_db_serialized_rollback, transactional_db, live_server):
    """Start Chromium on demand (after the test has written its data) and stop it afterwards.

    Serialized rollback: the live server needs committed data (transactional_db), and the counties
    a data migration loads must be back after each flush.
    """
    if not CHROMIUM.exists():
        pytest.skip(f"no system Chromium at {CHROMIUM}; browser tests never download one")
    from playwright.sync_api import sync_playwright

    started = []

    def start(**context_options):
        playwright = sync_playwright().start()
        started.append(playwright)
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(locale="zh-CN", **context_options)
        context.set_default_timeout(10_000)
        return context

    yield start
    for playwright in started:
        playwright.stop()


class RequestLog:
    """Every URL the page asks for, to prove nothing leaves loopback."""

    def __init__(self, page):
        self.urls: list[str] = []
        page.on("request", lambda request: self.urls.append(request.url))

    def foreign(self) -> list[str]:
        return [
            u
            for u in self.urls
            if urlsplit(u).scheme in {"http", "https", "ws", "wss"} and urlsplit(u).hostname not in LOOPBACK_HOSTS
        ]


def _log_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


def _hours(text: str) -> Decimal:
    return Decimal(text.strip())


@pytest.fixture
def professional(make_person, add_hours):
    """A professional with a login: one qualified year made of several entries, one short year."""
    person = make_person(name="浏览器测试人员", with_login=True)
    add_hours(person, QUALIFIED_YEAR, general_public="10", industry_public="8", professional="30")
    add_hours(person, QUALIFIED_YEAR, professional="42.5")
    add_hours(person, SHORT_YEAR, general_public="6", professional="40")
    person.refresh_from_db()
    return person


@pytest.fixture
def county_reviewer_scene(make_person, make_staff, add_hours):
    """A level-2 reviewer for 莲都区, a person there and a namesake in 青田县 (outside the scope)."""
    reviewer = make_staff("reviewer", level=2, county="liandu")
    inside = make_person(unit="hospital", name="王丽水")
    make_person(unit="school", name="王青田")
    for year in (THIS_YEAR - 1, THIS_YEAR - 2):
        add_hours(inside, year, general_public="12", industry_public="6", professional="72")
    return {
        "reviewer": reviewer.username,
        "inside": inside.name,
        "masked": inside.id_number_masked,
        "full": inside.id_number,
    }


def test_professional_sees_each_year_and_opens_a_figure_to_its_entries(browser_factory, live_server, professional):
    username = professional.user.username
    page = browser_factory().new_page()
    _log_in(page, live_server.url, username)

    assert urlsplit(page.url).path == "/me/"
    assert page.get_by_role("heading", level=1).inner_text() == "我的继续教育学时"
    years = page.locator("table.compliance tbody tr")
    assert years.count() == 5, "the last five years, this one included"

    qualified = page.locator(f'tr[data-year="{QUALIFIED_YEAR}"]')
    assert qualified.locator("td").nth(6).inner_text() == "合格"
    assert qualified.locator("td").nth(7).inner_text() == "—"

    short = page.locator(f'tr[data-year="{SHORT_YEAR}"]')
    assert short.locator("td").nth(6).inner_text() == "不合格"
    shortfalls = short.locator(".shortfall").all_inner_texts()
    assert shortfalls and all(text.startswith(f"{SHORT_YEAR}年还需") for text in shortfalls)
    assert any("专业科目" in text and "20.0" in text for text in shortfalls), shortfalls

    figure = qualified.locator("td").nth(4).get_by_role("link")
    assert figure.inner_text() == "72.5"
    figure.click()
    page.wait_for_load_state()

    heading = page.get_by_role("heading", level=1).inner_text()
    assert f"{QUALIFIED_YEAR}年" in heading and "专业科目" in heading
    rows = page.locator("table tbody tr")
    assert rows.count() == 2, "two professional entries make up the 72.5"
    listed = [_hours(rows.nth(i).locator("td.num").inner_text()) for i in range(rows.count())]
    assert sorted(listed) == [Decimal("30.0"), Decimal("42.5")]
    assert sum(listed) == Decimal("72.5")
    assert _hours(page.locator("tfoot td.num, tfoot th.num").inner_text()) == Decimal("72.5")


def test_county_reviewer_finds_a_person_and_gets_a_verdict_after_a_named_error(
    browser_factory, live_server, county_reviewer_scene
):
    scene = county_reviewer_scene
    page = browser_factory().new_page()
    _log_in(page, live_server.url, scene["reviewer"])
    assert urlsplit(page.url).path == "/"  # the reviewer's tasks, with the search at hand
    assert page.get_by_role("heading", level=1).inner_text().startswith("待办事项")

    page.get_by_label("姓名或身份证号码").fill("王")
    page.get_by_role("button", name="查询").click()
    page.wait_for_load_state()
    found = page.locator("table tbody tr")
    assert found.count() == 1, "王青田 lives outside the reviewer's county"
    assert found.locator("td").nth(1).inner_text() == scene["masked"]

    page.get_by_role("link", name=scene["inside"]).click()
    page.wait_for_load_state()
    shown_id = page.locator("dl.facts dd.mono").inner_text()
    assert MASKED_ID.match(shown_id), shown_id
    assert shown_id == scene["masked"] != scene["full"]
    assert scene["full"] not in page.content()

    page.get_by_label("申报年度").fill(str(THIS_YEAR))
    page.get_by_label("规定年限").fill("-1")
    page.get_by_role("button", name="判断").click()
    page.wait_for_load_state()
    error = page.get_by_role("alert")
    assert "规定年限" in error.inner_text()
    assert "不能为负数" in error.inner_text()
    assert page.locator(".verdict").count() == 0

    page.get_by_label("规定年限").fill("2")
    page.get_by_role("button", name="判断").click()
    page.wait_for_load_state()
    assert page.get_by_role("alert").count() == 0
    verdict = page.locator(".verdict")
    assert verdict.inner_text() == "继续教育学时符合申报条件"
    assert "ok" in (verdict.get_attribute("class") or "")
    used_years = page.locator("table tbody tr td:first-child").all_inner_texts()
    assert {str(THIS_YEAR - 1), str(THIS_YEAR - 2)} <= set(used_years)


def _horizontal_overflow(page) -> int:
    """How far the page itself (not a scrollable container inside it) is wider than the screen."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def _text_lines(locator) -> int:
    """On how many lines the browser laid out an element's text."""
    return locator.evaluate(
        "el => { const r = document.createRange(); r.selectNodeContents(el);"
        " return new Set([...r.getClientRects()].map(b => Math.round(b.top))).size; }"
    )


def test_pages_are_usable_at_phone_width(browser_factory, live_server, professional):
    username = professional.user.username
    page = browser_factory(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    page.goto(f"{live_server.url}/login/")
    assert _horizontal_overflow(page) <= 0
    _log_in(page, live_server.url, username)

    assert urlsplit(page.url).path == "/me/"
    assert _horizontal_overflow(page) <= 0, "only the table's own container may scroll sideways"
    # Issue 12: the header is one line on a phone, the links behind 菜单 (it took 130 px).
    header = page.locator("header.top").bounding_box()
    assert header is not None and header["height"] <= 64, header
    declare = page.get_by_role("link", name="学时申报")
    assert not declare.is_visible()
    page.get_by_role("button", name="菜单").click()
    assert declare.is_visible() and page.get_by_role("button", name="菜单").get_attribute("aria-expanded") == "true"
    page.get_by_role("button", name="菜单").click()
    assert not declare.is_visible()
    table = page.locator("table.compliance")
    assert table.is_visible()
    # On a phone each year is a card (issue 12): every figure under its column's name, on one line
    # each, and the last of them — what is still missing — on screen without scrolling sideways.
    short = table.locator(f'tr[data-year="{SHORT_YEAR}"]')
    row = short.bounding_box()
    assert row is not None and row["height"] < PHONE["height"] / 2, f"one year takes {row} on a phone"
    cells = short.locator("td")
    labels = [cells.nth(i).get_attribute("data-label") for i in range(cells.count())]
    assert labels == ["年度", "一般公需", "行业公需", "公需合计", "专业科目", "总学时", "是否合格", "尚缺"]
    for i in range(cells.count() - 1):
        assert _text_lines(cells.nth(i)) == 1, f"{labels[i]} {cells.nth(i).inner_text()!r} is broken up"
    missing = cells.last.bounding_box()
    assert missing is not None and missing["x"] >= 0 and missing["x"] + missing["width"] <= PHONE["width"] + 1, missing

    page.locator(f'tr[data-year="{QUALIFIED_YEAR}"] td').nth(5).get_by_role("link").click()
    page.wait_for_load_state()
    assert page.locator("table tbody tr").count() == 4, "the total opens to all four entries of the year"
    assert _horizontal_overflow(page) <= 0


def test_no_request_leaves_loopback(browser_factory, live_server, professional, county_reviewer_scene):
    username = professional.user.username
    context = browser_factory()

    page = context.new_page()
    log = RequestLog(page)
    _log_in(page, live_server.url, username)
    page.locator(f'tr[data-year="{QUALIFIED_YEAR}"] td').nth(5).get_by_role("link").click()
    page.wait_for_load_state()
    page.get_by_role("button", name="退出").click()
    page.wait_for_load_state()

    _log_in(page, live_server.url, county_reviewer_scene["reviewer"])
    page.get_by_label("姓名或身份证号码").fill("王")
    page.get_by_role("button", name="查询").click()
    page.wait_for_load_state()
    page.get_by_role("link", name=county_reviewer_scene["inside"]).click()
    page.wait_for_load_state()

    assert any(url.endswith("/static/cehours/site.css") for url in log.urls), log.urls
    assert len({urlsplit(u).path for u in log.urls}) >= 6, log.urls
    assert log.foreign() == []


def test_a_reviewer_decides_a_held_record_on_a_phone(browser_factory, live_server, make_person, make_staff):
    """DESIGN §2: the 暂缓登记 queue, read and decided at phone width; nothing wider than the screen."""
    from cehours.ledger.models import Source
    from cehours.ledger.services import NewEntry, entries_register_bulk

    reviewer = make_staff("reviewer", level=1, county="liandu")
    person = make_person(unit="hospital", name="赵暂缓")
    (outcome,) = entries_register_bulk(
        entries=[
            NewEntry(
                person_id=person.pk, category="professional", hours="480", source=Source.CONNECTED_SYSTEM,
                title="全年脱产进修（一条记录报送）", completed_on=timezone.localdate(),
                source_system="browser-system", source_record_id="b-1",
            )
        ]
    )  # fmt: skip
    assert outcome.status == "held"
    page = browser_factory(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    _log_in(page, live_server.url, reviewer.username)
    page.get_by_role("button", name="菜单").click()  # on a phone the navigation folds behind 菜单
    page.get_by_role("link", name="暂缓登记", exact=True).click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "暂缓登记的记录（共 1 条待审核）"
    assert "赵暂缓" in page.content() and "单条记录学时超过上限" in page.content()
    assert _horizontal_overflow(page) <= 0
    page.get_by_role("button", name="不予登记").click()
    page.wait_for_load_state()
    assert "理由：不予登记须填写理由" in page.content()
    page.get_by_label("理由（不予登记时必填）").fill("一条记录不可能有 480 学时，请核实后分次报送")
    page.get_by_role("button", name="不予登记").click()
    page.wait_for_load_state()
    assert "赵暂缓“全年脱产进修（一条记录报送）”：不予登记" in page.content()
    assert page.get_by_role("heading", level=1).inner_text() == "暂缓登记的记录（共 0 条待审核）"
    assert _horizontal_overflow(page) <= 0


def test_professionals_open_their_accounts_on_a_phone(browser_factory, live_server, make_person, make_staff, add_hours):
    """Issue 10: a professional registers and sees nothing until the unit confirms, then signs in by ID
    number and sees their hours; another activates with the code the unit issued."""
    staff = make_staff("unit_staff", unit="hospital")
    registrant = make_person(unit="hospital", name="冯注册")
    add_hours(registrant, QUALIFIED_YEAR, general_public="12", industry_public="6", professional="72")
    activated = make_person(unit="hospital", name="陈激活")
    add_hours(activated, QUALIFIED_YEAR, professional="30")
    password = "Lishui-2026-ok"
    phone = {"viewport": PHONE, "is_mobile": True, "has_touch": True}

    context = browser_factory(**phone)
    assert context.browser is not None

    def another():  # a second person on another phone: a context of its own (no shared cookies)
        other = context.browser.new_context(locale="zh-CN", **phone)
        other.set_default_timeout(10_000)
        return other.new_page()

    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.get_by_role("link", name="实名注册").click()
    page.get_by_label("姓名").fill("冯注册")
    page.get_by_label("身份证号码").fill(registrant.id_number)
    page.get_by_label("手机号码").fill("13905781111")
    page.get_by_label("工作单位（全称或统一社会信用代码）").fill("莲都测试医院")
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_label("再次输入密码").fill(password)
    page.get_by_role("button", name="注册").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "待单位确认"
    assert "72.0" not in page.content()
    assert _horizontal_overflow(page) <= 0

    clerk = another()
    _log_in(clerk, live_server.url, staff.username)
    clerk.goto(f"{live_server.url}/roster/accounts/")
    assert "待确认的实名注册（共 1 件）" in clerk.content()
    assert _horizontal_overflow(clerk) <= 0
    clerk.get_by_role("button", name="确认是本人").click()
    clerk.wait_for_load_state()
    assert "已确认，本人现在可以查看自己的学时" in clerk.content()

    page.get_by_role("button", name="菜单").click()  # on a phone the navigation folds behind 菜单
    page.get_by_role("button", name="退出").click()
    page.wait_for_load_state()
    _log_in_as(page, live_server.url, registrant.id_number, password)
    assert urlsplit(page.url).path == "/me/" and "72.0" in page.content()

    clerk.get_by_label("选择陈激活").check()
    clerk.get_by_role("button", name="生成激活码").click()
    clerk.wait_for_load_state()
    code = clerk.locator("td.code").inner_text().strip()
    assert len(code) == 10

    newcomer = another()
    newcomer.goto(f"{live_server.url}/activate/")
    newcomer.get_by_label("身份证号码").fill(activated.id_number)
    newcomer.get_by_label("激活码").fill(code)
    newcomer.get_by_label("新密码", exact=True).fill(password)
    newcomer.get_by_label("再次输入新密码").fill(password)
    newcomer.get_by_role("button", name="开通账号").click()
    newcomer.wait_for_load_state()
    assert urlsplit(newcomer.url).path == "/me/" and "30.0" in newcomer.content()
    assert "账号已开通" in newcomer.content()
    assert _horizontal_overflow(newcomer) <= 0


def _log_in_as(page, base_url: str, login: str, password: str) -> None:
    page.goto(f"{base_url}/login/")
    page.get_by_label("用户名").fill(login)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


def test_a_person_moves_between_units_on_a_phone_and_keeps_their_hours(
    browser_factory, live_server, make_person, make_staff, add_hours
):
    """Issue 10: the old unit releases a person, the new one claims them; their hours go with them,
    and the roster shows each unit the person's year. The pages of unit, roster and staff
    administration fit a phone."""
    import base64

    from django_otp.oath import TOTP

    from cehours.access.services import totp_enrol_confirmed

    mover = make_person(unit="hospital", name="吴调动")
    add_hours(mover, QUALIFIED_YEAR, general_public="12", industry_public="6", professional="72")
    hospital, school = make_staff("unit_staff", unit="hospital"), make_staff("unit_staff", unit="school")
    county_hr, system_admin = make_staff("hr_admin", county="liandu"), make_staff("system_admin")
    otp_key = totp_enrol_confirmed(user=system_admin).bin_key  # separated administrators prove a second factor
    phone = {"viewport": PHONE, "is_mobile": True, "has_touch": True}

    context = browser_factory(**phone)
    assert context.browser is not None

    def clerk_page(username: str):
        other = context.browser.new_context(locale="zh-CN", **phone)
        other.set_default_timeout(10_000)
        page = other.new_page()
        _log_in(page, live_server.url, username)
        return page

    old = context.new_page()
    _log_in(old, live_server.url, hospital.username)
    old.goto(f"{live_server.url}/roster/?year={QUALIFIED_YEAR}")
    assert f"{QUALIFIED_YEAR}年学时（第十一条）：合格 1 人。" in old.content()
    assert _horizontal_overflow(old) <= 0
    old.goto(f"{live_server.url}/roster/accounts/")
    old.get_by_label("吴调动的调出原因").fill("调往青田测试学校工作")
    release = old.get_by_role("row", name=re.compile("吴调动")).get_by_role("button", name="调出")
    asked: list[str] = []
    old.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    release.click()  # an irreversible step asks first (issue 12); declined, nothing happens
    assert asked and "确定调出吗" in asked[0] and "已办理吴调动" not in old.content()
    old.once("dialog", lambda dialog: dialog.accept())
    release.click()
    old.wait_for_load_state()
    assert "已办理吴调动" in old.content() and "其学时记录全部保留" in old.content()
    old.goto(f"{live_server.url}/roster/?year={QUALIFIED_YEAR}")
    assert "吴调动" not in old.content()

    new = clerk_page(school.username)
    new.goto(f"{live_server.url}/people/claim/")
    new.get_by_label("身份证号码").fill(mover.id_number)
    new.get_by_label("姓名").fill("吴调动")
    new.get_by_role("button", name="认领").click()
    new.wait_for_load_state()
    new.goto(f"{live_server.url}/roster/?year={QUALIFIED_YEAR}")
    card = new.locator("li.card").filter(has_text="吴调动")
    assert f"{QUALIFIED_YEAR}年：合格，共 90.0 学时" in card.inner_text()
    assert _horizontal_overflow(new) <= 0
    card.get_by_role("link", name="吴调动").click()
    new.wait_for_load_state()
    facts = new.locator("dl.facts").inner_text()
    assert "青田测试学校" in facts and "莲都测试医院" not in facts
    assert new.locator(f'tr[data-year="{QUALIFIED_YEAR}"] td').nth(5).inner_text() == "90.0"

    bureau = clerk_page(county_hr.username)  # first sign-in of an HR administrator: binds an authenticator
    assert urlsplit(bureau.url).path == "/account/otp/enrol/" and _horizontal_overflow(bureau) <= 0
    secret = bureau.locator("#otp-secret").inner_text().replace(" ", "")
    bureau.get_by_label("动态口令").fill(f"{TOTP(base64.b32decode(secret)).token():06d}")
    bureau.get_by_role("button", name="确认绑定").click()
    bureau.wait_for_load_state()
    bureau.goto(f"{live_server.url}/units/")
    assert bureau.get_by_role("heading", level=1).count() == 1 and _horizontal_overflow(bureau) <= 0

    admin = clerk_page(system_admin.username)
    assert urlsplit(admin.url).path.startswith("/account/otp/")
    admin.get_by_label("动态口令").fill(f"{TOTP(otp_key).token():06d}")
    admin.get_by_role("button", name="验证").click()
    admin.wait_for_load_state()
    admin.goto(f"{live_server.url}/staff/")
    assert admin.get_by_role("heading", level=1).count() >= 1 and _horizontal_overflow(admin) <= 0
