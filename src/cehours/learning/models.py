"""Courses, their courseware and question bank, and each person's enrolment, watching and attempts."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from cehours.ledger.models import LedgerEntry
from cehours.people.models import Person, Series
from cehours.rules.hours import CATEGORY_LABELS, Category

CATEGORY_CHOICES = [(c.value, CATEGORY_LABELS[c]) for c in Category]


class Course(models.Model):
    """A course (课程), a topic of micro-courses earning hours as one (专题), or a knowledge exam."""

    class Kind(models.TextChoices):
        COURSE = "course", "课程"
        TOPIC = "topic", "专题（微课）"
        EXAM = "exam", "专项知识考试"

    kind = models.CharField("类型", max_length=16, choices=Kind.choices, default=Kind.COURSE)
    category = models.CharField("科目类别", max_length=32, choices=CATEGORY_CHOICES)
    # Industry-public and professional courses belong to one series (its industry authority's).
    series = models.ForeignKey(Series, models.PROTECT, null=True, blank=True, verbose_name="职称系列")
    title = models.CharField("课程名称", max_length=200)
    description = models.TextField("课程简介", blank=True)
    provider = models.CharField("提供单位", max_length=128, blank=True)
    year_from = models.PositiveSmallIntegerField("开课年度起")
    year_to = models.PositiveSmallIntegerField("开课年度止")
    published = models.BooleanField("已发布", default=False)
    # A knowledge exam is worth a set number of hours (第七条 专项知识考试) within a time limit.
    exam_hours = models.DecimalField("考试学时", max_digits=6, decimal_places=1, null=True, blank=True)
    exam_minutes = models.PositiveSmallIntegerField("考试时长（分钟）", null=True, blank=True)
    paper_size = models.PositiveSmallIntegerField("每次抽题数", default=5)
    pass_mark = models.PositiveSmallIntegerField("合格分数（百分制）", default=60)
    max_attempts = models.PositiveSmallIntegerField("最多考试次数", default=3)
    retry_minutes = models.PositiveSmallIntegerField("两次考试间隔（分钟）", default=30)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "在线课程"
        indexes = [models.Index(fields=["published", "category", "year_from", "year_to"])]

    def __str__(self) -> str:
        return self.title


class CoursewareItem(models.Model):
    """One video of a course, its real duration read from the file on upload."""

    course = models.ForeignKey(Course, models.CASCADE, related_name="items", verbose_name="课程")
    position = models.PositiveSmallIntegerField("顺序")
    title = models.CharField("课件名称", max_length=200)
    file_name = models.CharField("文件", max_length=255)  # in the courseware storage
    size = models.PositiveBigIntegerField("文件大小")
    sha256 = models.CharField("文件摘要", max_length=64)
    duration_seconds = models.PositiveIntegerField("时长（秒）")

    class Meta:
        verbose_name = verbose_name_plural = "课件"
        ordering = ["course", "position"]
        constraints = [models.UniqueConstraint(fields=["course", "position"], name="courseware_position_once")]

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    """One question of a course's bank; the answer never leaves the server before a paper is submitted."""

    class Kind(models.TextChoices):
        SINGLE = "single", "单选题"
        MULTIPLE = "multiple", "多选题"
        TRUE_FALSE = "true_false", "判断题"

    course = models.ForeignKey(Course, models.CASCADE, related_name="questions", verbose_name="课程")
    kind = models.CharField("题型", max_length=16, choices=Kind.choices)
    text = models.CharField("题目", max_length=500)
    options = models.JSONField("选项")  # list of strings
    answer = models.JSONField("答案")  # sorted list of option indexes

    class Meta:
        verbose_name = verbose_name_plural = "考试题目"


class Enrollment(models.Model):
    """A person taking a course; `entry` is the ledger entry its hours were registered as (once)."""

    person = models.ForeignKey(Person, models.CASCADE, related_name="enrollments", verbose_name="人员")
    course = models.ForeignKey(Course, models.PROTECT, related_name="enrollments", verbose_name="课程")
    enrolled_at = models.DateTimeField("选课时间", auto_now_add=True)
    completed_at = models.DateTimeField("完成时间", null=True, blank=True)
    entry = models.OneToOneField(LedgerEntry, models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "选课"
        constraints = [models.UniqueConstraint(fields=["person", "course"], name="enrollment_once")]


class ItemProgress(models.Model):
    """The seconds of one item a person has been credited with, and its attention checks.

    `watched` holds the credited seconds (rules/watching.py); `confirmed` what they were at the
    last attention check passed, which an unanswered check falls back to.
    """

    enrollment = models.ForeignKey(Enrollment, models.CASCADE, related_name="progress")
    item = models.ForeignKey(CoursewareItem, models.CASCADE, related_name="+")
    # The item's, copied: a published course's items do not change, and a heartbeat reads no join.
    duration_seconds = models.PositiveIntegerField("时长（秒）")
    watched = models.BinaryField("已观看秒")
    confirmed = models.BinaryField("最近一次专注度确认时已观看秒")
    checks = models.JSONField("专注度确认位置", default=list)  # [{"at": second, "passed": bool}]
    completed_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["enrollment", "item"], name="progress_once")]


class Playback(models.Model):
    """A playback the server issued, bound to one login session; one is active per person at a time."""

    token = models.CharField(max_length=64, unique=True)
    person = models.ForeignKey(Person, models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")  # the login it is bound to
    progress = models.ForeignKey(ItemProgress, models.CASCADE, related_name="playbacks")
    session_key = models.CharField(max_length=64)
    started_at = models.DateTimeField(auto_now_add=True)
    active = models.BooleanField(default=True)
    seq = models.BigIntegerField(default=0)
    run = models.JSONField(null=True, blank=True)  # rules.watching.Run as a dict
    # The attention check asked and not yet answered: {"at", "asked_at", "prompt", "choices", "answer"}.
    pending_check = models.JSONField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["person", "active"])]


class Attempt(models.Model):
    """One paper drawn for one person: the questions in their order, and its result once submitted."""

    enrollment = models.ForeignKey(Enrollment, models.CASCADE, related_name="attempts")
    started_at = models.DateTimeField("开始时间")
    deadline = models.DateTimeField("交卷截止", null=True, blank=True)  # knowledge exams only
    question_ids = models.JSONField()
    submitted_at = models.DateTimeField("交卷时间", null=True, blank=True)
    score = models.PositiveSmallIntegerField("得分", null=True, blank=True)
    passed = models.BooleanField("合格", default=False)

    class Meta:
        ordering = ["started_at"]
