"""Writes of online learning: enrolment, playbacks and their heartbeats, attention checks, papers,
and the registration of a finished course's hours through the ledger's one door (R16.1: the
platform registers its own online learning, in real time).

Locks, in the one order every path takes them: the person (a new playback), the playback, the
item's progress, the attempt, the enrolment, whose row decides that its hours are registered
exactly once, then the ledger door's own (people, entries, totals, the audit trail's head; so a
path audits only after it is past the enrolment). The ledger's unique (source system, source
record) is the second guard. tests/learning/test_race.py races the two ways a course finishes.
"""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import models, transaction
from django.utils import timezone

from cehours.audit.services import audit_record
from cehours.errors import ErrorCode, FieldError
from cehours.ledger.models import Source
from cehours.ledger.rulesets import rules_on
from cehours.ledger.services import NewEntry, Outcome, entries_register_bulk
from cehours.people.models import Person
from cehours.rules.conversion import courseware_hours
from cehours.rules.ruleset import RuleSet
from cehours.rules.watching import (
    CHECK_ANSWER_SECONDS,
    Beat,
    Run,
    bitmap_add,
    bitmap_count,
    bitmap_empty,
    check_positions,
    credit,
    first_gap,
    watched_through,
)

from .models import Attempt, Course, CoursewareItem, Enrollment, ItemProgress, Playback, Question

MICRO_COURSE_SECONDS = 600  # issue 11: a micro-course (微课) is at most 10 minutes, made for phones
PLATFORM_SYSTEM = "cehours-platform"  # the ledger's source system for the platform's own courses
_rng = secrets.SystemRandom()


class LearningError(FieldError):
    """A learning action refused; `field` names the input at fault."""


def course_seconds(course: Course) -> int:
    return sum(item.duration_seconds for item in course.items.all())


def course_hours(course: Course, *, series: str | None = None, rules: RuleSet | None = None) -> Decimal:
    """R12b: every 45 minutes of courseware is one hour; a knowledge exam is worth its set hours.
    `rules`: today's for the person's series, when a list has looked them up once for every row."""
    if course.kind == Course.Kind.EXAM:
        return Decimal(course.exam_hours or 0)
    return courseware_hours(course_seconds(course), rules or rules_on(timezone.localdate(), series=series))


def _person_of(user) -> Person:
    person = Person.objects.filter(user=user).select_related("series").first() if user.is_authenticated else None
    if person is None:
        raise LearningError("", "只有已实名登记的专业技术人员可以参加在线学习")
    return person


def course_refusal(course: Course, person: Person, *, today=None) -> str:
    """Why the person may not take the course ("" if they may)."""
    year = (today or timezone.localdate()).year
    if not course.published:
        return "该课程尚未发布"
    if not course.year_from <= year <= course.year_to:
        return f"该课程开课年度为 {course.year_from}—{course.year_to} 年，本年度不开放"
    if course.series_id and course.series_id != person.series_id:
        return f"该课程面向{course.series.name if course.series else ''}系列的专业技术人员"
    return ""


def enroll(*, user, course: Course) -> Enrollment:
    """Enrol the signed-in person (once; a second call returns the same enrolment)."""
    person = _person_of(user)
    refusal = course_refusal(course, person)
    if refusal:
        raise LearningError("course", refusal, ErrorCode.FORBIDDEN)
    rules = rules_on(timezone.localdate(), series=person.series_id)
    per_hour, minutes_per_hour = rules.attention_checks_per_hour, rules.online_minutes_per_hour
    with transaction.atomic():
        enrollment, created = Enrollment.objects.get_or_create(person=person, course=course)
        if created:
            ItemProgress.objects.bulk_create(
                ItemProgress(
                    enrollment=enrollment,
                    item=item,
                    duration_seconds=item.duration_seconds,
                    watched=bitmap_empty(item.duration_seconds),
                    confirmed=bitmap_empty(item.duration_seconds),
                    checks=[
                        {"at": at, "passed": False}
                        for at in check_positions(item.duration_seconds, per_hour, minutes_per_hour, _rng)
                    ],
                )
                for item in course.items.all()
            )
            audit_record(
                actor=user,
                action="learning.enrolled",
                object_type="enrollment",
                object_id=enrollment.pk,
                after={"course": course.pk, "course_title": course.title, "person": person.pk},
            )
    return enrollment


@dataclass
class BeatAnswer:
    """What the player is told after a heartbeat or an answer (JSON for the page)."""

    watched: int
    duration: int
    credited: int = 0
    resume: int = 0
    complete: bool = False
    course_complete: bool = False
    stopped: bool = False
    message: str = ""
    check: dict | None = None  # {"prompt", "choices"}

    def as_json(self) -> dict:
        return asdict(self)


def playback_start(*, user, session_key: str, item: CoursewareItem) -> tuple[Playback, BeatAnswer]:
    """A new playback of `item` for the signed-in person, bound to this login session; any other
    playback of theirs stops (one at a time: a second tab or device pauses the first)."""
    person = _person_of(user)
    if not session_key:
        raise LearningError("", "请先登录")
    with transaction.atomic():
        Person.objects.select_for_update(of=("self",)).filter(pk=person.pk).first()
        progress = ItemProgress.objects.filter(enrollment__person=person, item=item).first()
        if progress is None:
            raise LearningError("item", "请先选学该课程", ErrorCode.NOT_FOUND)
        # A check left waiting by the playback this one replaces lapses now: opening another tab
        # (or reloading) is not a way round answering it.
        for waiting in Playback.objects.select_for_update(of=("self",)).filter(
            person=person, pending_check__isnull=False
        ):
            lapsed = ItemProgress.objects.select_for_update(of=("self",)).get(pk=waiting.progress_id)
            _fail_check(waiting, lapsed)
            waiting.save(update_fields=["run", "pending_check"])
            lapsed.save(update_fields=["watched"])
            if lapsed.pk == progress.pk:
                progress = lapsed
        Playback.objects.filter(person=person, active=True).update(active=False)
        playback = Playback.objects.create(
            token=secrets.token_urlsafe(32), person=person, user=user, progress=progress, session_key=session_key
        )
    return playback, _answer(progress)


def _answer(progress: ItemProgress, **more) -> BeatAnswer:
    duration = progress.duration_seconds
    watched = bytes(progress.watched)
    gap = first_gap(watched, duration)
    return BeatAnswer(
        watched=bitmap_count(watched),
        duration=duration,
        resume=gap if gap < duration else 0,
        complete=progress.completed_at is not None,
        **more,
    )


def _locked_playback(user, session_key: str, token: str) -> tuple[Playback, ItemProgress]:
    """The caller's playback by its token and its item's progress, both locked, in that order."""
    # By token and login alone, no join: the heartbeat is the most frequent request of all.
    playback = (
        Playback.objects.select_for_update(of=("self",)).filter(token=token, user_id=user.pk).first() if token else None
    )
    if playback is None:
        raise LearningError("token", "播放已失效，请刷新页面后继续学习", ErrorCode.NOT_FOUND)
    if playback.session_key != session_key:
        raise LearningError("token", "播放与当前登录不符，请刷新页面", ErrorCode.FORBIDDEN)
    return playback, ItemProgress.objects.select_for_update(of=("self",)).get(pk=playback.progress_id)


def _due_check(progress: ItemProgress, run: Run | None) -> int | None:
    """Where credit must stop for an attention check not yet passed: the first one at or after the
    run's start; once every second is watched, any one left is asked at once."""
    waiting = [c["at"] for c in progress.checks if not c["passed"]]
    if not waiting:
        return None
    if watched_through(bytes(progress.watched), progress.duration_seconds):
        return 0
    start = run.position if run is not None else 0.0
    ahead = [at for at in waiting if at >= start]
    return min(ahead) if ahead else None


def _ask(playback: Playback, at: int, now: float) -> dict:
    shown = _rng.randint(1, 9)
    choices = _rng.sample([n for n in range(1, 10) if n != shown], 3) + [shown]
    _rng.shuffle(choices)
    playback.pending_check = {"at": at, "asked_at": now, "answer": shown, "choices": choices}
    return _check_shown(playback.pending_check)


def _check_shown(pending: dict) -> dict:
    return {"prompt": f"请确认您正在学习：点击数字 {pending['answer']}", "choices": pending["choices"]}


def _fail_check(playback: Playback, progress: ItemProgress) -> None:
    """An attention check unanswered in time or answered wrong: the seconds since the last one passed go."""
    progress.watched = bytes(progress.confirmed)
    playback.pending_check = None
    playback.run = None


def heartbeat(*, user, session_key: str, token: str, beat: Beat, now: datetime | None = None) -> BeatAnswer:
    """Credit a heartbeat with the seconds the server can prove were watched (rules/watching.py)."""
    at = (now or timezone.now()).timestamp()
    with transaction.atomic():
        playback, progress = _locked_playback(user, session_key, token)
        if not playback.active:
            return _answer(progress, stopped=True, message="您已在其他页面或设备开始播放，这里已暂停")
        message = ""
        failed = False
        pending = playback.pending_check
        if pending is not None and at - pending["asked_at"] > CHECK_ANSWER_SECONDS:
            _fail_check(playback, progress)
            pending, failed = None, True
            message = "未在 60 秒内完成专注度确认，自上次确认以来的学习时间不予计入"
        run = Run(**playback.run) if playback.run else None
        stop_at = None if pending is not None else _due_check(progress, run)
        result = credit(
            seq=playback.seq, run=run, beat=beat, now=at, duration=progress.duration_seconds, stop_at=stop_at
        )
        if result is None:  # a replay or out of order: it changes nothing (a lapsed check still lapses)
            if failed:
                playback.save(update_fields=["run", "pending_check"])
                progress.save(update_fields=["watched"])
            return _answer(progress, message=message or "重复或过期的播放记录，未计入")
        playback.seq = result.seq
        added = 0
        check = _check_shown(pending) if pending is not None else None
        if pending is not None:
            playback.run = None  # nothing is credited while a check waits for its answer
        else:
            watched, added = bitmap_add(bytes(progress.watched), result.seconds)
            progress.watched = watched
            playback.run = asdict(result.run) if result.run is not None else None
            reached = stop_at is not None and result.run is None and result.end >= stop_at and beat.clean
            if reached or stop_at == 0 and beat.clean:
                check = _ask(playback, stop_at or 0, at)
        course_complete = _item_done(progress, user)
        playback.save(update_fields=["seq", "run", "pending_check"])
        if added or failed:  # most heartbeats of a long video add no whole second: no write
            progress.save(update_fields=["watched"])
    return _answer(progress, credited=added, check=check, message=message, course_complete=course_complete)


def check_answer(*, user, session_key: str, token: str, choice: int, now: datetime | None = None) -> BeatAnswer:
    """The person's answer to the attention check the player shows."""
    at = (now or timezone.now()).timestamp()
    with transaction.atomic():
        playback, progress = _locked_playback(user, session_key, token)
        pending = playback.pending_check
        if pending is None:
            raise LearningError("choice", "当前没有需要确认的问题")
        if at - pending["asked_at"] > CHECK_ANSWER_SECONDS:
            _fail_check(playback, progress)
            message = "超过 60 秒未确认，自上次确认以来的学习时间不予计入，请从断点继续学习"
        elif choice != pending["answer"]:
            _fail_check(playback, progress)
            message = "确认有误，自上次确认以来的学习时间不予计入，请从断点继续学习"
        else:
            for check in progress.checks:
                if check["at"] == pending["at"] and not check["passed"]:
                    check["passed"] = True
                    break
            else:  # asked once every second was watched: the first one still waiting
                next(c for c in progress.checks if not c["passed"])["passed"] = True
            progress.confirmed = bytes(progress.watched)
            playback.pending_check = None
            playback.run = None
            message = "已确认，请继续学习"
        course_complete = _item_done(progress, user)
        playback.save(update_fields=["run", "pending_check"])
        progress.save(update_fields=["watched", "confirmed", "checks", "completed_at"])
    return _answer(progress, message=message, course_complete=course_complete)


def _item_done(progress: ItemProgress, user) -> bool:
    """Mark the item complete when the server says so; then register the course if it is done.
    Whether the course's hours are registered (now or before)."""
    finished = watched_through(bytes(progress.watched), progress.duration_seconds) and all(
        c["passed"] for c in progress.checks
    )
    if progress.completed_at is None and finished:
        progress.completed_at = timezone.now()
        # Saved now: course_register_if_done reads every item's completion from the database.
        progress.save(update_fields=["watched", "confirmed", "checks", "completed_at"])
    if progress.completed_at is None:
        return False
    return course_register_if_done(enrollment_id=progress.enrollment_id, user=user)


def course_register_if_done(*, enrollment_id: int, user) -> bool:
    """Register a finished course's hours in the ledger, once; True when they are registered.

    Finished: every courseware item complete and a paper passed. Called inside the transaction of
    the heartbeat, answer or submission that may have finished it, with the enrolment locked.
    """
    enrollment = (
        Enrollment.objects.select_for_update(of=("self",)).select_related("course", "person").get(pk=enrollment_id)
    )
    if enrollment.entry_id is not None:
        return True
    course = enrollment.course
    if enrollment.progress.filter(completed_at__isnull=True).exists():
        return False
    if course.questions.exists() and not enrollment.attempts.filter(passed=True).exists():
        return False
    hours = course_hours(course, series=enrollment.person.series_id)
    today = timezone.localdate()
    (outcome,) = entries_register_bulk(
        entries=[
            NewEntry(
                person_id=enrollment.person_id,
                category=course.category,
                hours=hours,
                source=Source.PLATFORM_COURSE,
                title=course.title,
                completed_on=today,
                activity_type="online_course" if course.kind != Course.Kind.EXAM else "knowledge_exam",
                source_system=PLATFORM_SYSTEM,
                source_record_id=f"enrollment-{enrollment.pk}",
                provider=course.provider[:128],
                explanation=_explanation(course, hours),
            )
        ],
        by=user,
        audit_action="learning.course_registered",
        audit_each=True,
    )
    if outcome.status not in (Outcome.CREATED, Outcome.DUPLICATE):
        reason = outcome.refusal.message if outcome.refusal else "未能登记"
        raise LearningError("", f"课程已完成，但学时未能登记：{reason}")
    enrollment.entry_id = outcome.entry_id
    enrollment.completed_at = timezone.now()
    enrollment.save(update_fields=["entry", "completed_at"])
    return True


def _explanation(course: Course, hours: Decimal) -> str:
    if course.kind == Course.Kind.EXAM:
        return f"专项知识考试合格，认定 {hours} 学时"
    minutes = course_seconds(course) // 60
    return f"在线课程课件 {minutes} 分钟，考核合格，按每 45 分钟 1 学时折算为 {hours} 学时（第十二条）"


def attempt_start(*, user, course: Course, now: datetime | None = None) -> Attempt:
    """A paper drawn at random from the course's bank (or the open one, to continue it)."""
    now = now or timezone.now()
    person = _person_of(user)
    with transaction.atomic():
        enrollment = Enrollment.objects.select_for_update(of=("self",)).filter(person=person, course=course).first()
        if enrollment is None:
            raise LearningError("course", "请先选学该课程", ErrorCode.NOT_FOUND)
        attempts = list(enrollment.attempts.all())
        if any(a.passed for a in attempts):
            raise LearningError("course", "您已通过该课程的考核")
        open_attempt = next((a for a in attempts if a.submitted_at is None), None)
        if open_attempt is not None and (open_attempt.deadline is None or open_attempt.deadline > now):
            return open_attempt
        used = len(attempts)
        if used >= course.max_attempts:
            raise LearningError("course", f"考核次数已用完（共 {course.max_attempts} 次）")
        last = max((a.submitted_at or a.deadline or a.started_at for a in attempts), default=None)
        if last is not None and now < last + timedelta(minutes=course.retry_minutes):
            wait = last + timedelta(minutes=course.retry_minutes) - now
            minutes = max(1, int(wait.total_seconds() // 60) + 1)
            raise LearningError("course", f"请 {minutes} 分钟后再参加下一次考核")
        bank = list(course.questions.values_list("pk", flat=True))
        if not bank:
            raise LearningError("course", "该课程没有考核题目")
        paper = _rng.sample(bank, min(course.paper_size, len(bank)))
        deadline = now + timedelta(minutes=course.exam_minutes) if course.exam_minutes else None
        return Attempt.objects.create(enrollment=enrollment, started_at=now, deadline=deadline, question_ids=paper)


def attempt_paper(attempt: Attempt) -> list[Question]:
    questions = {q.pk: q for q in Question.objects.filter(pk__in=attempt.question_ids)}
    return [questions[pk] for pk in attempt.question_ids if pk in questions]


# A knowledge exam's paper submitted this long after its time is up is still taken (the network).
DEADLINE_GRACE = timedelta(seconds=30)


def attempt_submit(*, user, attempt_id: int, answers: dict[int, list[int]], now: datetime | None = None) -> Attempt:
    """Mark a paper on the server; a pass may finish the course and register its hours."""
    now = now or timezone.now()
    person = _person_of(user)
    with transaction.atomic():
        attempt = (
            Attempt.objects.select_for_update(of=("self",))
            .filter(pk=attempt_id, enrollment__person=person)
            .select_related("enrollment__course")
            .first()
        )
        if attempt is None:
            raise LearningError("attempt", "没有找到该次考核", ErrorCode.NOT_FOUND)
        if attempt.submitted_at is not None:
            raise LearningError("attempt", "该次考核已交卷，不能重复提交", ErrorCode.CONFLICT)
        paper = attempt_paper(attempt)
        late = attempt.deadline is not None and now > attempt.deadline + DEADLINE_GRACE
        right = 0 if late else sum(1 for q in paper if sorted(answers.get(q.pk, [])) == sorted(q.answer))
        attempt.score = (100 * right) // len(paper) if paper else 0
        attempt.passed = not late and attempt.score >= attempt.enrollment.course.pass_mark
        attempt.submitted_at = now
        attempt.save(update_fields=["score", "passed", "submitted_at"])
        # The enrolment (and the ledger's locks) before the audit trail's head: every path takes them
        # in this order, so a paper and a heartbeat finishing the course together cannot deadlock.
        if attempt.passed:
            course_register_if_done(enrollment_id=attempt.enrollment_id, user=user)
        audit_record(
            actor=user,
            action="learning.attempt_submitted",
            object_type="attempt",
            object_id=attempt.pk,
            after={
                "course": attempt.enrollment.course_id,
                "score": attempt.score,
                "passed": attempt.passed,
                "late": late,
            },
        )
    return attempt


def courseware_add(*, course: Course, title: str, path, by=None) -> CoursewareItem:
    """Add a video to a course: refused unless it is a playable H.264/AAC MP4 (courseware.probe),
    stored under its digest in the courseware storage, its real duration kept for R12b."""
    from django.core.files import File
    from django.core.files.storage import storages

    from .courseware import probe

    title = (title or "").strip()
    if not title:
        raise LearningError("title", "请填写课件名称", ErrorCode.REQUIRED)
    if len(title) > 200:
        raise LearningError("title", "课件名称不能超过 200 个字")
    probed = probe(path)
    if course.kind == Course.Kind.TOPIC and probed.duration_seconds > MICRO_COURSE_SECONDS:
        raise LearningError("file", "专题由微课组成，每个微课不超过 10 分钟；较长的视频请建为课程")
    storage = storages["courseware"]
    with transaction.atomic():
        Course.objects.select_for_update(of=("self",)).filter(pk=course.pk).first()
        position = (course.items.aggregate(m=models.Max("position"))["m"] or 0) + 1
        with open(path, "rb") as handle:
            name = storage.save(f"{probed.sha256[:2]}/{probed.sha256}.mp4", File(handle))
        item = CoursewareItem.objects.create(
            course=course,
            position=position,
            title=title,
            file_name=name,
            size=probed.size,
            sha256=probed.sha256,
            duration_seconds=probed.duration_seconds,
        )
        audit_record(
            actor=by,
            actor_label=None if by is not None else "demo",
            action="learning.courseware_added",
            object_type="courseware",
            object_id=item.pk,
            after={"course": course.pk, "title": title, "seconds": probed.duration_seconds, "sha256": probed.sha256},
        )
    return item
