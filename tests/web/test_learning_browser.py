"""Issue 11 on a phone, in the system Chromium: a professional takes a short generated course end to
end — plays it to the end, answers the attention check, passes the assessment — and sees the hours
on /me/; playing at 2× or seeking to the end completes nothing (R12b, R16.1)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from cehours.ledger.models import RuleVersionRecord
from tests.learning.conftest import RIGHT, course, learner, video_file

from .test_browser import PHONE, RequestLog, _log_in, browser_factory

pytestmark = pytest.mark.browser
__all__ = ["browser_factory", "course", "learner", "video_file"]  # fixtures used by name

PLAY_MUTED = "v => { v.muted = true; return v.play(); }"


def _status_says(page, text: str, timeout: float = 10_000) -> None:
    expect(page.locator("#watch-status")).to_contain_text(text, timeout=timeout)


def _until_ended(page, seconds: float) -> None:
    """Python-side polling: the page's CSP forbids the eval a string predicate would need."""
    for _ in range(int(seconds * 4)):
        if page.locator("#courseware").evaluate("v => v.ended"):
            return
        page.wait_for_timeout(250)
    raise AssertionError("the video never reached its end")


@pytest.fixture
def one_minute_hours(db):
    """R12b's 45 minutes an hour would make a 12-second video worth 0.0 hours; a (province's)
    conversion version of 1 minute an hour makes it 0.2, so the page has hours to show."""
    RuleVersionRecord.objects.create(
        code="test-online-minutes",
        issuing_level="city",
        effective_from=date(2020, 1, 1),
        values={"online_minutes_per_hour": 1},
    )


def _phone(browser_factory, live_server, username):
    page = browser_factory(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    _log_in(page, live_server.url, username)
    return page


def _open_player(page, base, title):
    page.goto(f"{base}/courses/")
    page.get_by_role("link", name=title).click()
    page.get_by_role("button", name="选学本课程").click()
    page.get_by_role("link", name="第一讲").click()
    _status_says(page, "平台已核定")


def test_r16_1_a_professional_takes_a_course_on_a_phone_and_sees_its_hours(
    browser_factory, live_server, course, learner, one_minute_hours, settings
):
    # The video comes in pieces of 2,000 bytes, as a long one does in pieces of 2 MB.
    settings.CEHOURS_VIDEO_RANGE_BYTES = 2000
    username, title = learner.user.username, course.title
    page = _phone(browser_factory, live_server, username)
    requests = RequestLog(page)
    _open_player(page, live_server.url, title)
    video = page.locator("#courseware")
    video.evaluate(PLAY_MUTED)
    page.locator("#check").wait_for(state="visible", timeout=30_000)
    number = re.search(r"点击数字 (\d)", page.locator("#check-prompt").inner_text()).group(1)
    page.locator("#check-choices").get_by_role("button", name=number, exact=True).click()
    _status_says(page, "已确认")
    video.evaluate(PLAY_MUTED)
    _status_says(page, "本课件已完成", timeout=40_000)
    page.get_by_role("link", name="返回课程").click()
    assert "已完成" in page.locator(".courseware").inner_text()
    page.get_by_role("button", name="参加考核").click()
    for fieldset in page.locator("fieldset.question").all():
        text = re.sub(r"^\d+\. |（.+?）$", "", fieldset.locator("legend").inner_text())
        for index in RIGHT[text]:
            fieldset.locator("input").nth(index).check()
    page.get_by_role("button", name="交卷").click()
    assert "考核合格，得分 100" in page.locator(".messages").inner_text()
    assert "0.2 学时已于" in page.content()
    page.goto(f"{live_server.url}/me/")
    assert "总学时 0.2 / 90 学时" in page.locator(".year-progress").inner_text()
    page.goto(f"{live_server.url}/me/entries/")
    assert title in page.content() and "平台在线课程" in page.content()
    page.goto(f"{live_server.url}/me/courses/")
    assert "已完成，登记 0.2 学时" in page.locator(".course-list").inner_text()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1
    assert requests.foreign() == []


def test_r12b_playing_at_2x_or_seeking_to_the_end_completes_nothing(browser_factory, live_server, course, learner):
    username, title = learner.user.username, course.title
    page = _phone(browser_factory, live_server, username)
    _open_player(page, live_server.url, title)
    video = page.locator("#courseware")
    video.evaluate("v => { v.playbackRate = 2; v.muted = true; return v.play(); }")
    _until_ended(page, 30)
    page.wait_for_timeout(500)
    status = page.locator("#watch-status").inner_text()
    assert "平台已核定观看 0 分 00 秒" in status and "本课件已完成" not in status
    video.evaluate("v => { v.playbackRate = 1; v.currentTime = 0; return v.play(); }")
    page.wait_for_timeout(1500)
    video.evaluate("v => { v.currentTime = v.duration; }")
    _until_ended(page, 10)
    page.wait_for_timeout(500)
    assert "本课件已完成" not in page.locator("#watch-status").inner_text()
    page.goto(f"{live_server.url}/me/courses/")
    assert "已完成" not in page.locator(".course-list").inner_text()
