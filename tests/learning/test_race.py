"""R16.1 exactly once: the heartbeat that finishes the last item and the paper that passes the
assessment, arriving together in two connections, register the course's hours once — never
twice, never not at all."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from cehours.learning.models import Course, Enrollment, ItemProgress
from cehours.learning.services import attempt_start, attempt_submit, courseware_add, enroll, heartbeat, playback_start
from cehours.ledger.models import LedgerEntry
from cehours.rules.watching import Beat

from .conftest import SECONDS, answers_for, at, bank
from .test_watching import SESSION, watch


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="a real race needs concurrent database connections: run with DATABASE_URL=postgresql://… "
    "(SQLite serialises writers; test_watching.py's sequential double submission runs everywhere)",
)
def test_r16_1_last_heartbeat_and_passing_paper_raced_register_once(
    django_db_serialized_rollback, transactional_db, learner, video_file
):
    for round_ in range(4):
        course = Course.objects.create(
            category="general_public", title=f"并发课程{round_}", year_from=2026, year_to=2030, paper_size=3
        )
        courseware_add(course=course, title="第一讲", path=video_file)
        bank(course)
        course.published = True
        course.save()
        enrollment = enroll(user=learner.user, course=course)
        ItemProgress.objects.filter(enrollment=enrollment).update(checks=[{"at": 2, "passed": False}])
        playback, _ = playback_start(user=learner.user, session_key=SESSION, item=course.items.get())
        _, seq, t = watch(learner, playback, upto=SECONDS - 4)
        attempt = attempt_start(user=learner.user, course=course)
        answers = answers_for(attempt)
        barrier = threading.Barrier(2)
        outcomes: dict[str, object] = {}

        def last_beat(seq=seq, t=t, playback=playback, barrier=barrier, out=outcomes):
            try:
                barrier.wait(timeout=10)
                done = heartbeat(
                    user=learner.user,
                    session_key=SESSION,
                    token=playback.token,
                    beat=Beat(seq, float(SECONDS)),
                    now=at(t + 4),
                )
                out["beat"] = done.complete
            except Exception as exc:  # reported below; an exception in a thread would otherwise vanish
                out["beat"] = repr(exc)
            finally:
                connection.close()

        def submit(attempt=attempt, answers=answers, barrier=barrier, out=outcomes):
            try:
                barrier.wait(timeout=10)
                out["paper"] = attempt_submit(user=learner.user, attempt_id=attempt.pk, answers=answers).passed
            except Exception as exc:
                out["paper"] = repr(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=last_beat), threading.Thread(target=submit)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert outcomes == {"beat": True, "paper": True}, outcomes
        entries = LedgerEntry.objects.filter(person=learner, title=course.title)
        assert entries.count() == 1
        assert Enrollment.objects.get(pk=enrollment.pk).entry_id == entries.get().pk
