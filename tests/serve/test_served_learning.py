"""Watching a course against the served process (issue 11): `cehours serve` with several gunicorn
workers, many people's players beating at once, each beat answered by whichever worker takes it.
The proof of watching lives in the database, not in a worker's memory: the seconds credited match
the server's clock whichever worker answered, and a second playback of the same person, begun on
another connection, stops the first."""

from __future__ import annotations

import http.client
import json
import time

import pytest

from tests.integration.processes import SeparateDatabase

from .test_served import Answer, at_once

pytestmark = pytest.mark.slow
LEARNERS = 6
CSRF = "cehoursServedLearningTestToken12"  # any 32 letters: the cookie and the header must agree

# Sessions for LEARNERS demo professionals, each enrolled in the demo's general-public course.
LEARNERS_SCRIPT = f"""
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.sessions.backends.db import SessionStore
from cehours.learning.models import Course
from cehours.learning.services import enroll
from cehours.people.models import Person
course = Course.objects.get(kind="course", category="general_public")
item = course.items.order_by("position").first()
for n, person in enumerate(Person.objects.filter(user__isnull=True).order_by("pk")[:{LEARNERS}]):
    user = get_user_model().objects.create_user(f"learner{{n}}", password="Served-learning-2026")
    person.user = user
    person.save(update_fields=["user"])
    enroll(user=user, course=course)
    session = SessionStore()
    session[SESSION_KEY], session[BACKEND_SESSION_KEY] = str(user.pk), "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    print(session.session_key, item.pk)
"""


def post(port: int, path: str, session: str, payload: dict) -> Answer:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        headers = {
            "Cookie": f"sessionid={session}; csrftoken={CSRF}",
            "X-CSRFToken": CSRF,
            "Content-Type": "application/json",
        }
        connection.request("POST", path, body=json.dumps(payload), headers=headers)
        response = connection.getresponse()
        raw = response.read().decode()
        kind = response.getheader("Content-Type", "")
        return Answer(response.status, kind, json.loads(raw) if kind.startswith("application/json") else raw)
    finally:
        connection.close()


def test_served_heartbeats_from_many_players_are_credited_by_the_servers_clock(tmp_path):
    database = SeparateDatabase(tmp_path / "data")
    try:
        assert database.run("demo", "--people", "30", "--years", "1", timeout=300).returncode == 0
        made = database.run("shell", "-c", LEARNERS_SCRIPT)
        assert made.returncode == 0, made.stderr
        pairs = [line.split() for line in made.stdout.splitlines() if len(line.split()) == 2]
        assert len(pairs) == LEARNERS, made.stdout
        with database.serve("--workers", "3") as server:
            port = server.port
            started = at_once(
                [lambda s=s, i=i: post(port, "/learning/playback/", s, {"item": int(i)}) for s, i in pairs]
            )
            assert all(a.status == 200 for a in started), [a.describe() for a in started] + [server.log()]
            tokens = [a.body["token"] for a in started]  # type: ignore[index]
            sessions = [s for s, _ in pairs]

            def beats(seq: int, position: float) -> list[Answer]:
                return at_once(
                    [
                        lambda s=s, t=t: post(
                            port,
                            "/learning/beat/",
                            s,
                            {"token": t, "seq": seq, "position": position, "rate": 1, "playing": True, "visible": True},
                        )
                        for s, t in zip(sessions, tokens, strict=True)
                    ]
                )

            first = time.monotonic()
            beats(1, 0.0)
            time.sleep(3.2)
            second = beats(2, 3.0)
            elapsed = time.monotonic() - first
            assert all(a.status == 200 for a in second), [a.describe() for a in second]
            for answer in second:
                assert 2 <= answer.body["watched"] <= min(3, int(elapsed))  # type: ignore[index]
            # a beat claiming three minutes after three seconds is a seek: nothing more
            jumped = beats(3, 180.0)
            assert [a.body["watched"] for a in jumped] == [a.body["watched"] for a in second]  # type: ignore[index]
            # the same person starts again on another connection: the first playback stops
            again = post(port, "/learning/playback/", sessions[0], {"item": int(pairs[0][1])})
            assert again.status == 200, again.describe()
            stopped = post(
                port,
                "/learning/beat/",
                sessions[0],
                {"token": tokens[0], "seq": 4, "position": 181.0, "rate": 1, "playing": True, "visible": True},
            )
            assert stopped.body["stopped"] is True and "其他页面或设备" in stopped.body["message"]  # type: ignore[index]
            assert "Traceback" not in server.log()
    finally:
        database.drop()
