"""The demo's courses (issue 11): real, playable videos made at demo time, with Chinese titles and
question banks, one course of each category, a topic of micro-courses and a knowledge exam."""

from __future__ import annotations

import tempfile
from datetime import date
from decimal import Decimal
from pathlib import Path

from cehours.people.models import Series
from cehours.rules.hours import Category

from .courseware import make_video
from .models import Course, Question
from .services import courseware_add

# Nine minutes of courseware is 0.2 hours by R12b (45 minutes an hour, truncated to a tenth).
_COURSES = [
    # kind, category, series?, title, provider, [(item title, seconds)], questions
    (
        Course.Kind.COURSE,
        Category.GENERAL_PUBLIC,
        False,
        "专业技术人员职业道德与诚信建设",
        "丽水市人力资源和社会保障局",
        [("第一讲 职业道德的基本要求", 270), ("第二讲 学术诚信与失信惩戒", 270)],
    ),
    (
        Course.Kind.TOPIC,
        Category.INDUSTRY_PUBLIC,
        True,
        "{series}行业政策法规微课专题",
        "丽水市{series}行业主管部门",
        [("微课一 行业法规概览", 180), ("微课二 执业规范要点", 180), ("微课三 典型案例评析", 180)],
    ),
    (
        Course.Kind.COURSE,
        Category.PROFESSIONAL,
        True,
        "{series}专业新知识新技术",
        "丽水市继续教育基地",
        [("专业前沿进展", 540)],
    ),
]

_QUESTIONS = [
    (
        Question.Kind.SINGLE,
        "专业技术人员每年参加继续教育的累计学时不少于多少？",
        ["60 学时", "72 学时", "90 学时", "120 学时"],
        [2],
    ),
    (Question.Kind.SINGLE, "在线学习每多少分钟课件折算 1 学时？", ["30 分钟", "45 分钟", "50 分钟", "60 分钟"], [1]),
    (Question.Kind.TRUE_FALSE, "线下培训每天最多折算 6 学时。", ["正确", "错误"], [0]),
    (Question.Kind.TRUE_FALSE, "弄虚作假取得的学时记入诚信档案。", ["正确", "错误"], [0]),
    (
        Question.Kind.MULTIPLE,
        "继续教育内容包括哪些科目？",
        ["一般公需科目", "行业公需科目", "专业科目", "娱乐科目"],
        [0, 1, 2],
    ),
    (Question.Kind.SINGLE, "公需科目学时每年不少于多少？", ["12 学时", "18 学时", "24 学时", "30 学时"], [1]),
]


def _bank(course: Course) -> None:
    Question.objects.bulk_create(
        Question(course=course, kind=kind, text=text, options=options, answer=answer)
        for kind, text, options, answer in _QUESTIONS
    )


def demo_courses(*, series: Series | None, today: date) -> int:
    """Create the demo courses once; the number created."""
    if Course.objects.exists():
        return 0
    created = 0
    with tempfile.TemporaryDirectory() as workdir:
        for index, (kind, category, per_series, title, provider, items) in enumerate(_COURSES):
            if per_series and series is None:
                continue
            name = series.name if series is not None else ""
            course = Course.objects.create(
                kind=kind,
                category=category,
                series=series if per_series else None,
                title=title.format(series=name),
                description="演示课程：课件为平台生成的示例视频。完成全部课件并通过考核后学时自动登记。",
                provider=provider.format(series=name),
                year_from=today.year,
                year_to=today.year + 1,
                paper_size=3,
                retry_minutes=1,
            )
            for number, (item_title, seconds) in enumerate(items):
                path = Path(workdir) / f"{index}-{number}.mp4"
                make_video(path, seconds=seconds, hue=index * 3 + number)
                courseware_add(course=course, title=item_title, path=path)
            _bank(course)
            course.published = True
            course.save(update_fields=["published"])
            created += 1
    exam = Course.objects.create(
        kind=Course.Kind.EXAM,
        category=Category.GENERAL_PUBLIC,
        title="继续教育政策专项知识考试",
        description="演示考试：20 分钟内答完，60 分合格，合格认定 2 学时。",
        provider="丽水市人力资源和社会保障局",
        year_from=today.year,
        year_to=today.year + 1,
        exam_hours=Decimal("2"),
        exam_minutes=20,
        paper_size=5,
        retry_minutes=1,
        published=True,
    )
    _bank(exam)
    return created + 1
