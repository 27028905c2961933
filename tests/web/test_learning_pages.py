"""Issue 11's pages with the Django client: managing a course (scope, the courseware a phone can
play, the question bank, publication), the catalogue with its total, the video in byte ranges to
enrolled people only, and heartbeats that name the field they got wrong and change nothing."""

from __future__ import annotations

import json
from fractions import Fraction

import av
import pytest
from django.test import Client
from django.utils import timezone

from cehours.learning.courseware import make_video
from cehours.learning.models import Course, CoursewareItem, ItemProgress, Question
from cehours.learning.services import enroll
from cehours.rules.watching import bitmap_count
from tests.learning.conftest import course, learner, video_file

__all__ = ["course", "learner", "video_file"]  # fixtures used by name
YEAR = timezone.localdate().year


@pytest.fixture(scope="session")
def long_video(tmp_path_factory):
    """Four and a half minutes: 0.1 hour by R12b, the least a course may be worth."""
    path = tmp_path_factory.mktemp("courseware") / "long.mp4"
    make_video(path, seconds=270, fps=1)
    return path


def _foreign_codec(path, video_codec="mpeg4", audio_codec=None):
    with av.open(str(path), "w", format="mp4") as out:
        stream = out.add_stream(video_codec, rate=5)
        stream.width, stream.height, stream.pix_fmt = 160, 90, "yuv420p"
        audio = out.add_stream(audio_codec, rate=44100) if audio_codec else None
        for i in range(10):
            frame = av.VideoFrame(160, 90, "yuv420p")
            for plane in frame.planes:
                plane.update(bytes([128]) * plane.buffer_size)
            frame.pts = i
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
        if audio is not None:
            samples = av.AudioFrame(format="s16", layout="mono", samples=1152)
            for plane in samples.planes:
                plane.update(bytes(plane.buffer_size))
            samples.sample_rate, samples.pts, samples.time_base = 44100, 0, Fraction(1, 44100)
            for packet in audio.encode(samples):
                out.mux(packet)
            for packet in audio.encode():
                out.mux(packet)
    return path


def _junk(path):
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"x" * 500)
    return path


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _new_course(client, **fields):
    data = {"title": "新时代职业道德", "kind": "course", "category": "general_public", "series": "",
            "year_from": YEAR, "year_to": YEAR, "paper_size": 1, "pass_mark": 60, "max_attempts": 3,
            "retry_minutes": 30, **fields}  # fmt: skip
    return client.post("/courses/manage/", data)


def test_city_hr_builds_publishes_a_course_and_a_professional_finds_it(make_staff, learner, long_video, video_file):
    hr = _client(make_staff("hr_admin"))
    response = _new_course(hr)
    course = Course.objects.get(title="新时代职业道德")
    assert response.status_code == 302 and not course.published
    page = f"/courses/manage/{course.pk}/"
    with video_file.open("rb") as f:
        hr.post(page, {"step": "courseware", "title": "第一讲", "file": f})
    hr.post(page, {"step": "question", "kind": "true_false", "text": "学时须真实。", "answer": "1"})
    refused = hr.post(page, {"step": "publish"})
    assert "不足以折算学时" in refused.content.decode() and not Course.objects.get(pk=course.pk).published
    with long_video.open("rb") as f:
        answer = hr.post(page, {"step": "courseware", "title": "第二讲", "file": f}, follow=True)
    assert "时长 4 分 30 秒" in answer.content.decode()
    published = hr.post(page, {"step": "publish"}, follow=True).content.decode()
    assert "课程已发布" in published and "0.1 学时" in published
    assert Question.objects.get(course=course).answer == [0]
    catalogue = _client(learner.user).get("/courses/").content.decode()
    assert "共 1 门课程" in catalogue and "新时代职业道德" in catalogue and "0.1 学时" in catalogue
    # a published course keeps its courseware and its hours
    with video_file.open("rb") as f:
        late = hr.post(page, {"step": "courseware", "title": "第三讲", "file": f})
    assert "不能再增加" in late.content.decode() and course.items.count() == 2


@pytest.mark.parametrize(
    "maker, message",
    [
        (lambda p: _junk(p), "无法识别"),
        (lambda p: _foreign_codec(p), "须为 H.264 编码"),
        (lambda p: _foreign_codec(p, "libx264", "mp3"), "音频须为 AAC"),
    ],
    ids=["not-a-video", "mpeg4-part2", "mp3-audio"],
)
def test_courseware_a_phone_cannot_play_is_refused_naming_the_file(make_staff, tmp_path, maker, message):
    hr = _client(make_staff("hr_admin"))
    _new_course(hr)
    course = Course.objects.get()
    path = maker(tmp_path / "upload.mp4")
    with path.open("rb") as f:
        response = hr.post(f"/courses/manage/{course.pk}/", {"step": "courseware", "title": "第一讲", "file": f})
    assert response.status_code == 400 and message in response.content.decode()
    assert not CoursewareItem.objects.exists()


def test_a_topic_takes_micro_courses_of_ten_minutes_at_most(make_staff, tmp_path):
    hr = _client(make_staff("hr_admin"))
    _new_course(hr, kind="topic")
    course = Course.objects.get()
    path = tmp_path / "eleven.mp4"
    make_video(path, seconds=660, fps=1)
    with path.open("rb") as f:
        response = hr.post(f"/courses/manage/{course.pk}/", {"step": "courseware", "title": "微课一", "file": f})
    assert response.status_code == 400 and "不超过 10 分钟" in response.content.decode()
    assert not course.items.exists()


def test_each_body_manages_only_its_own_courses(make_staff):
    authority = _client(make_staff("industry_authority", series="health"))
    general = _new_course(authority)
    assert general.status_code == 400 and "市人力社保局" in general.content.decode()
    other = _new_course(authority, category="professional", series="education", title="教育专业课")
    assert other.status_code == 400
    own = _new_course(authority, category="professional", series="health", title="卫生专业课")
    assert own.status_code == 302
    assert list(Course.objects.values_list("title", flat=True)) == ["卫生专业课"]
    county_hr = _client(make_staff("hr_admin", county="liandu"))
    assert county_hr.get("/courses/manage/").status_code == 403
    hr = _client(make_staff("hr_admin"))
    assert hr.get(f"/courses/manage/{Course.objects.get().pk}/").status_code == 404  # not HR's course


@pytest.mark.parametrize(
    "field, value, message",
    [("title", "", "请填写课程名称"), ("year_to", YEAR - 1, "开课年度止不能早于"), ("pass_mark", 0, "合格分数须在"),
     ("series", "health", "一般公需课程面向全体")],
)  # fmt: skip
def test_a_bad_course_form_names_the_field_and_creates_nothing(make_staff, field, value, message):
    response = _new_course(_client(make_staff("hr_admin")), **{field: value})
    assert response.status_code == 400 and message in response.content.decode()
    assert not Course.objects.exists()


def test_the_catalogue_is_paginated_with_its_total_and_only_my_series(learner, make_staff):
    for n in range(23):
        Course.objects.create(
            category="general_public", title=f"公需课程{n:02d}", year_from=YEAR, year_to=YEAR, published=True
        )
    Course.objects.create(
        category="professional", series_id="education", title="教育专业课", year_from=YEAR, year_to=YEAR, published=True
    )
    Course.objects.create(category="general_public", title="未发布课程", year_from=YEAR, year_to=YEAR)
    Course.objects.create(category="general_public", title="往年课程", year_from=2000, year_to=2001, published=True)
    client = _client(learner.user)  # a nurse (卫生)
    first = client.get("/courses/").content.decode()
    assert "共 23 门课程" in first and "第 1 / 2 页" in first and "教育专业课" not in first
    second = client.get("/courses/?page=2").content.decode()
    assert "公需课程22" in second and "未发布课程" not in second and "往年课程" not in second
    found = client.get("/courses/?q=公需课程07").content.decode()
    assert "共 1 门课程" in found
    assert "共 23 门课程" in client.get("/courses/?year=2001").content.decode()  # not a year offered: this one
    staff = _client(make_staff("hr_admin"))  # staff browse every series' courses, or one's
    assert "共 24 门课程" in staff.get("/courses/?series=education").content.decode()
    assert "共 23 门课程" in staff.get("/courses/?series=health").content.decode()
    last_year = _client(learner.user).get(f"/courses/?year={YEAR - 1}").content.decode()
    assert "共 0 门课程" in last_year and "只有本年度开设的课程可以选学" in last_year


def test_the_video_goes_in_byte_ranges_to_enrolled_people_only(course, learner, make_person):
    item = course.items.get()
    url = f"/courses/{course.pk}/items/{item.pk}/video/"
    outsider = _client(make_person(with_login=True).user)
    assert outsider.get(url).status_code == 404
    assert Client().get(url).status_code == 302  # to the sign-in page
    enroll(user=learner.user, course=course)
    client = _client(learner.user)
    whole = b"".join(client.get(url).streaming_content)
    assert whole == video_file_bytes(item)
    part = client.get(url, HTTP_RANGE="bytes=0-99")
    assert part.status_code == 206 and part["Content-Range"] == f"bytes 0-99/{item.size}"
    assert b"".join(part.streaming_content) == whole[:100]
    tail = client.get(url, HTTP_RANGE="bytes=-50")
    assert b"".join(tail.streaming_content) == whole[-50:]
    beyond = client.get(url, HTTP_RANGE=f"bytes={item.size}-")
    assert beyond.status_code == 416 and beyond["Content-Range"] == f"bytes */{item.size}"
    assert client.get(url, HTTP_RANGE="bytes=abc").status_code == 416


def test_an_open_ended_range_gets_a_piece_so_no_worker_is_held_by_a_playing_video(course, learner, settings):
    settings.CEHOURS_VIDEO_RANGE_BYTES = 1000
    item = course.items.get()
    enroll(user=learner.user, course=course)
    client = _client(learner.user)
    url = f"/courses/{course.pk}/items/{item.pk}/video/"
    first = client.get(url, HTTP_RANGE="bytes=0-")
    assert first.status_code == 206 and first["Content-Range"] == f"bytes 0-999/{item.size}"
    assert first["Content-Length"] == "1000" and len(b"".join(first.streaming_content)) == 1000
    rest = client.get(url, HTTP_RANGE=f"bytes={item.size - 10}-")
    assert rest["Content-Range"] == f"bytes {item.size - 10}-{item.size - 1}/{item.size}"


def video_file_bytes(item) -> bytes:
    from django.core.files.storage import storages

    with storages["courseware"].open(item.file_name, "rb") as f:
        return f.read()


@pytest.mark.parametrize(
    "body, field",
    [
        ({"seq": 1, "position": "abc", "rate": 1, "playing": True, "visible": True}, "position"),
        ({"seq": 1.5, "position": 1, "rate": 1, "playing": True, "visible": True}, "seq"),
        ({"seq": 1, "position": 1, "rate": float("inf"), "playing": True, "visible": True}, "rate"),
        ({"seq": 1, "position": 1, "rate": 1, "playing": "yes", "visible": True}, "playing"),
        ({"seq": 1, "position": 1e300, "rate": 1, "playing": True, "visible": True}, "position"),
        ({"position": 1, "rate": 1, "playing": True, "visible": True}, "seq"),
    ],
)
def test_a_malformed_heartbeat_names_its_field_and_changes_nothing(course, learner, body, field):
    enroll(user=learner.user, course=course)
    client = _client(learner.user)
    started = client.post(
        "/learning/playback/", {"item": course.items.get().pk}, content_type="application/json"
    ).json()
    response = client.post(
        "/learning/beat/", json.dumps({"token": started["token"], **body}).replace("Infinity", "1e999"),
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 400 and response.json()["error"]["field"] == field
    assert bitmap_count(bytes(ItemProgress.objects.get().watched)) == 0


def test_a_course_of_another_series_cannot_be_taken(learner):
    other = Course.objects.create(
        category="professional", series_id="education", title="教育专业课", year_from=YEAR, year_to=YEAR, published=True
    )
    response = _client(learner.user).post(f"/courses/{other.pk}/enroll/", follow=True)
    assert "面向教育系列" in response.content.decode()
    assert not other.enrollments.exists()


def test_pages_of_a_course_speak_chinese_and_hide_the_answers(course, learner):
    enroll(user=learner.user, course=course)
    client = _client(learner.user)
    page = client.get(f"/courses/{course.pk}/").content.decode()
    assert "0.0 学时" in page and "第一讲" in page and "0 分 12 秒" in page
    client.post(f"/courses/{course.pk}/exam/", {"start": "1"})
    paper = client.get(f"/courses/{course.pk}/exam/").content.decode()
    assert "一加一等于几？" in paper and '"answer"' not in paper and "answer" not in paper.split("<main>")[1]


def test_a_request_without_its_csrf_token_is_refused_in_chinese(course, learner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(learner.user)
    beat = client.post("/learning/playback/", {"item": course.items.get().pk}, content_type="application/json")
    assert beat.status_code == 403 and "页面已过期" in beat.json()["error"]["message"]
    page = client.post(f"/courses/{course.pk}/enroll/")
    assert page.status_code == 403 and "页面已过期或请求来源无法验证" in page.content.decode()
    assert 'lang="zh-Hans"' in page.content.decode() and not course.enrollments.exists()  # nothing changed


def test_the_catalogues_queries_do_not_grow_with_its_rows(learner, video_file):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cehours.learning.services import courseware_add

    client = _client(learner.user)

    def queries() -> int:
        with CaptureQueriesContext(connection) as seen:
            assert client.get("/courses/").status_code == 200
        return len(seen.captured_queries)

    def add(n: int) -> None:
        for i in range(n):
            course = Course.objects.create(
                category="general_public",
                title=f"课程{Course.objects.count()}",
                year_from=YEAR,
                year_to=YEAR,
                published=True,
            )
            courseware_add(course=course, title=f"第{i}讲", path=video_file)

    add(2)
    few = queries()
    add(10)
    assert queries() == few
