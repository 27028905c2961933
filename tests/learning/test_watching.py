"""Issue 11 through the services: each way of faking watch time adds nothing, an attention check
left unanswered takes back the time since the last one, and a finished course registers its hours
in the ledger once (R12b, R16.1)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cehours.learning.models import Enrollment, ItemProgress, Playback
from cehours.learning.services import (
    PLATFORM_SYSTEM,
    LearningError,
    attempt_start,
    attempt_submit,
    check_answer,
    enroll,
    heartbeat,
    playback_start,
)
from cehours.ledger.models import LedgerEntry, PersonYearTotal, Source
from cehours.rules.watching import Beat, bitmap_count

from .conftest import SECONDS, answers_for, at

SESSION = "session-a"


def start(person, course, session=SESSION):
    enroll(user=person.user, course=course)
    item = course.items.get()
    playback, answer = playback_start(user=person.user, session_key=session, item=item)
    return playback


def send(person, playback, seq, position, when, session=SESSION, **flags):
    return heartbeat(
        user=person.user, session_key=session, token=playback.token, beat=Beat(seq, position, **flags), now=at(when)
    )


def watch(person, playback, *, upto=SECONDS, every=2, first_seq=1, t0=0.0, answer_checks=True, session=SESSION):
    """Play at 1× from 0 to `upto`, answering each attention check at once; the last answer."""
    seq, t, last = first_seq, t0, None
    position = 0.0
    while True:
        last = send(person, playback, seq, position, t, session=session)
        seq += 1
        if last.check and answer_checks:
            pending = Playback.objects.get(pk=playback.pk).pending_check
            last = check_answer(
                user=person.user, session_key=session, token=playback.token, choice=pending["answer"], now=at(t + 1)
            )
            t += 1
            position = float(last.resume) if last.resume else position
            # the player seeks back to where credit stopped, and plays on from there
            t += 0.5
            send(person, playback, seq, position, t, session=session)
            seq += 1
        if position >= upto:
            return last, seq, t
        t += every
        position = min(float(upto), position + every)


def watched(person, course) -> int:
    return bitmap_count(bytes(ItemProgress.objects.get(enrollment__person=person, enrollment__course=course).watched))


def test_r16_1_a_watched_and_passed_course_registers_its_hours_once(course, learner):
    playback = start(learner, course)
    last, _, _ = watch(learner, playback)
    assert last.complete
    assert not LedgerEntry.objects.filter(person=learner).exists()  # the assessment is still to pass
    attempt = attempt_start(user=learner.user, course=course)
    assert attempt_submit(user=learner.user, attempt_id=attempt.pk, answers=answers_for(attempt)).passed
    entry = LedgerEntry.objects.get(person=learner)
    assert entry.source == Source.PLATFORM_COURSE and entry.source_system == PLATFORM_SYSTEM
    assert entry.category == "general_public" and entry.title == course.title
    enrollment = Enrollment.objects.get(person=learner, course=course)
    assert enrollment.entry_id == entry.pk and enrollment.completed_at is not None
    # 12 s of courseware by R12b (45 min an hour) truncates to 0.0 hours: what the rules give
    assert entry.hours == Decimal("0.0")
    with pytest.raises(LearningError, match="已通过"):
        attempt_start(user=learner.user, course=course)
    assert LedgerEntry.objects.filter(person=learner).count() == 1


def test_r12b_hours_are_the_courseware_minutes_over_45(course, learner, video_file):
    from cehours.learning.services import course_hours, courseware_add

    for n in range(2, 12):  # twelve 12-second items: 144 s = 2.4 min → 0.0; the rule truncates
        courseware_add(course=course, title=f"第{n}讲", path=video_file)
    assert course_hours(course) == Decimal("0.0")
    from cehours.rules.conversion import courseware_hours
    from cehours.rules.ruleset import RuleSet

    assert courseware_hours(2700, RuleSet()) == Decimal("1.0")
    assert courseware_hours(2699, RuleSet()) == Decimal("0.9")


@pytest.mark.parametrize(
    "flags",
    [{"visible": False}, {"playing": False}, {"rate": 2.0}],
    ids=["hidden-tab", "paused", "2x"],
)
def test_r12b_hidden_paused_or_fast_playing_adds_nothing(course, learner, flags):
    playback = start(learner, course)
    for seq, t in enumerate(range(0, SECONDS + 1, 2), start=1):
        position = t * (2 if flags.get("rate") else 1)
        answer = send(learner, playback, seq, float(min(position, SECONDS)), float(t), **flags)
        assert answer.credited == 0
    assert watched(learner, course) == 0


def test_r12b_seeking_to_the_end_does_not_complete(course, learner):
    playback = start(learner, course)
    send(learner, playback, 1, 0.0, 0.0)
    send(learner, playback, 2, 2.0, 2.0)
    answer = send(learner, playback, 3, float(SECONDS), 3.0)
    assert not answer.complete and watched(learner, course) <= 2


def test_r12b_a_replayed_heartbeat_adds_nothing(course, learner):
    playback = start(learner, course)
    send(learner, playback, 1, 0.0, 0.0)
    send(learner, playback, 2, 2.0, 2.0)
    before = watched(learner, course)
    replay = send(learner, playback, 2, 4.0, 4.0)
    older = send(learner, playback, 1, 4.0, 4.5)
    assert replay.credited == older.credited == 0 and "重复" in replay.message
    assert watched(learner, course) == before


def test_a_second_playback_pauses_the_first_and_a_forged_token_is_refused(course, learner, make_person):
    first = start(learner, course)
    send(learner, first, 1, 0.0, 0.0)
    second, _ = playback_start(user=learner.user, session_key="session-b", item=course.items.get())
    stopped = send(learner, first, 2, 2.0, 2.0)
    assert stopped.stopped and "其他页面或设备" in stopped.message and stopped.credited == 0
    with pytest.raises(LearningError, match="当前登录不符"):
        send(learner, second, 1, 0.0, 3.0, session=SESSION)  # the token carried to another login
    other = make_person(with_login=True)
    enroll(user=other.user, course=course)
    with pytest.raises(LearningError, match="播放已失效"):
        heartbeat(user=other.user, session_key=SESSION, token=second.token, beat=Beat(1, 0.0), now=at(4))


def test_an_unanswered_attention_check_takes_back_the_time_since_the_last_one(course, learner):
    playback = start(learner, course)
    check_at = ItemProgress.objects.get(enrollment__person=learner).checks[0]["at"]
    asked = None
    seq, t = 1, 0.0
    while asked is None:
        answer = send(learner, playback, seq, min(t, SECONDS), t)
        asked = answer.check
        seq, t = seq + 1, t + 1
    assert "点击数字" in asked["prompt"] and len(asked["choices"]) == 4
    assert "answer" not in asked  # the page never gets the answer
    assert watched(learner, course) == check_at
    # nothing is credited while the question waits, and after 60 s the seconds go
    waiting = send(learner, playback, seq, min(t + 1, SECONDS), t + 1)
    assert waiting.credited == 0
    late = send(learner, playback, seq + 1, min(t + 2, SECONDS), t + 62)
    assert "60 秒" in late.message
    assert watched(learner, course) == 0


def test_a_new_playback_does_not_escape_a_waiting_check(course, learner):
    """Reloading the page, or opening it in another tab, when the question appears: it lapses."""
    playback = start(learner, course)
    seq, t = 1, 0.0
    while not send(learner, playback, seq, min(t, SECONDS), t).check:
        seq, t = seq + 1, t + 1
    assert watched(learner, course) > 0
    _, fresh = playback_start(user=learner.user, session_key=SESSION, item=course.items.get())
    assert watched(learner, course) == 0 and fresh.watched == 0
    assert Playback.objects.get(pk=playback.pk).pending_check is None


def test_a_wrong_answer_to_the_check_takes_back_the_time_too(course, learner):
    playback = start(learner, course)
    seq, t = 1, 0.0
    while not send(learner, playback, seq, min(t, SECONDS), t).check:
        seq, t = seq + 1, t + 1
    pending = Playback.objects.get(pk=playback.pk).pending_check
    wrong = next(c for c in pending["choices"] if c != pending["answer"])
    result = check_answer(user=learner.user, session_key=SESSION, token=playback.token, choice=wrong, now=at(t + 1))
    assert "有误" in result.message and watched(learner, course) == 0


def test_r16_1_submissions_raced_register_once(course, learner):
    playback = start(learner, course)
    watch(learner, playback)
    attempt = attempt_start(user=learner.user, course=course)
    attempt_submit(user=learner.user, attempt_id=attempt.pk, answers=answers_for(attempt))
    with pytest.raises(LearningError, match="不能重复提交"):
        attempt_submit(user=learner.user, attempt_id=attempt.pk, answers=answers_for(attempt))
    assert LedgerEntry.objects.filter(person=learner).count() == 1
    total = PersonYearTotal.objects.get(person=learner)
    assert total.general_public == LedgerEntry.objects.get(person=learner).hours


def test_attempts_are_limited_and_spaced_and_answers_checked_on_the_server(course, learner):
    enroll(user=learner.user, course=course)
    attempt = attempt_start(user=learner.user, course=course, now=at(0))
    assert attempt_start(user=learner.user, course=course, now=at(1)).pk == attempt.pk  # the open one
    failed = attempt_submit(
        user=learner.user, attempt_id=attempt.pk, answers=answers_for(attempt, right=False), now=at(60)
    )
    assert not failed.passed and failed.score == 0
    with pytest.raises(LearningError, match="分钟后再参加"):
        attempt_start(user=learner.user, course=course, now=at(120))
    second = attempt_start(user=learner.user, course=course, now=at(60 + 601))
    attempt_submit(user=learner.user, attempt_id=second.pk, answers=answers_for(second, right=False), now=at(700))
    with pytest.raises(LearningError, match="次数已用完"):
        attempt_start(user=learner.user, course=course, now=at(5000))


def test_someone_else_cannot_submit_my_paper(course, learner, make_person):
    enroll(user=learner.user, course=course)
    attempt = attempt_start(user=learner.user, course=course)
    other = make_person(with_login=True)
    with pytest.raises(LearningError, match="没有找到"):
        attempt_submit(user=other.user, attempt_id=attempt.pk, answers=answers_for(attempt))


def test_r16_1_a_knowledge_exam_is_timed_and_registers_its_set_hours(learner):
    from datetime import timedelta

    from cehours.learning.models import Course

    from .conftest import bank

    exam = Course.objects.create(
        kind=Course.Kind.EXAM, category="general_public", title="专项知识考试", year_from=2026, year_to=2030,
        exam_hours=Decimal("2"), exam_minutes=20, paper_size=3, retry_minutes=0, published=True,
    )  # fmt: skip
    bank(exam)
    enroll(user=learner.user, course=exam)
    first = attempt_start(user=learner.user, course=exam, now=at(0))
    assert first.deadline == at(0) + timedelta(minutes=20)
    late = attempt_submit(user=learner.user, attempt_id=first.pk, answers=answers_for(first), now=at(21 * 60 + 31))
    assert not late.passed and late.score == 0  # all right, but after the time (and its 30 s grace)
    assert not LedgerEntry.objects.filter(person=learner).exists()
    second = attempt_start(user=learner.user, course=exam, now=at(22 * 60))
    attempt_submit(user=learner.user, attempt_id=second.pk, answers=answers_for(second), now=at(30 * 60))
    entry = LedgerEntry.objects.get(person=learner)
    assert entry.hours == Decimal("2.0") and entry.activity_type == "knowledge_exam"
    assert "专项知识考试合格" in entry.explanation
