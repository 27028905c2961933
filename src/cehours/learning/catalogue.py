"""Writes of the course catalogue: HR's general-public courses, an industry authority's series
courses (第七条, 第十五条), their courseware, question bank and publication. Every write is checked
against the access policy and audited; a published course's courseware and hours stay as they
were when people enrolled."""

from __future__ import annotations

import tempfile
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.db import transaction

from cehours.access.policy import Action, require, restrict
from cehours.audit.services import audit_record
from cehours.errors import ErrorCode, FieldError
from cehours.people.models import Series
from cehours.rules.hours import Category

from .models import Course, CoursewareItem, Question
from .services import course_hours, courseware_add

COURSE_FIELDS = (
    "kind", "category", "series", "title", "description", "provider", "year_from", "year_to",
    "exam_hours", "exam_minutes", "paper_size", "pass_mark", "max_attempts", "retry_minutes",
)  # fmt: skip
# Bounds of what a course may say (the page's form says the same).
LIMITS = {
    "year_from": (2000, 2100),
    "year_to": (2000, 2100),
    "exam_minutes": (1, 600),
    "paper_size": (1, 100),
    "pass_mark": (1, 100),
    "max_attempts": (1, 20),
    "retry_minutes": (0, 10080),
}
MAX_EXAM_HOURS = Decimal("60")  # the most the regulation awards at once (a national 高研班)


def _whole(data: dict, name: str, label: str, default: int | None = None) -> int | None:
    value = data.get(name, default)
    if value in (None, ""):
        return default
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise FieldError(name, f"{label}须为整数") from None
    low, high = LIMITS[name]
    if not low <= number <= high:
        raise FieldError(name, f"{label}须在 {low} 至 {high} 之间", ErrorCode.OUT_OF_RANGE)
    return number


def _text(data: dict, name: str, label: str, limit: int, required: bool = False) -> str:
    value = str(data.get(name) or "").strip()
    if required and not value:
        raise FieldError(name, f"请填写{label}", ErrorCode.REQUIRED)
    if len(value) > limit:
        raise FieldError(name, f"{label}不能超过 {limit} 个字")
    return value


def _course_values(data: dict) -> dict:
    kind = data.get("kind") or Course.Kind.COURSE
    if kind not in Course.Kind.values:
        raise FieldError("kind", "请选择课程类型")
    category = data.get("category") or ""
    if category not in {c.value for c in Category}:
        raise FieldError("category", "请选择科目类别", ErrorCode.REQUIRED)
    series = data.get("series") or None
    if isinstance(series, str):
        series = Series.objects.filter(code=series).first() if series else None
        if data.get("series") and series is None:
            raise FieldError("series", "没有该职称系列")
    if category == Category.GENERAL_PUBLIC and series is not None:
        raise FieldError("series", "一般公需课程面向全体专业技术人员，不属于某个系列")
    if category != Category.GENERAL_PUBLIC and series is None:
        raise FieldError("series", "行业公需和专业课程须选择所属职称系列", ErrorCode.REQUIRED)
    values: dict[str, Any] = {
        "kind": kind,
        "category": category,
        "series": series,
        "title": _text(data, "title", "课程名称", 200, required=True),
        "description": _text(data, "description", "课程简介", 2000),
        "provider": _text(data, "provider", "提供单位", 128),
        "year_from": _whole(data, "year_from", "开课年度起"),
        "year_to": _whole(data, "year_to", "开课年度止"),
        "paper_size": _whole(data, "paper_size", "每次抽题数", 5),
        "pass_mark": _whole(data, "pass_mark", "合格分数", 60),
        "max_attempts": _whole(data, "max_attempts", "最多考试次数", 3),
        "retry_minutes": _whole(data, "retry_minutes", "两次考试间隔", 30),
        "exam_minutes": None,
        "exam_hours": None,
    }
    if values["year_from"] is None:
        raise FieldError("year_from", "请填写开课年度起", ErrorCode.REQUIRED)
    if values["year_to"] is None:
        raise FieldError("year_to", "请填写开课年度止", ErrorCode.REQUIRED)
    if values["year_to"] < values["year_from"]:
        raise FieldError("year_to", "开课年度止不能早于开课年度起")
    if kind == Course.Kind.EXAM:
        values["exam_minutes"] = _whole(data, "exam_minutes", "考试时长")
        if values["exam_minutes"] is None:
            raise FieldError("exam_minutes", "请填写考试时长", ErrorCode.REQUIRED)
        try:
            hours = Decimal(str(data.get("exam_hours") or "").strip())
        except InvalidOperation:
            raise FieldError("exam_hours", "考试学时须为数字，如 2 或 1.5") from None
        if not hours.is_finite() or hours <= 0 or hours > MAX_EXAM_HOURS or hours != hours.quantize(Decimal("0.1")):
            raise FieldError(
                "exam_hours", f"考试学时须大于 0、不超过 {MAX_EXAM_HOURS}，最多一位小数", ErrorCode.OUT_OF_RANGE
            )
        values["exam_hours"] = hours
    return values


def course_save(*, by, data: dict, course: Course | None = None) -> Course:
    """Create a course (unpublished) or change one; refused outside the caller's scope."""
    values = _course_values(data)
    with transaction.atomic():
        if course is None:
            course = Course(created_by=by)
            before = None
        else:
            course = Course.objects.select_for_update(of=("self",)).get(pk=course.pk)
            require(by, Action.MANAGE_COURSES, course)
            before = {f: str(getattr(course, f)) for f in COURSE_FIELDS}
            frozen = ("kind", "category", "series", "exam_hours")
            if course.published and any(values[f] != getattr(course, f) for f in frozen):
                raise FieldError("kind", "课程已发布，类型、科目类别、所属系列和学时不能再修改")
        for name, value in values.items():
            setattr(course, name, value)
        course.save()
        # After the save: the policy decides on the row as it now is (its series), so a caller
        # cannot create or move a course outside their scope; the transaction undoes it.
        require(by, Action.MANAGE_COURSES, course, field="category")
        audit_record(
            actor=by,
            action="learning.course_saved",
            object_type="course",
            object_id=course.pk,
            before=before,
            after={f: str(getattr(course, f)) for f in COURSE_FIELDS},
        )
    return course


def courseware_upload(*, by, course: Course, title: str, upload) -> CoursewareItem:
    """A video sent through the page: written to a private temporary file, read with PyAV, kept
    only if it is a playable H.264/AAC MP4."""
    require(by, Action.MANAGE_COURSES, course)
    if course.published:
        raise FieldError("file", "课程已发布，课件不能再增加；如需调整请新建课程")
    if course.kind == Course.Kind.EXAM:
        raise FieldError("file", "专项知识考试没有课件")
    if upload is None:
        raise FieldError("file", "请选择课件视频文件", ErrorCode.REQUIRED)
    with tempfile.TemporaryDirectory() as workdir:
        path = Path(workdir) / "upload.mp4"
        with path.open("wb") as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
        return courseware_add(course=course, title=title, path=path, by=by)


def question_add(*, by, course: Course, kind: str, text: str, options: str, answer: str) -> Question:
    """One question for the bank: options one a line, the answer as option numbers (1, 2, …)."""
    require(by, Action.MANAGE_COURSES, course)
    if kind not in Question.Kind.values:
        raise FieldError("kind", "请选择题型", ErrorCode.REQUIRED)
    data = {"text": text}
    text = _text(data, "text", "题目", 500, required=True)
    choices = (
        ["正确", "错误"]
        if kind == Question.Kind.TRUE_FALSE
        else [o.strip() for o in (options or "").splitlines() if o.strip()]
    )
    if not 2 <= len(choices) <= 8:
        raise FieldError("options", "选项须为 2 至 8 个，每行一个")
    if any(len(o) > 200 for o in choices):
        raise FieldError("options", "每个选项不能超过 200 个字")
    try:
        picked = sorted(
            {int(n) - 1 for n in (answer or "").replace("，", ",").replace(" ", ",").split(",") if n.strip()}
        )
    except ValueError:
        raise FieldError("answer", "答案请填写选项序号，如 2 或 1,3") from None
    if not picked or any(not 0 <= n < len(choices) for n in picked):
        raise FieldError("answer", f"答案须为 1 至 {len(choices)} 之间的选项序号")
    if kind != Question.Kind.MULTIPLE and len(picked) != 1:
        raise FieldError("answer", "单选题和判断题只有一个正确答案")
    with transaction.atomic():
        question = Question.objects.create(course=course, kind=kind, text=text, options=choices, answer=picked)
        audit_record(
            actor=by,
            action="learning.question_added",
            object_type="question",
            object_id=question.pk,
            after={"course": course.pk, "kind": kind, "text": text},
        )
    return question


def course_publish(*, by, course: Course) -> Course:
    """Open the course to learners, once it can be taken and is worth some hours."""
    require(by, Action.MANAGE_COURSES, course)
    with transaction.atomic():
        course = Course.objects.select_for_update(of=("self",)).get(pk=course.pk)
        if course.published:
            raise FieldError("", "课程已发布")
        if course.kind != Course.Kind.EXAM and not course.items.exists():
            raise FieldError("file", "请先上传课件")
        if course.questions.count() < course.paper_size:
            raise FieldError("text", f"题库至少需要 {course.paper_size} 道题（每次抽题数）")
        if course_hours(course) <= 0:
            raise FieldError("file", "课件总时长不足以折算学时（每 45 分钟 1 学时，精确到 0.1 学时即 4.5 分钟）")
        course.published = True
        course.save(update_fields=["published"])
        audit_record(
            actor=by,
            action="learning.course_published",
            object_type="course",
            object_id=course.pk,
            after={"title": course.title, "hours": str(course_hours(course))},
        )
    return course


def managed(by):
    """The courses the caller manages."""
    courses = Course.objects.select_related("series").prefetch_related("items")
    return restrict(courses, by, Action.MANAGE_COURSES).order_by("-created_at", "-pk")
