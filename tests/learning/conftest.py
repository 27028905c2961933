"""A short real course: a generated 12-second H.264 video, a question bank, and a learner."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from cehours.learning.courseware import make_video
from cehours.learning.models import Course, Question
from cehours.learning.services import courseware_add
from cehours.rules.hours import Category

SECONDS = 12


@pytest.fixture(scope="session")
def video_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("courseware") / "lecture.mp4"
    make_video(path, seconds=SECONDS, fps=5)
    return path


def bank(course: Course) -> None:
    Question.objects.create(
        course=course, kind=Question.Kind.SINGLE, text="一加一等于几？", options=["1", "2", "3"], answer=[1]
    )
    Question.objects.create(
        course=course, kind=Question.Kind.TRUE_FALSE, text="学时须真实。", options=["正确", "错误"], answer=[0]
    )
    Question.objects.create(
        course=course,
        kind=Question.Kind.MULTIPLE,
        text="哪些是科目类别？",
        options=["一般公需", "专业", "娱乐"],
        answer=[0, 1],
    )


@pytest.fixture
def course(db, video_file):
    year = timezone.localdate().year
    course = Course.objects.create(
        category=Category.GENERAL_PUBLIC,
        title="测试课程：职业道德",
        provider="丽水市人力资源和社会保障局",
        year_from=year,
        year_to=year,
        paper_size=3,
        retry_minutes=10,
        max_attempts=2,
    )
    courseware_add(course=course, title="第一讲", path=video_file)
    bank(course)
    course.published = True
    course.save()
    return course


@pytest.fixture
def learner(make_person):
    return make_person(with_login=True)


RIGHT = {"一加一等于几？": [1], "学时须真实。": [0], "哪些是科目类别？": [0, 1]}


def answers_for(attempt, right: bool = True) -> dict[int, list[int]]:
    return {q.pk: (RIGHT[q.text] if right else [9]) for q in Question.objects.filter(pk__in=attempt.question_ids)}


T0 = datetime(2026, 6, 1, 9, 0, tzinfo=timezone.get_fixed_timezone(480))


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)
