"""Issue 12's bar for every page: each role signs in and visits every page its navigation offers
(and the pages of a person, a declaration and a spot check it may open), at a phone's 390 pixels and
a desk's 1366, in the system Chromium. A page fails on a horizontal scroll of the page itself
(tables scroll inside their own container), a label that does not sit next to its control, an
English word or a raw code in what a reader sees (beyond a short allow list of names such as PDF),
or a serious or critical accessibility violation found by axe-core (GB/T 37668; the axe-core that
axe-playwright-python bundles, run inside the page, nothing fetched).
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client

from cehours.declarations.seminars import seminar_decide, seminar_file
from cehours.declarations.spotchecks import spot_check_draw
from cehours.people.services import person_register
from cehours.rules.identifiers import id_check_digit

from ..declarations.conftest import cast, quick_accounts_and_private_media  # noqa: F401 - shared fixtures
from ..declarations.support import decide, declare, today
from .test_browser import CHROMIUM, browser_factory  # noqa: F401 - the fixture

pytestmark = pytest.mark.browser

WIDTHS = (390, 1366)
# Names a Chinese government page writes in Latin letters.
ALLOWED_WORDS = {"API", "PDF", "JPEG", "JPG", "PNG", "XLSX", "CSV", "Excel", "WPS", "GB", "MB", "KB", "ID"}
ALLOWED_WORDS |= {"pdf", "jpg", "jpeg", "png", "xlsx", "csv", "zip"}  # the extension of a file's own name
# Codes that are data — a credit code, a spot check's seed, a login on the account pages, a column
# name of the exchange file — are marked up as such (class "mono" or <code>) and not read as words.
VISIBLE_WORDS = """() => {
  const body = document.body.cloneNode(true);
  body.querySelectorAll(".mono, code, script, style").forEach(el => el.remove());
  document.documentElement.appendChild(body);  // innerText needs layout
  body.style.position = "absolute"; body.style.left = "-99999px";
  const text = body.innerText;
  body.remove();
  return text;
}"""
ROLES = {
    # role key: (cast member or make_staff arguments)
    "professional": "nurse",
    "unit_staff": ("unit_staff", {"unit": "hospital"}),
    "reviewer_1": "county_l1",
    "reviewer_2": "county_l2",
    "reviewer_3": "city_l3",
    "industry_authority": "health_authority",
    "hr_admin": ("hr_admin", {}),
    "evaluator": ("evaluator", {}),
    "provider": "provider",
    "system_admin": ("system_admin", {}),
    "security_admin": ("security_admin", {}),
    "audit_admin": ("audit_admin", {}),
}

CHECKS = """() => {
  const problems = [];
  const doc = document.documentElement;
  if (doc.scrollWidth - window.innerWidth > 0) problems.push(`页面横向滚动 ${doc.scrollWidth - window.innerWidth}px`);
  for (const label of document.querySelectorAll("label[for]")) {
    const control = document.getElementById(label.htmlFor);
    const box = label.getBoundingClientRect();
    if (!control) { problems.push(`标签“${label.innerText}”没有对应的输入项`); continue; }
    if (box.width === 0 || control.type === "hidden") continue;
    const c = control.getBoundingClientRect();
    if (c.width === 0) continue;
    // The control starts just right of the label on its line, or just below it, overlapping its width.
    const right = c.left >= box.right - 1 && c.left - box.right <= 40
      && c.top < box.bottom && c.bottom > box.top;
    const below = c.top >= box.bottom - 1 && c.top - box.bottom <= 40
      && c.left < box.right + 4 && c.right > box.left - 4;
    const same_cell = label.closest("td, th") && control.closest("tr") === label.closest("tr");
    if (!(right || below || same_cell || label.contains(control)))
      problems.push(`标签“${label.innerText}”不在其输入项旁`);
  }
  // On a phone every link, button and field of the page can be reached without scrolling sideways:
  // lists become cards (site.js) rather than tables whose last column is off-screen.
  const reachable = "main a[href], main button, main input:not([type=hidden]), main select, main textarea";
  for (const el of document.querySelectorAll(reachable)) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    if (r.right > window.innerWidth + 1 || r.left < -1)
    {
      const name = (el.innerText || el.getAttribute("aria-label") || el.name || "").trim().slice(0, 20);
      problems.push(`“${name}”在屏幕之外，须横向滚动才能点到`);
    }
  }
  return problems;
}"""


def _course_taken(nurse, tmp_path):
    """A published course of the nurse's (issue 11) with a video, which she has started, and one of
    her series' for its authority: the course, player and paper pages are under the bar too."""
    from cehours.learning.courseware import make_video
    from cehours.learning.models import Course
    from cehours.learning.services import attempt_start, courseware_add, enroll

    from ..learning.conftest import bank

    video = tmp_path / "lecture.mp4"
    make_video(video, seconds=6, fps=2)
    course = None
    for series in (None, nurse.series):
        course = Course.objects.create(
            category="general_public" if series is None else "professional", series=series,
            title="职业道德与诚信建设" if series is None else "护理专业新进展", provider="丽水市继续教育基地",
            year_from=today().year, year_to=today().year, paper_size=3, published=True,
        )  # fmt: skip
        courseware_add(course=course, title="第一讲 基本要求", path=video)
        bank(course)
    general = Course.objects.get(series__isnull=True)
    enroll(user=nurse.user, course=general)
    attempt = attempt_start(user=nurse.user, course=general)  # the paper page shows this open one
    return general, general.items.get(), attempt


@pytest.fixture
def world(cast, make_staff, make_person, add_hours, settings, tmp_path):  # noqa: F811
    nurse = cast["nurse"]
    add_hours(nurse, today().year - 1, general_public="12", industry_public="6", professional="72")
    # An ID number ending in X, shown masked on her declaration: a page that prints it as text, not
    # as the code it is, fails every run rather than one run in eleven.
    first17 = next(f"33110219900101{n:03d}" for n in range(1000) if id_check_digit(f"33110219900101{n:03d}") == "X")
    x_person = person_register(
        name="林晓红", id_number=first17 + "X", county=nurse.county, unit=nurse.unit, series=nurse.series
    )
    x_person.user = get_user_model().objects.create_user("x_nurse", password="x-nurse-password-2026")
    x_person.save(update_fields=["user"])
    declare(x_person, title="院感防控培训")
    declaration = decide(declare(nurse, title="急诊急救培训"), cast["county_l1"], "approve")
    declare(nurse, title="待审核的培训")
    check = spot_check_draw(
        by=cast["county_l2"], rate=Decimal("1"), minimum_per_reviewer=1,
        decided_from=today() - timedelta(days=1), decided_to=today() + timedelta(days=1),
    )  # fmt: skip
    seminar_file(
        by=cast["provider"], name="基层急诊急救高级研修班", organiser="丽水市卫生健康委员会", level="municipal",
        series=nurse.unit.series, year=today().year, start_on=today().replace(month=1, day=5),
        end_on=today().replace(month=1, day=7),
    )  # fmt: skip
    users = {}
    for role, who in ROLES.items():
        if isinstance(who, str):
            user = cast[who].user if who == "nurse" else cast[who]
        else:
            user = make_staff(who[0], **who[1])
        user.first_name = user.first_name or f"测试{len(users) + 1}号"
        user.save()
        users[role] = user
    approved = seminar_file(
        by=cast["provider"], name="县域护理骨干高级研修班", organiser="丽水市卫生健康委员会", level="municipal",
        series=nurse.unit.series, year=today().year, start_on=today().replace(month=2, day=5),
        end_on=today().replace(month=2, day=7),
    )  # fmt: skip
    for approver in (users["hr_admin"], cast["health_authority"]):
        seminar_decide(project=approved, by=approver, approve=True)  # the provider may send its attendees
    course, item, _ = _course_taken(nurse, tmp_path)
    sessions = {}
    for role, user in users.items():
        client = Client()
        client.force_login(user)  # second factor verified (tests/conftest.py), as after the TOTP page
        sessions[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
    extra = {
        "professional": ["/me/entries/", f"/declarations/{declaration.pk}/", f"/courses/{course.pk}/",
                         f"/courses/{course.pk}/items/{item.pk}/", f"/courses/{course.pk}/exam/"],
        "reviewer_1": [f"/people/{nurse.pk}/", f"/people/{nurse.pk}/entries/", f"/people/{nurse.pk}/eligibility/",
                       f"/declarations/{declaration.pk}/"],
        "reviewer_2": [f"/spot-checks/{check.pk}/"],
        "unit_staff": [f"/people/{nurse.pk}/"],
    }  # fmt: skip
    return {"sessions": sessions, "extra": extra, "id_number": nurse.id_number, "name": nurse.name}


def _words(text: str) -> list[str]:
    return [w for w in re.findall(r"[A-Za-z][A-Za-z0-9_.:-]*[A-Za-z0-9]|[A-Za-z]", text) if w not in ALLOWED_WORDS]


# A page a link leads to that is one record's own page (a person, their entries, a declaration…).
ID_LINKS = r"""els => els.map(a => a.getAttribute("href"))
  .filter(h => h && /^\/[a-z-]+\/(?:[a-z-]+\/)?\d+\/(?:[a-z-]+\/)?(?:\?.*)?$/.test(h))"""


def _fill_declaration(page) -> None:
    page.select_option("#id_activity_type", label="培训研修（专业科目，按天 6.0 学时/天）")
    page.fill("#id_title", "急诊急救复训")
    page.fill("#id_organiser", "丽水市中心医院")
    page.fill("#id_start_on", today().replace(day=1).isoformat())
    page.fill("#id_end_on", today().replace(day=2).isoformat())


# What a role sends, and the page that answers it is checked like any other: a form returned with
# its errors, a preview, a dry-run report, the activation codes just issued.
SUBMISSIONS = {
    "professional": [
        ("/declarations/", "空白申报表提交", lambda page: page.click("button[value=save]")),
        ("/declarations/", "计算学时", lambda page: (_fill_declaration(page), page.click("button[value=preview]"))),
    ],
    "reviewer_1": [("/review/?year=abc", "年度填错", None)],
    "hr_admin": [("/exchange/", "试运行检查", lambda page: (
        page.set_input_files("#id_file", files=[{"name": "学时.csv", "mimeType": "text/csv", "buffer": page.csv}]),
        page.click("button[value=dry_run]")))],
    "unit_staff": [("/roster/accounts/", "生成激活码", lambda page: (
        page.locator("input[name=person]").first.check(), page.click("button[value=page]")))],
}  # fmt: skip
SERVER_SECONDS = 1.0


# A careless file: 500 hours in one record, a formula for a title, a date that does not exist.
IMPORT_CSV = (
    "source_record_id,id_number,name,category,hours,title,completed_on\r\n"
    "r1,{id},{name},professional,500,=HYPERLINK(1),2025-02-30\r\n"
    "r2,{id},{name},professional,8,急诊急救培训,2025-03-01\r\n"
)


def _server_seconds(response) -> float:
    """From the request sent to the first byte back: the server's own time on loopback."""
    timing = response.request.timing
    return max(0.0, (timing["responseStart"] - timing["requestStart"]) / 1000)


def test_every_page_of_every_role_at_phone_and_desk_width(browser_factory, live_server, world):  # noqa: F811
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    context = browser_factory()
    assert context.browser is not None
    problems: list[str] = []
    visited: set[str] = set()

    csv = IMPORT_CSV.format(id=world["id_number"], name=world["name"]).encode()

    def check(page, response, where: str, width: int, refused_ok: bool = False) -> None:
        if response is None or (response.status >= 400 and not (refused_ok and response.status == 400)):
            problems.append(f"{where}: HTTP {response.status if response else '—'}")
            return
        response.finished()
        if (seconds := _server_seconds(response)) > SERVER_SECONDS:
            problems.append(f"{where}: 服务器用时 {seconds:.2f} 秒，超过 {SERVER_SECONDS:g} 秒")
        if not response.headers.get("content-type", "").startswith("text/html"):
            return  # a proof file (PDF, image) shown as it is, not a page of ours
        problems.extend(f"{where}: {p}" for p in page.evaluate(CHECKS))
        english = _words(page.evaluate(VISIBLE_WORDS))
        if english:
            problems.append(f"{where}: 页面上有英文或代码 {sorted(set(english))[:8]}")
        if width == WIDTHS[0]:  # axe's findings do not depend on the width; once per page is enough
            for v in axe.run(page).response["violations"]:
                if v["impact"] in ("serious", "critical"):
                    targets = [n["target"] for n in v["nodes"]][:3]
                    problems.append(f"{where}: 无障碍 {v['id']}（{v['impact']}）{len(v['nodes'])} 处 {targets}")

    for role, session in [("anonymous", None), *world["sessions"].items()]:
        for width in WIDTHS:
            ctx = context.browser.new_context(locale="zh-CN", viewport={"width": width, "height": 800})
            ctx.set_default_timeout(10_000)
            page = ctx.new_page()
            page.csv = csv  # the import file, for the submission that sends it
            if session is None:  # the pages before signing in
                links = ["/login/", "/register/", "/activate/"]
            else:
                ctx.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}])
                page.goto(f"{live_server.url}/")
                links = page.eval_on_selector_all("header nav a", "els => els.map(a => a.getAttribute('href'))")
            start = [] if session is None else ["/"]
            todo = list(dict.fromkeys([*start, *links, *world["extra"].get(role, [])]))
            kinds: set[str] = set()
            depth = {url: 0 for url in todo}
            while todo:
                url = todo.pop(0)
                response = page.goto(f"{live_server.url}{url}")
                visited.add(f"{role} {url}")
                check(page, response, f"{role} {width}px {url}", width)
                if depth[url] < 2:  # and, two links deep, the first record page of each kind
                    for link in page.eval_on_selector_all("main a[href]", ID_LINKS):
                        kind = re.sub(r"\d+", "N", link.split("?")[0])
                        if kind not in kinds and link not in depth:
                            kinds.add(kind)
                            depth[link] = depth[url] + 1
                            todo.append(link)
            for url, what, act in SUBMISSIONS.get(role, []):
                response = page.goto(f"{live_server.url}{url}")
                if act is not None:
                    with page.expect_navigation() as answered:
                        act(page)
                    response = answered.value
                visited.add(f"{role} {what}")
                check(page, response, f"{role} {width}px {url} {what}后", width, refused_ok=True)
            ctx.close()
    assert not problems, "\n".join(problems)
    # The bar saw what it is meant to: record pages reached by links, and each answer to a submission.
    for seen in ("reviewer_1 /people/", "unit_staff 生成激活码", "hr_admin 试运行检查", "professional 计算学时"):
        assert any(v.startswith(seen) for v in visited), (seen, sorted(visited))
    assert any(re.match(r"reviewer_1 /people/\d+/entries/", v) for v in visited), sorted(visited)
    for course_page in (r"professional /courses/\d+/items/\d+/", r"professional /courses/\d+/exam/",
                        r"hr_admin /courses/manage/\d+/", r"industry_authority /courses/manage/\d+/"):  # fmt: skip
        assert any(re.match(course_page, v) for v in visited), (course_page, sorted(visited))
